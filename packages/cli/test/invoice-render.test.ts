import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { assertBuilt, expectOneLineError, run, runJson, tempDir } from "./support/Cli.js"

describe("sratix invoice render", () => {
  beforeAll(() => assertBuilt())

  it("renders a sample to PDF in the asked language and reports path, bytes and pages", async () => {
    const out = path.join(tempDir(), "sample.pdf")
    const { code, json } = await runJson<{ pages: number; bytes: number; format: string }>(
      ["invoice", "render", "--sample", "--locale", "de", "--out", out],
      {},
    )
    expect(code).toBe(0)
    expect(json).toMatchObject({ format: "pdf", pages: 1, bytes: fs.statSync(out).size })
    expect(execFileSync("pdftotext", [out, "-"], { encoding: "utf8" })).toContain("Proforma-Rechnung")
  })

  it("takes the format from the extension and refuses a malformed id in one line", async () => {
    const out = path.join(tempDir(), "sample.html")
    const { json } = await runJson<{ format: string }>(["invoice", "render", "--sample", "--out", out])
    expect(json.format).toBe("html")
    expect(fs.readFileSync(out, "utf8")).toContain("<!doctype html>")
    const bad = await run(["invoice", "render", "--id", "nope", "--out", out])
    expect(bad.code).toBe(2)
    expect(expectOneLineError(bad)).toContain("not an invoice id")
  })
})
