import { Effect } from "effect"
import { BrowserPool, pdfPageCount, RenderFailed } from "../render/Browser.js"
import type { Invoice } from "./Invoice.js"
import { invoiceHtml } from "./Template.js"

export type InvoiceFormat = "pdf" | "png" | "html"

export interface RenderedInvoice {
  readonly bytes: Uint8Array
  /** Pages of the PDF; null for PNG (the first page) and HTML. */
  readonly pages: number | null
}

/** A4 at 96 dpi, in CSS pixels: the PNG preview is the first page at twice that. */
const A4_PX = { width: 794, height: 1123 } as const

/** The document's HTML; a QR-bill the library refuses (a field past the standard's limits) is a render failure. */
export const layoutInvoice = (invoice: Invoice): Effect.Effect<string, RenderFailed> =>
  Effect.try({
    try: () => invoiceHtml(invoice),
    catch: (e) =>
      new RenderFailed({
        detail: `Invoice ${invoice.number} cannot be laid out: ${e instanceof Error ? e.message : e}`,
      }),
  })

/** An invoice (stored or sample) as a PDF, a PNG of its first page, or the HTML both are made from. */
export const renderInvoice = (
  invoice: Invoice,
  format: InvoiceFormat,
): Effect.Effect<RenderedInvoice, RenderFailed, BrowserPool> =>
  Effect.gen(function* () {
    const markup = yield* layoutInvoice(invoice)
    if (format === "html") return { bytes: new TextEncoder().encode(markup), pages: null }
    const pool = yield* BrowserPool
    if (format === "png") return { bytes: yield* pool.screenshot(markup, { ...A4_PX, scale: 2 }), pages: null }
    const bytes = yield* pool.renderPdf(markup, { format: "A4" })
    return { bytes, pages: pdfPageCount(bytes) }
  }).pipe(Effect.withSpan("Invoices.render", { attributes: { format } }))
