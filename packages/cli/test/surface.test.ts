import * as fs from "node:fs"
import { beforeAll, describe, expect, it } from "vitest"
import { assertBuilt, run } from "./support/Cli.js"
import { type CommandSurface, liveSurface, surfaceFile } from "./surface.js"

const committed = JSON.parse(fs.readFileSync(surfaceFile, "utf8")) as ReadonlyArray<CommandSurface>

describe("the command surface", () => {
  beforeAll(() => assertBuilt())

  it("matches the committed test/command-surface.json", async () => {
    const live = await liveSurface()
    const hint =
      "The commands or flags changed. If that is intended, run `npm run -w @sratix/cli surface:update` and commit test/command-surface.json."
    expect(live, hint).toEqual(committed)
  })

  it("gives every command --json", () => {
    for (const command of committed) expect(command.flags.json, command.id).toEqual({ type: "boolean" })
  })

  it.each(committed.map((c) => c.id))("`sratix %s --help` shows usage, examples and --json", async (id) => {
    const result = await run([...id.split(" "), "--help"])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe("")
    expect(result.stdout).toContain("USAGE")
    expect(result.stdout).toContain(`$ sratix ${id}`)
    expect(result.stdout).toContain("EXAMPLES")
    expect(result.stdout).toContain("--json")
  })

  it("`sratix --help` lists every topic and command", async () => {
    const result = await run(["--help"])
    expect(result.code).toBe(0)
    for (const word of ["admin", "event", "migrate", "seed", "doctor", "serve"]) expect(result.stdout).toContain(word)
  })
})
