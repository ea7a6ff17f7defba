import type { ScanVerdict } from "@sratix/core/offline"
import { html, LitElement, nothing } from "lit"
import { property } from "lit/decorators.js"
import { clockTime, type Locale, t } from "../../i18n/messages.js"
import { baseStyles } from "../shared.styles.js"
import { resultStyles } from "./result.styles.js"

export type Tone = "valid" | "invalid" | "attention"

export interface VerdictText {
  readonly tone: Tone
  readonly headline: string
  readonly detail: string | null
  readonly name: string | null
  readonly flags: ReadonlyArray<string>
}

/** What a verdict says on screen: green to admit, yellow to admit with care, red with the reason. */
export const describeVerdict = (
  verdict: ScanVerdict,
  locale: Locale,
  context: { readonly listName: string; readonly deviceName: (id: string) => string | null },
): VerdictText => {
  const name = "attendee" in verdict ? (verdict.attendee?.n ?? null) : null
  const refuse = (headline: string, detail: string | null = null): VerdictText => ({
    tone: "invalid",
    headline,
    detail,
    name,
    flags: [],
  })
  switch (verdict.kind) {
    case "valid": {
      const flags = verdict.attention.map((a) => (a.note ? `${a.flag}: ${a.note}` : a.flag))
      const detail =
        verdict.previous !== null
          ? t(locale, "reentry", { time: clockTime(locale, verdict.previous.deviceTime) })
          : verdict.attendee === null
            ? t(locale, "validUnknown")
            : null
      return flags.length > 0
        ? { tone: "attention", headline: t(locale, "attention"), detail, name, flags }
        : { tone: "valid", headline: t(locale, "valid"), detail, name, flags }
    }
    case "already_checked_in":
      return refuse(
        t(locale, "alreadyIn", {
          time: clockTime(locale, verdict.at),
          device: verdict.deviceName ?? context.deviceName(verdict.deviceId) ?? t(locale, "anotherDevice"),
        }),
      )
    case "invalid_signature":
      return refuse(t(locale, "invalidSignature"), t(locale, `sig_${verdict.reason}`))
    case "other_event":
      return refuse(t(locale, "otherEvent"))
    case "revoked":
      return refuse(t(locale, "revokedTicket"))
    case "wrong_list":
      return refuse(t(locale, "wrongList", { list: context.listName }))
    case "outside_window": {
      const bounds = [
        verdict.validFrom === null ? null : t(locale, "windowFrom", { time: clockTime(locale, verdict.validFrom) }),
        verdict.validUntil === null ? null : t(locale, "windowUntil", { time: clockTime(locale, verdict.validUntil) }),
      ].filter((b) => b !== null)
      return refuse(t(locale, "outsideWindow"), bounds.join(" ") || null)
    }
  }
}

/**
 * The verdict screen, read at a glance: the whole panel is green, yellow or red, with a symbol
 * besides the colour (for colour-blind staff) and the reason in words.
 *
 * @event sratix-next - The person at the door pressed "Next ticket".
 * @csspart verdict - The coloured panel.
 */
export class SratixScannerResult extends LitElement {
  static override styles = [baseStyles, resultStyles]

  @property({ attribute: false }) text: VerdictText | null = null
  @property() locale: Locale = "en"

  override render() {
    const text = this.text
    if (text === null) return nothing
    const symbol = text.tone === "valid" ? "✓" : text.tone === "attention" ? "!" : "✕"
    return html`<section class="verdict" part="verdict" data-tone=${text.tone} aria-labelledby="headline">
      <div class="symbol" aria-hidden="true">${symbol}</div>
      <h2 class="headline" id="headline">${text.headline}</h2>
      ${text.name ? html`<p class="name">${text.name}</p>` : nothing}
      ${text.detail ? html`<p class="detail">${text.detail}</p>` : nothing}
      ${text.flags.length > 0 ? html`<ul>${text.flags.map((f) => html`<li>${f}</li>`)}</ul>` : nothing}
      <button class="secondary" @click=${this.next}>${t(this.locale, "next")}</button>
    </section>`
  }

  private next() {
    this.dispatchEvent(new CustomEvent("sratix-next", { bubbles: true, composed: true }))
  }
}
