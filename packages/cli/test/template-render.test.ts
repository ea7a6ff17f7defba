import * as fs from "node:fs"
import * as path from "node:path"
import { simpleParser } from "mailparser"
import { beforeAll, describe, expect, it } from "vitest"
import { assertBuilt, expectOneLineError, run, runJson, tempDir } from "./support/Cli.js"

describe("sratix template render email", () => {
  beforeAll(() => assertBuilt())

  it("renders sample data as HTML, text or a whole message, in the asked language, without a database", async () => {
    const dir = tempDir()
    const html = path.join(dir, "confirmation.html")
    const { code, json } = await runJson<{ format: string; bytes: number; subject: string; locale: string }>(
      ["template", "render", "email", "--template", "confirmation", "--lang", "de", "--out", html],
      { SRATIX_DATA_DIR: path.join(dir, "data") },
    )
    expect(code).toBe(0)
    expect(json).toMatchObject({ format: "html", locale: "de", bytes: fs.statSync(html).size })
    expect(json.subject).toBe("Ihre Tickets für Swiss Robotics Day 2026")
    expect(fs.readFileSync(html, "utf8")).toContain("Vielen Dank für Ihre Bestellung")
    // No database was touched: a preview of sample data must work on a designer's laptop.
    expect(fs.existsSync(path.join(dir, "data"))).toBe(false)

    const eml = path.join(dir, "reminder.eml")
    await runJson(["template", "render", "email", "--template", "invoice_reminder", "--lang", "it", "--out", eml], {
      SRATIX_MAIL_FROM: "Fiera <fiera@example.ch>",
    })
    const mail = await simpleParser(fs.readFileSync(eml))
    expect(mail.subject).toBe("Promemoria: Fattura INV-2026-000042")
    expect(mail.from?.text).toContain("fiera@example.ch")
    expect(mail.text).toContain("Buongiorno Pia Rutschmann")
    expect(String(mail.html)).toContain("<!doctype html>")

    const text = await run([
      "template",
      "render",
      "email",
      "--template",
      "event_reminder",
      "--format",
      "txt",
      "--out",
      "-",
    ])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain("Hello Pia Rutschmann,")
    expect(text.stdout).not.toContain("<")
  })

  it("refuses bad input in one line", async () => {
    const out = path.join(tempDir(), "x.html")
    const badId = await run([
      "template",
      "render",
      "email",
      "--template",
      "confirmation",
      "--order",
      "nope",
      "--out",
      out,
    ])
    expect(badId.code).toBe(2)
    expect(expectOneLineError(badId)).toContain("not an order id")
    const badTemplate = await run(["template", "render", "email", "--template", "newsletter", "--out", out])
    expect(badTemplate.code).toBe(2)
  })
})
