import { Context, Layer } from "effect"
import type { StripeMode } from "../domain/Payment.js"

export interface StripeKeys {
  readonly secretKey: string
  /** The signing secret of the webhook endpoint registered for these keys (`whsec_…`). */
  readonly webhookSecret: string
}

export interface PaymentsConfigShape {
  /** Keys per mode; an event chooses its mode, so test events and live events run side by side. */
  readonly stripe: Readonly<Record<StripeMode, StripeKeys | null>>
  /** Where the Stripe SDK sends its requests; null is api.stripe.com. Tests point it at a local stand-in. */
  readonly stripeApi: { readonly host: string; readonly port: number; readonly protocol: "http" | "https" } | null
  /** Public base URL of this server, for the default return pages after Stripe Checkout. */
  readonly publicUrl: string
  /** Seconds a webhook signature stays acceptable (Stripe's default tolerance is 300). */
  readonly webhookTolerance: number
  /** Per-order locks across server instances; null falls back to row locks in the database. */
  readonly redisUrl: string | null
}

export class PaymentsConfig extends Context.Tag("sratix/payments/PaymentsConfig")<
  PaymentsConfig,
  PaymentsConfigShape
>() {
  static readonly layer = (config: Partial<PaymentsConfigShape> = {}) =>
    Layer.succeed(PaymentsConfig, {
      stripe: { test: null, live: null },
      stripeApi: null,
      publicUrl: "http://localhost:3000",
      webhookTolerance: 300,
      redisUrl: null,
      ...config,
    })
}

/** Reads STRIPE_* variables; a half-configured mode (key without webhook secret) is an error, not a silent gap. */
export const stripeFromEnv = (env: NodeJS.ProcessEnv): Pick<PaymentsConfigShape, "stripe" | "stripeApi"> => {
  const keys = (mode: "TEST" | "LIVE"): StripeKeys | null => {
    const secretKey = env[`STRIPE_SECRET_KEY_${mode}`] || ""
    const webhookSecret = env[`STRIPE_WEBHOOK_SECRET_${mode}`] || ""
    if (secretKey === "" && webhookSecret === "") return null
    if (secretKey === "" || webhookSecret === "") {
      throw new Error(`Set both STRIPE_SECRET_KEY_${mode} and STRIPE_WEBHOOK_SECRET_${mode}, or neither`)
    }
    const prefix = mode === "TEST" ? "sk_test_" : "sk_live_"
    if (!secretKey.startsWith(prefix) && !secretKey.startsWith(prefix.replace("sk_", "rk_"))) {
      throw new Error(`STRIPE_SECRET_KEY_${mode} must start with ${prefix}`)
    }
    return { secretKey, webhookSecret }
  }
  const api = env.STRIPE_API_URL
  let stripeApi: PaymentsConfigShape["stripeApi"] = null
  if (api) {
    const url = new URL(api)
    const protocol = url.protocol === "http:" ? "http" : "https"
    stripeApi = { host: url.hostname, port: Number(url.port || (protocol === "http" ? 80 : 443)), protocol }
  }
  return { stripe: { test: keys("TEST"), live: keys("LIVE") }, stripeApi }
}
