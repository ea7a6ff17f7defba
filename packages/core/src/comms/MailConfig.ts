import * as path from "node:path"
import { Context, Layer } from "effect"

export interface MailConfigShape {
  /**
   * `smtp://user:pass@host:587` (STARTTLS when the server offers it; add `?requireTLS=true` to insist)
   * or `smtps://…:465` (TLS from the first byte). Null: every message goes to the file outbox.
   */
  readonly smtpUrl: string | null
  /** The From header of every message, e.g. `Swiss Robotics Day <tickets@example.org>`. */
  readonly from: string
  /** Where the file outbox writes `<id>.eml` (and SMS as `sms/<id>.txt`). */
  readonly outboxDir: string
  /** How long a send may be under way before a retry may take it over (ms); see docs/email.md. */
  readonly sendLeaseMs: number
}

export const DEFAULT_MAIL_FROM = "SRAtix <no-reply@localhost>"

export class MailConfig extends Context.Tag("sratix/comms/MailConfig")<MailConfig, MailConfigShape>() {
  static readonly layer = (config: Pick<MailConfigShape, "outboxDir"> & Partial<MailConfigShape>) =>
    Layer.succeed(MailConfig, { smtpUrl: null, from: DEFAULT_MAIL_FROM, sendLeaseMs: 300_000, ...config })
}

/** `Name <local@domain>` or a bare address; the address part is what matters for checking. */
const FROM = /^(?:[^<>\r\n]*<([^<>\s@]+@[^<>\s@]+\.?[^<>\s@]*)>|([^<>\s@]+@[^<>\s@]+))$/

/** The address inside a From value, or null when it is not one. */
export const fromAddress = (from: string): string | null => {
  const match = FROM.exec(from.trim())
  return match === null ? null : (match[1] ?? match[2] ?? null)
}

/**
 * Reads SMTP_URL and SRATIX_MAIL_FROM. A URL that is not smtp(s):// or a From without an address is
 * an error at start, never a failure on the first order.
 */
export const mailFromEnv = (env: NodeJS.ProcessEnv, dataDir: string): Omit<MailConfigShape, "sendLeaseMs"> => {
  const raw = env.SMTP_URL || ""
  let smtpUrl: string | null = null
  if (raw !== "") {
    let url: URL
    try {
      url = new URL(raw)
    } catch {
      throw new Error("SMTP_URL is not a URL (expected smtp://user:pass@host:587)")
    }
    if (url.protocol !== "smtp:" && url.protocol !== "smtps:") {
      throw new Error(`SMTP_URL must start with smtp:// or smtps:// (got ${url.protocol})`)
    }
    if (url.hostname === "") throw new Error("SMTP_URL has no host (expected smtp://user:pass@host:587)")
    smtpUrl = raw
  }
  const from = (env.SRATIX_MAIL_FROM || DEFAULT_MAIL_FROM).trim()
  if (fromAddress(from) === null) {
    throw new Error(`SRATIX_MAIL_FROM must be an address or "Name <address>" (got "${from}")`)
  }
  return { smtpUrl, from, outboxDir: path.join(dataDir, "outbox") }
}
