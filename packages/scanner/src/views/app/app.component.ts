import type { PackAttendee, ScanVerdict } from "@sratix/core/offline"
import { html, LitElement, nothing } from "lit"
import { state } from "lit/decorators.js"
import { LOCALES, type Locale, resolveLocale, t } from "../../i18n/messages.js"
import { Door, type DoorNotice } from "../../offline/Door.js"
import "../enrol/enrol.js"
import { describeVerdict, type VerdictText } from "../result/result.component.js"
import "../result/result.js"
import "../scan/scan.js"
import { baseStyles } from "../shared.styles.js"
import { appStyles } from "./app.styles.js"

const LOCALE_STORAGE = "sratix-scanner-locale"
const ENROL_FRAGMENT = /^#enrol=([A-Za-z0-9_-]{16,200})$/

/**
 * The scanner app: status (network, queue, pack), then enrolment, the scan screen or the verdict.
 * The verdict's words also go to an assertive live region, so a screen reader says them at once.
 *
 * @slot reader - The camera view, passed on to the scan screen.
 */
export class SratixScannerApp extends LitElement {
  static override styles = [baseStyles, appStyles]

  @state() private door: Door | null = null
  @state() private locale: Locale = resolveLocale(localStorage.getItem(LOCALE_STORAGE))
  @state() private verdict: VerdictText | null = null
  @state() private busy = false
  @state() private online = navigator.onLine
  /** Bumped on every change of the door, so the screen re-renders from its fields. */
  @state() private revision = 0

  override connectedCallback(): void {
    super.connectedCallback()
    addEventListener("online", this.networkChanged)
    addEventListener("offline", this.networkChanged)
    void this.start()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    removeEventListener("online", this.networkChanged)
    removeEventListener("offline", this.networkChanged)
  }

  private networkChanged = () => {
    this.online = navigator.onLine
  }

  private async start() {
    const door = await Door.start()
    door.addEventListener("change", () => {
      this.revision++
      this.dataset.phase = door.phase
      this.dataset.queued = String(door.queued)
    })
    this.door = door
    this.dataset.phase = door.phase
    this.dataset.queued = String(door.queued)
    // The dashboard's QR code opens `/scanner/#enrol=<code>`: take the code, and drop it from the address bar and history.
    const fromLink = ENROL_FRAGMENT.exec(location.hash)
    if (fromLink !== null) {
      history.replaceState(null, "", location.pathname + location.search)
      await this.enrol(fromLink[1]!)
    }
  }

  private async enrol(code: string) {
    if (this.door === null) return
    this.busy = true
    try {
      await this.door.enrol(code)
    } catch {
      // The door keeps the reason in its notice, which the enrol screen shows.
    } finally {
      this.busy = false
    }
  }

  private show(verdict: ScanVerdict) {
    const door = this.door!
    this.verdict = describeVerdict(verdict, this.locale, {
      listName: door.index?.list.name ?? "",
      deviceName: (id) => door.index?.devices.get(id) ?? null,
    })
  }

  private async onCode(event: CustomEvent<{ code: string }>) {
    if (this.door?.index == null || this.verdict !== null) return
    this.show(await this.door.scan(event.detail.code))
  }

  private async onAdmit(event: CustomEvent<{ attendee: PackAttendee }>) {
    if (this.door?.index == null) return
    this.show(await this.door.admit(event.detail.attendee))
  }

  private setLocale(event: Event) {
    this.locale = (event.target as HTMLSelectElement).value as Locale
    localStorage.setItem(LOCALE_STORAGE, this.locale)
    // A verdict on screen keeps the words it was shown with; the next one follows the new language.
  }

