/**
 * The trip to Stripe's hosted checkout and back. Stripe returns the buyer to the host page with the
 * order id in the address (`sratix_order`) and how it went (`sratix_payment`: `return` or
 * `cancelled`). The order's access token never travels in an address: it waits in this tab's
 * sessionStorage, which is per tab and per origin, and is gone when the tab closes.
 */

export type PaymentProvider = "stripe" | "invoice"
export type ReturnOutcome = "return" | "cancelled"

const ORDER_PARAM = "sratix_order"
const OUTCOME_PARAM = "sratix_payment"
const storageKey = (eventId: string) => `sratix-checkout:${eventId}`

interface Saved {
  readonly orderId: string
  readonly accessToken: string
}

/** Storage can be refused (privacy settings, sandboxed frames): then there is simply nothing to resume. */
const storage = (): Storage | null => {
  try {
    return window.sessionStorage
  } catch {
    return null
  }
}

/** This page's address with the return parameters set, as Stripe's success or cancel URL. */
export const returnUrl = (orderId: string, outcome: ReturnOutcome): string => {
  const url = new URL(window.location.href)
  url.hash = ""
  url.searchParams.set(ORDER_PARAM, orderId)
  url.searchParams.set(OUTCOME_PARAM, outcome)
  return url.toString()
}

export const saveResume = (eventId: string, saved: Saved): void => {
  try {
    storage()?.setItem(storageKey(eventId), JSON.stringify(saved))
  } catch {
    // Full or refused: the return page on the server still shows the order's state.
  }
}

export const clearResume = (eventId: string): void => {
  try {
    storage()?.removeItem(storageKey(eventId))
  } catch {
    // Nothing to clear.
  }
}

/** The order to resume when this page is Stripe's return for an order this tab started, else null. */
export const readReturn = (eventId: string): (Saved & { readonly outcome: ReturnOutcome }) | null => {
  const params = new URLSearchParams(window.location.search)
  const orderId = params.get(ORDER_PARAM)
  if (orderId === null) return null
  let saved: Partial<Saved> | null = null
  try {
    saved = JSON.parse(storage()?.getItem(storageKey(eventId)) ?? "null") as Partial<Saved> | null
  } catch {
    return null
  }
  if (saved?.orderId !== orderId || typeof saved.accessToken !== "string") return null
  return {
    orderId,
    accessToken: saved.accessToken,
    outcome: params.get(OUTCOME_PARAM) === "cancelled" ? "cancelled" : "return",
  }
}

/** Once the order is settled, a reload of the page should show the shop again, not the old order. */
export const leaveReturnParams = (): void => {
  const url = new URL(window.location.href)
  if (!url.searchParams.has(ORDER_PARAM)) return
  url.searchParams.delete(ORDER_PARAM)
  url.searchParams.delete(OUTCOME_PARAM)
  window.history.replaceState(window.history.state, "", url.toString())
}
