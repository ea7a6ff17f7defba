import type { Locale } from "../domain/Common.js"
import type { InvoiceKind } from "./Invoice.js"

export interface InvoiceLabels {
  readonly title: Record<InvoiceKind, string>
  readonly number: string
  readonly issued: string
  readonly due: string
  readonly billTo: string
  readonly vatNumber: string
  readonly order: string
  readonly credits: string
  readonly description: string
  readonly quantity: string
  readonly unitPrice: string
  readonly discount: string
  readonly vatRate: string
  readonly amount: string
  readonly subtotal: string
  readonly total: string
  readonly vatIncluded: string
  readonly vatSummary: string
  readonly gross: string
  readonly net: string
  readonly vat: string
  readonly paymentReference: string
  readonly account: string
  readonly payableWithin: (days: number) => string
  readonly paid: string
  readonly cancelled: string
  readonly proformaNote: string
}

/** Every word the invoice templates print, in the four languages the platform speaks. */
export const invoiceLabels: Record<Locale, InvoiceLabels> = {
  en: {
    title: { proforma: "Proforma invoice", final: "Invoice", credit_note: "Credit note" },
    number: "Number",
    issued: "Date",
    due: "Due date",
    billTo: "Bill to",
    vatNumber: "VAT no.",
    order: "Order",
    credits: "Credits invoice",
    description: "Description",
    quantity: "Qty",
    unitPrice: "Unit price",
    discount: "Discount",
    vatRate: "VAT",
    amount: "Amount",
    subtotal: "Subtotal",
    total: "Total",
    vatIncluded: "All prices include VAT.",
    vatSummary: "VAT summary",
    gross: "Gross",
    net: "Net",
    vat: "VAT",
    paymentReference: "Payment reference",
    account: "Account",
    payableWithin: (days) => (days === 0 ? "Payable immediately." : `Payable within ${days} days.`),
    paid: "Paid",
    cancelled: "Cancelled",
    proformaNote: "This proforma invoice is a request for payment, not a tax invoice.",
  },
  de: {
    title: { proforma: "Proforma-Rechnung", final: "Rechnung", credit_note: "Gutschrift" },
    number: "Nummer",
    issued: "Datum",
    due: "Fällig am",
    billTo: "Rechnung an",
    vatNumber: "MWST-Nr.",
    order: "Bestellung",
    credits: "Gutschrift zu Rechnung",
    description: "Beschreibung",
    quantity: "Menge",
    unitPrice: "Einzelpreis",
    discount: "Rabatt",
    vatRate: "MWST",
    amount: "Betrag",
    subtotal: "Zwischensumme",
    total: "Total",
    vatIncluded: "Alle Preise inklusive MWST.",
    vatSummary: "MWST-Übersicht",
    gross: "Brutto",
    net: "Netto",
    vat: "MWST",
    paymentReference: "Zahlungsreferenz",
    account: "Konto",
    payableWithin: (days) => (days === 0 ? "Zahlbar sofort." : `Zahlbar innert ${days} Tagen.`),
    paid: "Bezahlt",
    cancelled: "Storniert",
    proformaNote: "Diese Proforma-Rechnung ist eine Zahlungsaufforderung, keine Steuerrechnung.",
  },
  fr: {
    title: { proforma: "Facture pro forma", final: "Facture", credit_note: "Note de crédit" },
    number: "Numéro",
    issued: "Date",
    due: "Échéance",
    billTo: "Facturé à",
    vatNumber: "N° TVA",
    order: "Commande",
    credits: "Crédite la facture",
    description: "Description",
    quantity: "Qté",
    unitPrice: "Prix unitaire",
    discount: "Rabais",
    vatRate: "TVA",
    amount: "Montant",
    subtotal: "Sous-total",
    total: "Total",
    vatIncluded: "Tous les prix s’entendent TVA incluse.",
    vatSummary: "Récapitulatif TVA",
    gross: "Brut",
    net: "Net",
    vat: "TVA",
    paymentReference: "Référence de paiement",
    account: "Compte",
    payableWithin: (days) => (days === 0 ? "Payable immédiatement." : `Payable dans les ${days} jours.`),
    paid: "Payée",
    cancelled: "Annulée",
    proformaNote: "Cette facture pro forma est une demande de paiement, non une facture fiscale.",
  },
  it: {
    title: { proforma: "Fattura proforma", final: "Fattura", credit_note: "Nota di credito" },
    number: "Numero",
    issued: "Data",
    due: "Scadenza",
    billTo: "Fatturato a",
    vatNumber: "N. IVA",
    order: "Ordine",
    credits: "Accredita la fattura",
    description: "Descrizione",
    quantity: "Qtà",
    unitPrice: "Prezzo unitario",
    discount: "Sconto",
    vatRate: "IVA",
    amount: "Importo",
    subtotal: "Subtotale",
    total: "Totale",
    vatIncluded: "Tutti i prezzi sono IVA inclusa.",
    vatSummary: "Riepilogo IVA",
    gross: "Lordo",
    net: "Netto",
    vat: "IVA",
    paymentReference: "Riferimento di pagamento",
    account: "Conto",
    payableWithin: (days) => (days === 0 ? "Pagabile subito." : `Pagabile entro ${days} giorni.`),
    paid: "Pagata",
    cancelled: "Annullata",
    proformaNote: "Questa fattura proforma è una richiesta di pagamento, non una fattura fiscale.",
  },
}

/** Amounts, rates and dates as a reader in Switzerland expects them in that language. */
export const formatters = (locale: Locale, currency: string, timeZone: string) => {
  const tag = `${locale}-CH`
  const money = new Intl.NumberFormat(tag, { style: "currency", currency, minimumFractionDigits: 2 })
  const rate = new Intl.NumberFormat(tag, { maximumFractionDigits: 2 })
  const date = new Intl.DateTimeFormat(tag, { dateStyle: "long", timeZone })
  return {
    money: (minor: number) => money.format(minor / 100),
    rate: (bp: number) => `${rate.format(bp / 100)} %`,
    date: (ms: number) => date.format(new Date(ms)),
  }
}
