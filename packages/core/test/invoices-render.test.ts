import { describe, expect, it } from "@effect/vitest"
import { Effect, ManagedRuntime } from "effect"
import { afterAll, beforeAll } from "vitest"
import {
  BrowserPool,
  Invoice,
  type InvoiceFormat,
  invoiceHtml,
  invoiceLabels,
  type Locale,
  References,
  renderInvoice,
  SAMPLE_IBAN,
  SAMPLE_QR_IBAN,
  sampleInvoice,
} from "../src/index.js"
import { decodeQrBill, pdfText, spcFields } from "./support/Pdf.js"

/** One Chromium for the whole file: launching costs far more than a render. */
let runtime: ManagedRuntime.ManagedRuntime<BrowserPool, never>
beforeAll(() => {
  runtime = ManagedRuntime.make(BrowserPool.Default)
})
afterAll(() => runtime.dispose())

const render = (invoice: Parameters<typeof renderInvoice>[0], format: InvoiceFormat = "pdf") =>
  runtime.runPromise(renderInvoice(invoice, format))

const locales: ReadonlyArray<Locale> = ["en", "de", "fr", "it"]

describe("invoice documents", () => {
  it("a proforma with a QR-IBAN carries a QR-bill whose Swiss Payment Code decodes with QRR fields (de)", async () => {
    const invoice = sampleInvoice("de", { reference: "QRR" })
    const { bytes, pages } = await render(invoice)
    expect(pages).toBe(1)
    const payload = decodeQrBill(bytes)
    expect(payload).not.toBeNull()
    const spc = spcFields(payload!)
    expect(spc).toMatchObject({
      qrType: "SPC",
      version: "0200",
      coding: "1",
      iban: SAMPLE_QR_IBAN,
      creditor: {
        addressType: "S",
        name: "Swiss Robotics Association",
        postcode: "8005",
        town: "Zürich",
        country: "CH",
      },
      amount: (invoice.totalMinor / 100).toFixed(2),
      currency: "CHF",
      debtor: { name: "Rutschmann Automation AG", street: "Marktgasse 28", postcode: "9400", town: "Rorschach" },
      referenceType: "QRR",
      reference: invoice.paymentReference,
      message: invoice.number,
      trailer: "EPD",
    })
    expect(spc.reference).toMatch(/^\d{27}$/)
    expect(References.isValidQrReference(spc.reference!)).toBe(true)
    expect(References.mod10RecursiveCheckDigit(spc.reference!.slice(0, 26))).toBe(Number(spc.reference![26]))
    expect(pdfText(bytes)).toContain("Proforma-Rechnung")
  })

  it("an ordinary IBAN gets an ISO 11649 creditor reference (SCOR) in the decoded code (fr)", async () => {
    const invoice = sampleInvoice("fr", { reference: "SCOR", kind: "final" })
    const spc = spcFields(decodeQrBill((await render(invoice)).bytes)!)
    expect(spc).toMatchObject({ qrType: "SPC", version: "0200", iban: SAMPLE_IBAN, currency: "CHF" })
    expect(spc.amount).toBe((invoice.totalMinor / 100).toFixed(2))
    expect(spc.referenceType).toBe("SCOR")
    expect(spc.reference).toBe(invoice.paymentReference)
    expect(References.isValidCreditorReference(spc.reference!)).toBe(true)
    expect(References.mod97(spc.reference!.slice(4) + spc.reference!.slice(0, 4))).toBe(1)
  })

  it.each(locales)("renders in %s with the translated title, amounts and dates of that language", async (locale) => {
    const final = sampleInvoice(locale, { kind: "final" })
    const text = pdfText((await render(final)).bytes)
    expect(text).toContain(invoiceLabels[locale].title.final)
    expect(text).toContain(invoiceLabels[locale].vatSummary)
    const expectedTotal = new Intl.NumberFormat(`${locale}-CH`, { style: "currency", currency: "CHF" }).format(
      final.totalMinor / 100,
    )
    expect(text.replace(/\s/g, "")).toContain(expectedTotal.replace(/\s/g, ""))
    const date = new Intl.DateTimeFormat(`${locale}-CH`, { dateStyle: "long", timeZone: "Europe/Zurich" }).format(
      final.issuedAt,
    )
    expect(text).toContain(date)
  })

  it("puts the payment part on a page of its own when the lines fill the first page", async () => {
    const base = sampleInvoice("en")
    const lines = Array.from({ length: 12 }, (_, i) => ({ ...base.lines[0]!, description: `Booth extra ${i + 1}` }))
    const long = new Invoice({ ...base, lines })
    const { bytes, pages } = await render(long)
    expect(pages).toBe(2)
    expect(spcFields(decodeQrBill(bytes)!).reference).toBe(long.paymentReference)
  })

  it("credit notes and paid invoices carry no payment part", async () => {
    const credit = sampleInvoice("it", { kind: "credit_note" })
    const creditPdf = (await render(credit)).bytes
    expect(decodeQrBill(creditPdf)).toBeNull()
    expect(pdfText(creditPdf)).toContain("Nota di credito")
    const paid = new Invoice({ ...sampleInvoice("en", { kind: "final" }), status: "paid" })
    expect(invoiceHtml(paid)).not.toContain("<svg")
  })

  it("escapes what people typed and renders a PNG of the first page", async () => {
    const sample = sampleInvoice("en")
    const invoice = new Invoice({ ...sample, buyer: { ...sample.buyer, name: `<img src="http://example.org/x">` } })
    const markup = invoiceHtml(invoice)
    expect(markup).toContain("&lt;img")
    expect(markup).not.toContain("<img")
    const png = await render(invoice, "png")
    expect(Buffer.from(png.bytes.subarray(0, 8)).toString("hex")).toBe("89504e470d0a1a0a")
  })

  it.effect("renders concurrently on the shared pool", () =>
    Effect.promise(async () => {
      const all = await Promise.all(locales.map((l) => render(sampleInvoice(l))))
      expect(all.map((r) => r.pages)).toEqual([1, 1, 1, 1])
    }),
  )
})
