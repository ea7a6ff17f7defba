import type { Answers, FieldError, FormLocale } from "@sratix/core/forms"
import type { Order, Problem } from "@sratix/sdk"

/**
 * Every event a widget dispatches: `sratix-` prefixed, bubbling and composed (it leaves the shadow
 * root, so a host page can listen on the element or on `document`). Details are plain data.
 */
export interface SratixEventDetails {
  /** The order was created; `accessToken` reads it later through `GET /public/orders/{id}`. */
  "sratix-order-created": { readonly order: Order; readonly accessToken: string }
  /** The order is paid (at once for free orders). */
  "sratix-paid": { readonly order: Order }
  /**
   * The buyer chose how to pay and the server accepted: for `stripe` the page is about to leave for
   * Stripe's hosted checkout; for `invoice` the bank transfer details are on screen.
   */
  "sratix-payment-started": { readonly order: Order; readonly provider: "stripe" | "invoice" }
  /** A payment the buyer started in this checkout (maybe before a trip to Stripe) has paid the order. */
  "sratix-payment-completed": { readonly order: Order }
  /** A request failed or the server refused the order; `problem` is the RFC 9457 body. */
  "sratix-error": { readonly problem: Problem }
  /** The ticket list is on screen and usable. */
  "sratix-ready": { readonly eventId: string }
  /** The checkout moved to another view. */
  "sratix-step-change": { readonly step: CheckoutStep }
  /** The visitor switched language. */
  "sratix-locale-change": { readonly locale: FormLocale }
  /** A form's answers changed through user input. */
  "sratix-form-change": {
    readonly answers: Answers
    readonly valid: boolean
    readonly errors: ReadonlyArray<FieldError>
  }
}

export type CheckoutStep = "loading" | "tickets" | "attendees" | "details" | "payment" | "confirmation" | "unavailable"

export type SratixEventName = keyof SratixEventDetails

export const emit = <K extends SratixEventName>(target: EventTarget, name: K, detail: SratixEventDetails[K]): void => {
  target.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }))
}

declare global {
  interface GlobalEventHandlersEventMap {
    "sratix-order-created": CustomEvent<SratixEventDetails["sratix-order-created"]>
    "sratix-paid": CustomEvent<SratixEventDetails["sratix-paid"]>
    "sratix-payment-started": CustomEvent<SratixEventDetails["sratix-payment-started"]>
    "sratix-payment-completed": CustomEvent<SratixEventDetails["sratix-payment-completed"]>
    "sratix-error": CustomEvent<SratixEventDetails["sratix-error"]>
    "sratix-ready": CustomEvent<SratixEventDetails["sratix-ready"]>
    "sratix-step-change": CustomEvent<SratixEventDetails["sratix-step-change"]>
    "sratix-locale-change": CustomEvent<SratixEventDetails["sratix-locale-change"]>
    "sratix-form-change": CustomEvent<SratixEventDetails["sratix-form-change"]>
  }
}
