import { html, LitElement, nothing } from "lit"
import { property, query } from "lit/decorators.js"
import { type Locale, t } from "../../i18n/messages.js"
import { baseStyles } from "../shared.styles.js"
import { enrolStyles } from "./enrol.styles.js"

/**
 * Enrolment: the one-time code from the dashboard, typed here (the app also takes it from the
 * `#enrol=<code>` link of the dashboard's QR code without this screen's help).
 *
 * @event sratix-enrol - `detail.code`: the code the person submitted.
 */
export class SratixScannerEnrol extends LitElement {
  static override styles = [baseStyles, enrolStyles]

  @property() locale: Locale = "en"
  @property({ type: Boolean }) busy = false
  /** A message to show under the form (a failed setup, a revoked device). */
  @property() message: string | null = null

  @query("input") private input!: HTMLInputElement

  override render() {
    const locale = this.locale
    return html`<form @submit=${this.submit} aria-labelledby="enrol-heading" aria-busy=${this.busy ? "true" : "false"}>
      <h2 id="enrol-heading">${t(locale, "enrolHeading")}</h2>
      <p>${t(locale, "enrolHint")}</p>
      <div>
        <label for="code">${t(locale, "enrolCode")}</label>
        <input id="code" name="code" required autocomplete="off" autocapitalize="off" spellcheck="false"
          aria-describedby=${this.message ? "enrol-message" : nothing} />
      </div>
      ${this.message ? html`<p class="error" id="enrol-message" role="alert">${this.message}</p>` : nothing}
      <button type="submit" ?disabled=${this.busy}>${t(locale, this.busy ? "enrolling" : "enrol")}</button>
    </form>`
  }

  private submit(event: SubmitEvent) {
    event.preventDefault()
    const code = this.input.value.trim()
    if (code === "") return
    this.dispatchEvent(new CustomEvent("sratix-enrol", { detail: { code }, bubbles: true, composed: true }))
  }
}
