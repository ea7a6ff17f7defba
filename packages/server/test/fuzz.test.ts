import { Arbitrary, FastCheck, Option, Schema } from "effect"
import { it } from "vitest"
import { SratixApi } from "../src/Api.js"

it("arb", () => {
  for (const [g, group] of Object.entries((SratixApi as any).groups)) {
    for (const [n, ep] of Object.entries((group as any).endpoints)) {
      const e = ep as any
      for (const k of ["payloadSchema", "urlParamsSchema", "headersSchema", "pathSchema"]) {
        const s = e[k]
        if (Option.isNone(s)) continue
        for (const [label, f] of [
          ["bound", Schema.encodedBoundSchema],
          ["enc", Schema.encodedSchema],
        ] as const) {
          const t = Date.now()
          try {
            const arb = Arbitrary.make(f(s.value as any))
            const xs = FastCheck.sample(arb, { numRuns: 5, seed: 1 })
            const ok = xs.filter((x) => Option.isSome(Schema.decodeUnknownOption(s.value as any)(x))).length
            console.log(g, n, k, label, Date.now() - t, "ms", `${ok}/5 decode`, JSON.stringify(xs[1]).slice(0, 150))
          } catch (err) {
            console.log(g, n, k, label, "ERR", String(err).slice(0, 200))
          }
        }
      }
    }
  }
})
