import type { PackAttendee } from "@sratix/core/offline"
import type { Html5Qrcode } from "html5-qrcode"
import { html, LitElement, nothing } from "lit"
import { property, state } from "lit/decorators.js"
import { type Locale, t } from "../../i18n/messages.js"
import { baseStyles } from "../shared.styles.js"
import { scanStyles } from "./scan.styles.js"

/** The light-DOM element html5-qrcode draws into (it looks elements up by id, which shadow roots hide). */
export const READER_ELEMENT_ID = "sratix-reader"

/** The decoding area: 80 % of the shorter side of the camera view, at least the library's 50 px minimum. */
const boxFor = (width: number, height: number) => {
  const side = Math.max(50, Math.floor(Math.min(width, height) * 0.8))
  return { width: side, height: side }
}

/** The image redrawn at `scale` (smoothing off, so QR modules keep sharp edges). */
const rescaled = async (file: File, scale: number): Promise<File> => {
  const bitmap = await createImageBitmap(file)
  const canvas = new OffscreenCanvas(Math.round(bitmap.width * scale), Math.round(bitmap.height * scale))
  const context = canvas.getContext("2d")!
  context.imageSmoothingEnabled = false
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
  bitmap.close()
  return new File([await canvas.convertToBlob({ type: "image/png" })], file.name, { type: "image/png" })
}

/**
 * The scanning screen: camera, an image file (the same decoder; also how tests scan), a typed code,
 * and manual search by name or e-mail for a guest without their code.
 *
 * @event sratix-code - `detail.code`: a code read by the camera, from an image, or typed.
 * @event sratix-admit - `detail.attendee`: an attendee picked from the search results.
 * @slot reader - The camera view (the light-DOM element with id `sratix-reader`).
 */
export class SratixScannerScan extends LitElement {
  static override styles = [baseStyles, scanStyles]

  @property() locale: Locale = "en"
  /** While a verdict is on screen, the camera's reads are ignored (one person at a time). */
  @property({ type: Boolean }) paused = false
  @property({ attribute: false }) search: (query: string) => Promise<ReadonlyArray<PackAttendee>> = async () => []

  @state() private cameraOn = false
  @state() private problem: string | null = null
  @state() private results: ReadonlyArray<PackAttendee> | null = null

  private reader: Promise<Html5Qrcode> | undefined

  /** html5-qrcode is large: loaded on first use, in its own chunk. */
  private qrReader(): Promise<Html5Qrcode> {
    this.reader ??= import("html5-qrcode").then(
      ({ Html5Qrcode, Html5QrcodeSupportedFormats }) =>
        new Html5Qrcode(READER_ELEMENT_ID, { verbose: false, formatsToSupport: [Html5QrcodeSupportedFormats.QR_CODE] }),
    )
    return this.reader
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    void this.stopCamera()
  }

  override render() {
    const locale = this.locale
    return html`<section class="camera" aria-labelledby="scan-heading">
        <h2 id="scan-heading">${t(locale, "scanHeading")}</h2>
        <slot name="reader"></slot>
        <button type="button" aria-pressed=${this.cameraOn ? "true" : "false"} @click=${this.toggleCamera}>
          ${t(locale, this.cameraOn ? "stopCamera" : "startCamera")}
        </button>
        <label class="file">
          <span>${t(locale, "scanImage")}</span>
          <input type="file" accept="image/*" @change=${this.scanImage} />
        </label>
        <form class="row" @submit=${this.typed}>
          <label class="visually-hidden" for="typed-code">${t(locale, "typeCode")}</label>
          <input id="typed-code" name="code" autocomplete="off" spellcheck="false" placeholder=${t(locale, "typeCode")} />
          <button type="submit" class="secondary">${t(locale, "check")}</button>
        </form>
        ${this.problem ? html`<p class="error" role="alert">${this.problem}</p>` : nothing}
      </section>
      <section aria-labelledby="search-heading">
        <h2 id="search-heading">${t(locale, "searchHeading")}</h2>
        <form class="row" role="search" @submit=${this.find}>
          <label class="visually-hidden" for="search">${t(locale, "searchLabel")}</label>
          <input id="search" name="q" type="search" autocomplete="off" placeholder=${t(locale, "searchLabel")} />
          <button type="submit" class="secondary">${t(locale, "search")}</button>
        </form>
        ${this.renderResults()}
      </section>`
  }

  private renderResults() {
    if (this.results === null) return nothing
    if (this.results.length === 0) return html`<p role="status">${t(this.locale, "noResults")}</p>`
    return html`<ul aria-label=${t(this.locale, "searchHeading")}>
      ${this.results.map(
        (a) =>
          html`<li><button type="button" class="secondary" @click=${() => this.admit(a)}>
            ${t(this.locale, "checkIn", { name: a.n })}
          </button></li>`,
      )}
    </ul>`
  }

  private emitCode(code: string) {
    this.dispatchEvent(new CustomEvent("sratix-code", { detail: { code }, bubbles: true, composed: true }))
  }

  private admit(attendee: PackAttendee) {
    this.results = null
    this.dispatchEvent(new CustomEvent("sratix-admit", { detail: { attendee }, bubbles: true, composed: true }))
  }

  private async toggleCamera() {
    if (this.cameraOn) return this.stopCamera()
    this.problem = null
    try {
      const reader = await this.qrReader()
      await reader.start(
        { facingMode: "environment" },
        // The box scales with the view: a printed A6 badge held close fills most of the frame.
        { fps: 10, qrbox: (width, height) => boxFor(width, height) },
        (text) => {
          if (!this.paused) this.emitCode(text)
        },
        () => undefined,
      )
      this.cameraOn = true
    } catch (cause) {
      this.problem = t(this.locale, "cameraFailed", { detail: String(cause) })
    }
  }

  private async stopCamera() {
    if (!this.cameraOn || this.reader === undefined) return
    this.cameraOn = false
    try {
      await (await this.reader).stop()
    } catch {
      // Already stopped (the element went away): nothing to release.
    }
  }

  private async scanImage(event: Event) {
    const input = event.target as HTMLInputElement
    const file = input.files?.[0]
    input.value = ""
    if (file === undefined) return
    this.problem = null
    await this.stopCamera()
    const reader = await this.qrReader()
    // The decoder misses some images at their own size; the same picture redrawn larger or smaller
    // usually decodes, so a photo is tried at a few scales before staff are told there is no code.
    for (const scale of [1, 1.5, 0.75, 2]) {
      try {
        this.emitCode(await reader.scanFile(scale === 1 ? file : await rescaled(file, scale), false))
        return
      } catch {
        // Try the next scale.
      }
    }
    this.problem = t(this.locale, "noCode")
  }

  private typed(event: SubmitEvent) {
    event.preventDefault()
    const form = event.target as HTMLFormElement
    const field = form.elements.namedItem("code") as HTMLInputElement
    const code = field.value.trim()
    field.value = ""
    if (code !== "") this.emitCode(code)
  }

  private async find(event: SubmitEvent) {
    event.preventDefault()
    const form = event.target as HTMLFormElement
    const query = (form.elements.namedItem("q") as HTMLInputElement).value.trim()
    this.results = query === "" ? null : await this.search(query)
  }
}
