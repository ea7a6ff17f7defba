import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Caller, type Locale, Orders, withCaller } from "@sratix/core"
import { Effect } from "effect"
import { preferredLocale } from "../http/Common.js"

/**
 * Where Stripe sends a buyer after its hosted page when the shop gave no return URL of its own
 * (Payments' defaults: `/payment/return?order=…` and `/payment/cancelled?order=…`). The page says
 * only what state the order is in: the order id is in the address, so nothing personal is shown.
 */

type State = "paid" | "processing" | "cancelled" | "unknown"

const text: Record<Locale, Record<State, { title: string; body: string }> & { lang: string; retry: string }> = {
  en: {
    lang: "en",
    paid: {
      title: "Payment received",
      body: "Thank you. Your order is paid; the confirmation is on its way by email.",
    },
    processing: {
      title: "Payment being confirmed",
      body: "We are waiting for the payment provider to confirm your payment. This page updates by itself.",
    },
    cancelled: {
      title: "Payment cancelled",
      body: "No money was taken. Go back to the shop to try again while your seats are still held.",
    },
    unknown: { title: "Order not found", body: "We could not find this order. Please check the link you followed." },
    retry: "Check again",
  },
  de: {
    lang: "de",
    paid: {
      title: "Zahlung erhalten",
      body: "Vielen Dank. Ihre Bestellung ist bezahlt; die Bestätigung ist per E-Mail unterwegs.",
    },
    processing: {
      title: "Zahlung wird bestätigt",
      body: "Wir warten auf die Bestätigung des Zahlungsanbieters. Diese Seite aktualisiert sich von selbst.",
    },
    cancelled: {
      title: "Zahlung abgebrochen",
      body: "Es wurde nichts belastet. Kehren Sie zum Shop zurück, um es erneut zu versuchen, solange Ihre Plätze reserviert sind.",
    },
    unknown: {
      title: "Bestellung nicht gefunden",
      body: "Wir konnten diese Bestellung nicht finden. Bitte prüfen Sie den Link.",
    },
    retry: "Erneut prüfen",
  },
  fr: {
    lang: "fr",
    paid: {
      title: "Paiement reçu",
      body: "Merci. Votre commande est payée ; la confirmation vous parvient par e-mail.",
    },
    processing: {
      title: "Paiement en cours de confirmation",
      body: "Nous attendons la confirmation du prestataire de paiement. Cette page se met à jour toute seule.",
    },
    cancelled: {
      title: "Paiement annulé",
      body: "Aucun montant n’a été débité. Retournez à la boutique pour réessayer tant que vos places sont réservées.",
    },
    unknown: {
      title: "Commande introuvable",
      body: "Nous n’avons pas trouvé cette commande. Veuillez vérifier le lien suivi.",
    },
    retry: "Vérifier à nouveau",
  },
  it: {
    lang: "it",
    paid: { title: "Pagamento ricevuto", body: "Grazie. Il tuo ordine è pagato; la conferma arriva per e-mail." },
    processing: {
      title: "Pagamento in conferma",
      body: "Stiamo aspettando la conferma del fornitore di pagamento. Questa pagina si aggiorna da sola.",
    },
    cancelled: {
      title: "Pagamento annullato",
      body: "Non è stato addebitato nulla. Torna al negozio per riprovare finché i posti sono riservati.",
    },
    unknown: {
      title: "Ordine non trovato",
      body: "Non abbiamo trovato questo ordine. Controlla il link che hai seguito.",
    },
    retry: "Controlla di nuovo",
  },
}

const page = (locale: Locale, state: State) => {
  const t = text[locale]
  const { title, body } = t[state]
  // Polling by refresh keeps the page script-free (the CSP allows no scripts on server pages).
  const refresh = state === "processing" ? `<meta http-equiv="refresh" content="5">` : ""
  return `<!doctype html>
<html lang="${t.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">${refresh}<title>${title}</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { max-width: 36rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; }
  main { border: 1px solid #8884; border-radius: .5rem; padding: 1rem 1.5rem; }
  a { color: LinkText; }
</style></head>
<body><main data-state="${state}"><h1>${title}</h1><p role="status">${body}</p>${
    state === "processing" ? `<p><a href="">${t.retry}</a></p>` : ""
  }</main></body></html>`
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export const PaymentReturnPagesLive = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function* () {
    const orders = yield* Orders

    const stateOf = (orderId: string | undefined, cancelledAtProvider: boolean) =>
      orderId === undefined || !UUID.test(orderId)
        ? Effect.succeed<State>("unknown")
        : orders.find(orderId).pipe(
            withCaller(Caller.system("payment-return-page")),
            Effect.map((order): State => {
              if (order.status === "paid") return "paid"
              if (order.status === "cancelled" || order.status === "expired" || cancelledAtProvider) return "cancelled"
              return "processing"
            }),
            Effect.catchTag("NotFound", () => Effect.succeed<State>("unknown")),
          )

    const serve = (cancelledAtProvider: boolean) =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const url = new URL(request.url, "http://local")
        const state = yield* stateOf(url.searchParams.get("order") ?? undefined, cancelledAtProvider)
        return HttpServerResponse.text(page(preferredLocale(request.headers["accept-language"]), state), {
          contentType: "text/html; charset=utf-8",
          status: state === "unknown" ? 404 : 200,
          headers: { "cache-control": "no-store" },
        })
      })

    yield* router.get("/payment/return", serve(false))
    yield* router.get("/payment/cancelled", serve(true))
  }),
)
