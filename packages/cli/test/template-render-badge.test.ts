import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { assertBuilt, expectOneLineError, run, runJson, tempDir } from "./support/Cli.js"

describe("sratix template render badge", () => {
  beforeAll(() => assertBuilt())

  it("renders the built-in template with sample data to a one-page PDF whose QR code decodes", async () => {
    const out = path.join(tempDir(), "badge.pdf")
    const { code, json } = await runJson<{ pages: number; bytes: number; format: string; template: string }>([
      "template",
      "render",
      "badge",
      "--out",
      out,
    ])
    expect(code).toBe(0)
    expect(json).toMatchObject({ format: "pdf", pages: 1, bytes: fs.statSync(out).size, template: "built-in" })
    expect(execFileSync("pdftotext", [out, "-"], { encoding: "utf8" })).toContain("Pia Rutschmann")
    execFileSync("pdftoppm", ["-r", "300", "-png", out, path.join(path.dirname(out), "page")])
    const png = path.join(path.dirname(out), "page-1.png")
    expect(execFileSync("zbarimg", ["--quiet", "--raw", png], { encoding: "utf8" })).toMatch(/^SX1\./)
  })

  it("renders a template file and names a bad one's problem in one line with exit 2", async () => {
    const dir = tempDir()
    const good = path.join(dir, "badge.json")
    fs.writeFileSync(
      good,
      JSON.stringify({
        size: { name: "CR80" },
        html: '<h1>{{name}}</h1><img src="{{qr}}" alt="">',
        css: "h1 { color: {{color}} }",
      }),
    )
    const { json } = await runJson<{ format: string }>([
      "template",
      "render",
      "badge",
      "--template",
      good,
      "--out",
      path.join(dir, "b.html"),
    ])
    expect(json.format).toBe("html")
    expect(fs.readFileSync(path.join(dir, "b.html"), "utf8")).toContain("<h1>Pia Rutschmann</h1>")
    const bad = path.join(dir, "bad.html")
    fs.writeFileSync(bad, "<div>\n<p>{{nmae}}</p>\n")
    const result = await run(["template", "render", "badge", "--template", bad, "--out", path.join(dir, "x.pdf")])
    expect(result.code).toBe(2)
    expect(expectOneLineError(result)).toContain("line 2: Unknown placeholder {{nmae}}")
    const badId = await run(["template", "render", "badge", "--ticket", "nope", "--out", path.join(dir, "x.pdf")])
    expect(badId.code).toBe(2)
    expect(expectOneLineError(badId)).toContain("not a ticket id")
  })
})