  private noticeText(notice: DoorNotice): string {
    const locale = this.locale
    switch (notice.kind) {
      case "pack_refused":
        return t(locale, "packRefused", { reason: t(locale, `reason_${notice.reason}`) })
      case "update_refused":
        return t(locale, "updateRefused", { reason: t(locale, `reason_${notice.reason}`) })
      case "no_pack":
        return t(locale, "noPack")
      case "revoked":
        return t(locale, "revoked")
      case "enrol_failed":
        return t(locale, "enrolFailed", { detail: notice.detail })
    }
  }

  override render() {
    void this.revision
    const locale = this.locale
    const door = this.door
    return html`<div class="shell" lang=${locale}>
      <header>
        <h1>${t(locale, "title")}</h1>
        <div>
          <label class="visually-hidden" for="language">${t(locale, "language")}</label>
          <select id="language" @change=${this.setLocale}>
            ${LOCALES.map((l) => html`<option value=${l} ?selected=${l === locale}>${l.toUpperCase()}</option>`)}
          </select>
        </div>
      </header>
      ${door === null ? html`<p role="status">${t(locale, "starting")}</p>` : this.renderDoor(door)}
      <div class="visually-hidden" aria-live="assertive" aria-atomic="true" id="verdict-announcement">
        ${this.verdict ? [this.verdict.headline, this.verdict.name, this.verdict.detail].filter(Boolean).join(". ") : ""}
      </div>
    </div>`
  }

  private renderDoor(door: Door) {
    const locale = this.locale
    if (door.phase === "unenrolled" || door.phase === "starting") {
      return html`<sratix-scanner-enrol
        .locale=${locale}
        ?busy=${this.busy}
        .message=${door.notice ? this.noticeText(door.notice) : null}
        @sratix-enrol=${(e: CustomEvent<{ code: string }>) => this.enrol(e.detail.code)}
      ></sratix-scanner-enrol>`
    }
    return html`${this.renderStatus(door)}
      ${
        door.notice
          ? html`<div class="notice" role="alert">
            <p>${this.noticeText(door.notice)}</p>
            ${door.phase === "not_ready" ? html`<button type="button" @click=${() => door.refresh().catch(() => undefined)}>${t(locale, "download")}</button>` : nothing}
          </div>`
          : nothing
      }
      ${
        door.phase !== "ready"
          ? nothing
          : this.verdict
            ? html`<sratix-scanner-result .text=${this.verdict} .locale=${locale} @sratix-next=${() => {
                this.verdict = null
              }}></sratix-scanner-result>`
            : nothing
      }
      ${
        door.phase === "ready"
          ? html`<sratix-scanner-scan
              ?hidden=${this.verdict !== null}
              .locale=${locale}
              ?paused=${this.verdict !== null}
              .search=${(q: string) => door.search(q)}
              @sratix-code=${this.onCode}
              @sratix-admit=${this.onAdmit}
            ><slot name="reader" slot="reader"></slot></sratix-scanner-scan>`
          : nothing
      }`
  }

  private renderStatus(door: Door) {
    const locale = this.locale
    const index = door.index
    return html`<section class="status" aria-label=${t(locale, "title")}>
      <p class="network" data-online=${String(this.online)}>${t(locale, this.online ? "online" : "offline")}</p>
      <p class="queue" role="status">
        ${door.syncing ? t(locale, "syncing") : door.queued > 0 ? t(locale, "queued", { count: door.queued }) : t(locale, "synced")}
      </p>
      <button type="button" class="secondary" ?disabled=${!this.online || door.syncing} @click=${() => door.sync().catch(() => undefined)}>
        ${t(locale, "syncNow")}
      </button>
      ${door.syncProblem ? html`<p class="problem" role="alert">${t(locale, "syncFailed", { detail: door.syncProblem })}</p>` : nothing}
      <p class="meta">
        ${door.enrolment ? t(locale, "device", { name: door.enrolment.deviceName }) : nothing}
        ${index ? html` · ${t(locale, "packInfo", { list: index.list.name, count: index.attendees.size, version: index.version })}` : nothing}
      </p>
    </section>`
  }
}
