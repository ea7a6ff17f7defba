import { Data, Effect } from "effect"
import Stripe from "stripe"
import { type StripeMode, WebhookRejected } from "../domain/Payment.js"
import { PaymentsConfig } from "./PaymentsConfig.js"

/** A call to Stripe that did not succeed: network, an error object, or a mode without keys. */
export class StripeFailure extends Data.TaggedError("StripeFailure")<{
  readonly message: string
  readonly code: string | null
  readonly statusCode: number | null
}> {}

export interface CheckoutLine {
  readonly name: string
  readonly unitAmountMinor: number
  readonly quantity: number
}

export interface CheckoutRequest {
  readonly paymentId: string
  readonly orderId: string
  readonly currency: string
  readonly customerEmail: string
  readonly locale: string
  readonly lines: ReadonlyArray<CheckoutLine>
  readonly successUrl: string
  readonly cancelUrl: string
  /** Unix milliseconds; Stripe accepts 30 minutes to 24 hours ahead. */
  readonly expiresAt: number
}

export interface VerifiedWebhook {
  readonly mode: StripeMode
  readonly event: Stripe.Event
}

const failure = (error: unknown) => {
  const e = error as { message?: string; code?: string; statusCode?: number }
  return new StripeFailure({
    message: e.message ?? String(error),
    code: e.code ?? null,
    statusCode: e.statusCode ?? null,
  })
}

/**
 * The Stripe SDK behind Effects, one client per mode. Every create call carries an idempotency key
 * derived from our own ids, so a retry after a timeout never makes a second session or refund.
 */
export class StripeGateway extends Effect.Service<StripeGateway>()("sratix/payments/StripeGateway", {
  effect: Effect.gen(function* () {
    const config = yield* PaymentsConfig
    const clients = new Map<StripeMode, Stripe>()

    const client = (mode: StripeMode) =>
      Effect.suspend(() => {
        const keys = config.stripe[mode]
        if (keys === null) {
          return Effect.fail(
            new StripeFailure({ message: `Stripe ${mode} keys are not configured`, code: null, statusCode: null }),
          )
        }
        let stripe = clients.get(mode)
        if (stripe === undefined) {
          stripe = new Stripe(keys.secretKey, {
            maxNetworkRetries: 2,
            telemetry: false,
            timeout: 20_000,
            ...(config.stripeApi ?? {}),
          })
          clients.set(mode, stripe)
        }
        return Effect.succeed(stripe)
      })

    const call = <A>(mode: StripeMode, run: (stripe: Stripe) => Promise<A>) =>
      Effect.flatMap(client(mode), (stripe) => Effect.tryPromise({ try: () => run(stripe), catch: failure }))

    const configured = (mode: StripeMode) => config.stripe[mode] !== null

    const createCheckoutSession = (mode: StripeMode, request: CheckoutRequest) =>
      call(mode, (stripe) =>
        stripe.checkout.sessions.create(
          {
            mode: "payment",
            client_reference_id: request.orderId,
            customer_email: request.customerEmail,
            locale: request.locale as Stripe.Checkout.SessionCreateParams.Locale,
            success_url: request.successUrl,
            cancel_url: request.cancelUrl,
            expires_at: Math.floor(request.expiresAt / 1000),
            line_items: request.lines.map((line) => ({
              quantity: line.quantity,
              price_data: {
                currency: request.currency.toLowerCase(),
                unit_amount: line.unitAmountMinor,
                product_data: { name: line.name },
              },
            })),
            metadata: { orderId: request.orderId, paymentId: request.paymentId },
            payment_intent_data: { metadata: { orderId: request.orderId, paymentId: request.paymentId } },
          },
          { idempotencyKey: `checkout:${request.paymentId}` },
        ),
      ).pipe(Effect.withSpan("StripeGateway.createCheckoutSession"))

    const retrieveSession = (mode: StripeMode, id: string) =>
      call(mode, (stripe) => stripe.checkout.sessions.retrieve(id)).pipe(
        Effect.withSpan("StripeGateway.retrieveSession"),
      )

    const expireSession = (mode: StripeMode, id: string) =>
      call(mode, (stripe) => stripe.checkout.sessions.expire(id)).pipe(Effect.withSpan("StripeGateway.expireSession"))

    const retrievePaymentIntent = (mode: StripeMode, id: string) =>
      call(mode, (stripe) => stripe.paymentIntents.retrieve(id)).pipe(
        Effect.withSpan("StripeGateway.retrievePaymentIntent"),
      )

    const createRefund = (
      mode: StripeMode,
      input: { paymentIntent: string; amountMinor: number; refundId: string; reason: string | null },
    ) =>
      call(mode, (stripe) =>
        stripe.refunds.create(
          {
            payment_intent: input.paymentIntent,
            amount: input.amountMinor,
            metadata: { refundId: input.refundId, ...(input.reason ? { reason: input.reason.slice(0, 500) } : {}) },
          },
          { idempotencyKey: `refund:${input.refundId}` },
        ),
      ).pipe(Effect.withSpan("StripeGateway.createRefund"))

    /** Every refund of a payment intent, however it was made (our API, the Stripe dashboard). */
    const listRefunds = (mode: StripeMode, paymentIntent: string) =>
      call(mode, async (stripe) => {
        const refunds: Array<Stripe.Refund> = []
        for await (const refund of stripe.refunds.list({ payment_intent: paymentIntent, limit: 100 })) {
          refunds.push(refund)
        }
        return refunds
      }).pipe(Effect.withSpan("StripeGateway.listRefunds"))

    /**
     * Checks the signature against the webhook secret of each configured mode; the mode whose
     * secret matches is the mode of the event. Fails when none matches or the timestamp is too old.
     */
    const verifyWebhook = (payload: Uint8Array, signature: string) =>
      Effect.suspend((): Effect.Effect<VerifiedWebhook, WebhookRejected> => {
        const modes = (["live", "test"] as const).filter(configured)
        if (modes.length === 0) {
          return Effect.fail(
            new WebhookRejected({ reason: "not_configured", detail: "No Stripe webhook secret is configured" }),
          )
        }
        let last = "No signature matched"
        for (const mode of modes) {
          try {
            const event = Stripe.webhooks.constructEvent(
              Buffer.from(payload),
              signature,
              config.stripe[mode]!.webhookSecret,
              config.webhookTolerance,
            )
            return Effect.succeed({ mode, event })
          } catch (error) {
            last = (error as Error).message
          }
        }
        return Effect.fail(new WebhookRejected({ reason: "bad_signature", detail: last }))
      })

    return {
      configured,
      createCheckoutSession,
      retrieveSession,
      expireSession,
      retrievePaymentIntent,
      createRefund,
      listRefunds,
      verifyWebhook,
    } as const
  }),
}) {}
