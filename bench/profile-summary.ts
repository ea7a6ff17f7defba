/**
 * Summarises a V8 .cpuprofile (as written by the checkout-rush server child): self time by
 * package or source file, and by function.
 *
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=30]
 */
import * as fs from "node:fs"

interface ProfileNode {
  readonly id: number
  readonly children?: ReadonlyArray<number>
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}
interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const [file, topArg] = process.argv.slice(2)
if (!file) {
  console.error("usage: profile-summary <file.cpuprofile> [top]")
  process.exit(2)
}
const top = Number(topArg ?? 30)
const profile = JSON.parse(fs.readFileSync(file, "utf8")) as Profile
const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
const parents = new Map<number, number>()
for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id)
/** Samples taken while the profiler itself was being stopped (node:inspector) are not the server's. */
const isProfiler = (id: number): boolean => {
  for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
    if (nodes.get(at)!.callFrame.url === "node:inspector") return true
  }
  return false
}
const perNode = new Map<number, number>()
for (const [i, id] of profile.samples.entries()) {
  if (!isProfiler(id)) perNode.set(id, (perNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
}

const byFunction = new Map<string, number>()
const byPackage = new Map<string, number>()
let total = 0
const cwd = `${process.cwd()}/`
for (const [id, micros] of perNode) {
  const { functionName, url, lineNumber } = nodes.get(id)!.callFrame
  const where = url
    .replace(/^file:\/\//, "")
    .replace(/.*node_modules\//, "~/")
    .replace(cwd, "")
  const fn = `${functionName || "(anonymous)"} ${where}${where ? `:${lineNumber + 1}` : ""}`
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros)
  const pkg = where.startsWith("~/")
    ? where
        .slice(2)
        .split("/")
        .slice(0, where.startsWith("~/@") ? 2 : 1)
        .join("/")
    : where || functionName
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros)
  total += micros
}

const show = (title: string, map: Map<string, number>) => {
  console.log(`\n${title}`)
  for (const [key, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * micros) / total).toFixed(1).padStart(5)} %  ${key}`)
  }
}
console.log(`${file}: ${(total / 1000).toFixed(0)} ms of samples`)
show("self time by package / file", byPackage)
show("self time by function", byFunction)
