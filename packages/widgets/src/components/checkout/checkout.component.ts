import { provide } from "@lit/context"
import {
  type Answers,
  type FieldError,
  type FormDefinition,
  type FormField,
  type FormLocale,
  validateField,
} from "@sratix/core/forms"
import {
  createSratixClient,
  idempotencyKey,
  isSratixProblem,
  type Order,
  type PaymentStart,
  type PlacedOrder,
  type PlaceOrder,
  type Problem,
  type PublicEventDetail,
  type PublicTicketType,
  type SratixClient,
  SratixProblem,
  unwrap,
} from "@sratix/sdk"
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from "lit"
import { property, query, state } from "lit/decorators.js"
import { live } from "lit/directives/live.js"
import { LOCALES, resolveLocale, type SratixContextValue, sratixContext, type Theme } from "../../context.js"
import { type CheckoutStep, emit } from "../../events.js"
import { formatMoney, formatRate, formatTime, type MessageKey, t } from "../../i18n/messages.js"
import { themeStyles } from "../../styles/theme.js"
import "../form/form.js"
import type { SratixForm } from "../form/form.component.js"
import { checkoutStyles } from "./checkout.styles.js"
import { clearResume, leaveReturnParams, type PaymentProvider, readReturn, returnUrl, saveResume } from "./payment.js"

type BankTransfer = Extract<PaymentStart["next"], { kind: "bank_transfer" }>

/** Where the payment step stands; the order's own status is shown beside it. */
type PaymentView =
  | { readonly kind: "choose" }
  | { readonly kind: "redirecting" }
  | { readonly kind: "processing" }
  | { readonly kind: "cancelled" }
  | BankTransfer

type AttendeeAnswers = NonNullable<PlaceOrder["attendees"]>[number]["answers"]

interface ActiveForm {
  readonly schemaId: string
  readonly version: number
  readonly definition: FormDefinition
}

/** One person to register: the n-th seat of a ticket type. Keyed so changing one type's count keeps the others' answers. */
interface Seat {
  readonly key: string
  readonly ticketType: PublicTicketType
}

const LANGUAGE_NAMES: Record<FormLocale, string> = { en: "English", de: "Deutsch", fr: "Français", it: "Italiano" }

const STEP_LABELS: ReadonlyArray<readonly [CheckoutStep, MessageKey]> = [
  ["tickets", "stepTickets"],
  ["attendees", "stepAttendees"],
  ["details", "stepDetails"],
  ["payment", "stepPayment"],
  ["confirmation", "stepConfirmation"],
]

/** The buyer's own fields, checked by the same validator as the form's fields. */
const BUYER_NAME: FormField = {
  id: "buyerName",
  type: "text",
  label: { en: "" },
  required: true,
  validation: { maxLength: 200 },
}
const BUYER_EMAIL: FormField = { id: "buyerEmail", type: "email", label: { en: "" }, required: true }

/** Where the bundle was loaded from: the SRAtix server, and so the API's default origin. */
const scriptOrigin = (() => {
  try {
    return new URL(import.meta.url).origin
  } catch {
    return globalThis.location?.origin ?? ""
  }
})()

const networkProblem = (cause: unknown): Problem => ({
  type: "about:blank",
  title: "Network error",
  status: 0,
  detail: cause instanceof Error ? cause.message : String(cause),
})

/**
 * The whole ticket purchase for one event, for embedding on any page:
 *
 * ```html
 * <script type="module" src="https://tickets.example.org/widgets/sratix.js"></script>
 * <sratix-checkout event-id="…"></sratix-checkout>
 * ```
 *
 * Steps: tickets (live availability, quantities within each type's limits), one registration form per
 * attendee (when the event has an active form), buyer details with promo code and an estimated total,
 * then the order. A free order is confirmed at once; an order to pay shows its reference, the amount
 * due and the event's payment options. Card payment leaves for Stripe's hosted page and comes back
 * to this page, where the checkout resumes (order id and token kept in sessionStorage, never in the
 * address) and shows the confirmation once the payment is confirmed. Bank transfer shows the
 * payment reference, the due date and the invoice with its QR-bill to download. The totals shown
 * after placing are the server's.
 *
 * @tagname sratix-checkout
 * @summary Ticket checkout for one event.
 *
 * @event sratix-ready - The ticket list is on screen and usable. `detail`: `{ eventId }`.
 * @event sratix-step-change - The checkout moved to another view. `detail`: `{ step }`.
 * @event sratix-locale-change - The visitor switched language. `detail`: `{ locale }`.
 * @event sratix-order-created - The order exists. `detail`: `{ order, accessToken }`.
 * @event sratix-paid - The order is paid (at once when it costs nothing). `detail`: `{ order }`.
 * @event sratix-payment-started - The buyer chose how to pay and the server accepted. `detail`: `{ order, provider }`.
 * @event sratix-payment-completed - A payment started in this checkout paid the order. `detail`: `{ order }`.
 * @event sratix-error - A request failed or the server refused the order. `detail`: `{ problem }` (RFC 9457).
 *
 * @csspart base - The widget's outer box.
 * @csspart header - Event title, date and language switch.
 * @csspart language - The language switch.
 * @csspart steps - The progress list.
 * @csspart view - The current step.
 * @csspart ticket - One ticket type row.
 * @csspart quantity - A ticket quantity input.
 * @csspart button - Every button.
 * @csspart button-primary - The button that moves forward.
 * @csspart input - Buyer and promo code inputs.
 * @csspart attendee - One attendee's form box.
 * @csspart summary - The totals table.
 * @csspart notice - Messages about the whole step (errors, hints).
 *
 * @cssproperty --sratix-font-family - Font of the widget (default: the system UI font).
 * @cssproperty --sratix-font-size - Base size; everything scales with it (default 16px).
 * @cssproperty --sratix-color-background - Background.
 * @cssproperty --sratix-color-surface - Background of attendee boxes and secondary buttons.
 * @cssproperty --sratix-color-text - Text colour.
 * @cssproperty --sratix-color-muted - Secondary text.
 * @cssproperty --sratix-color-border - Borders and control outlines.
 * @cssproperty --sratix-color-accent - Primary buttons, focus rings, checked controls.
 * @cssproperty --sratix-color-on-accent - Text on the accent colour.
 * @cssproperty --sratix-color-danger - Errors.
 * @cssproperty --sratix-color-success - The paid state.
 * @cssproperty --sratix-radius - Corner radius.
 * @cssproperty --sratix-space - Base spacing.
 * @cssproperty --sratix-max-width - Widest the widget grows (default 44em).
 */
export class SratixCheckout extends LitElement {
  static override styles = [themeStyles, checkoutStyles]

  /** The event to sell (its id from the SRAtix dashboard or API). */
  @property({ attribute: "event-id" }) eventId = ""

  /** Origin of the SRAtix server; defaults to the origin this script was loaded from. */
  @property({ attribute: "api-base" }) apiBase = ""

  /** `en`, `de`, `fr` or `it`; defaults to the page's language, then the browser's. The visitor can switch. */
  @property({ reflect: true }) locale: FormLocale | undefined

  /** `light`, `dark` or `auto` (follows the visitor's system setting). */
  @property({ reflect: true }) theme: Theme = "auto"

  /** Seconds between availability (and payment state) refreshes. */
  @property({ type: Number, attribute: "poll-seconds" }) pollSeconds = 15

  /** A ready SDK client to use instead of one made from `api-base` (e.g. with custom fetch). */
  @property({ attribute: false }) client: SratixClient | undefined

  @provide({ context: sratixContext })
  @state()
  protected contextValue: SratixContextValue = { client: undefined, locale: "en", theme: "auto" }

  @state() private step: CheckoutStep = "loading"
  @state() private event: PublicEventDetail | undefined
  @state() private form: ActiveForm | null | undefined
  @state() private quantities: Readonly<Record<string, number>> = {}
  @state() private seatAnswers: Readonly<Record<string, Answers>> = {}
  @state() private seatErrors: Readonly<Record<string, Readonly<Record<string, string>>>> = {}
  @state() private buyerName = ""
  @state() private buyerEmail = ""
  @state() private promoCode = ""
  @state() private promoError = ""
  @state() private buyerTouched: ReadonlySet<string> = new Set()
  @state() private notice: { readonly kind: "error" | "info"; readonly text: string } | undefined
  @state() private busy = false
  @state() private placed: PlacedOrder | undefined
  /** What the event offers, once known; empty when it offers no online payment. */
  @state() private paymentOptions: ReadonlyArray<PaymentProvider> | undefined
  @state() private payment: PaymentView = { kind: "choose" }

  @query("[data-step-heading]") private stepHeading!: HTMLElement | null

  private activeClient: SratixClient | undefined
  private attempt: { readonly key: string; readonly body: string } | undefined
  /** A payment was started here (maybe before a trip to Stripe): its success is announced as completed. */
  private paymentStartedHere = false
  private pollTimer: ReturnType<typeof setInterval> | undefined
  private moveFocus = false
  private announcedReady = false

  private get effectiveLocale(): FormLocale {
    return this.locale ?? resolveLocale(null)
  }

  private get api(): SratixClient {
    this.activeClient ??= this.client ?? createSratixClient({ baseUrl: this.apiBase || scriptOrigin })
    return this.activeClient
  }

  override connectedCallback(): void {
    super.connectedCallback()
    this.restartPolling()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    clearInterval(this.pollTimer)
  }

  private restartPolling(): void {
    clearInterval(this.pollTimer)
    // Back from Stripe the buyer waits for one webhook: ask often, so the confirmation follows it closely.
    const seconds = this.payment.kind === "processing" ? Math.min(2, this.pollSeconds) : this.pollSeconds
    this.pollTimer = setInterval(() => void this.poll(), Math.max(1, seconds) * 1000)
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("client") || changed.has("apiBase")) this.activeClient = undefined
    if (changed.has("client") || changed.has("apiBase") || changed.has("locale") || changed.has("theme")) {
      this.contextValue = { client: this.api, locale: this.effectiveLocale, theme: this.theme }
    }
    if (changed.has("eventId") || changed.has("apiBase") || changed.has("client")) void this.load()
    if (changed.has("pollSeconds") && this.isConnected) this.restartPolling()
  }

  protected override updated(changed: PropertyValues): void {
    if (changed.has("step")) {
      if (this.moveFocus) this.stepHeading?.focus()
      this.moveFocus = false
      if (this.step === "tickets" && !this.announcedReady) {
        this.announcedReady = true
        emit(this, "sratix-ready", { eventId: this.eventId })
      }
    }
  }

  private go(step: CheckoutStep): void {
    if (step === this.step) return
    this.step = step
    this.moveFocus = true
    emit(this, "sratix-step-change", { step })
  }

  private fail(problem: Problem, text: string): void {
    this.notice = { kind: "error", text }
    emit(this, "sratix-error", { problem })
  }

  private async load(): Promise<void> {
    if (!this.eventId) return
    this.step = "loading"
    this.notice = undefined
    const path = { path: { eventId: this.eventId } }
    try {
      const [event, form] = await Promise.all([
        unwrap(this.api.GET("/api/v1/public/events/{eventId}", { params: path })),
        this.fetchForm(),
      ])
      this.event = event
      this.form = form
      if (!(await this.resume())) this.go("tickets")
      this.moveFocus = false
    } catch (cause) {
      this.step = "unavailable"
      emit(this, "sratix-error", { problem: isSratixProblem(cause) ? cause.problem : networkProblem(cause) })
    }
  }

  /** The event's active form, or null when it asks nothing beyond the buyer. */
  private async fetchForm(): Promise<ActiveForm | null> {
    const { data, error, response } = await this.api.GET("/api/v1/public/events/{eventId}/form", {
      params: { path: { eventId: this.eventId } },
    })
    if (response.status === 404) return null
    if (data === undefined) throw SratixProblem.fromResponse(error, response)
    // The OpenAPI types mark members with server-side defaults optional; the server always sends them.
    return { ...data, definition: { ...data.definition, sections: data.definition.sections ?? [] } as FormDefinition }
  }

  /**
   * True when the form the visitor filled in is still the active one. The organiser may activate a new
   * version while someone fills in the old one: then the new one is shown, answers kept, before anything
   * is submitted, so that the version stored with the answers is the one the person saw.
   */
  private async formStillCurrent(): Promise<boolean> {
    const latest = await this.fetchForm()
    if (latest?.schemaId === this.form?.schemaId && latest?.version === this.form?.version) return true
    this.form = latest
    this.go(latest ? "attendees" : "details")
    this.notice = { kind: "info", text: t(this.effectiveLocale, "formChanged") }
    return false
  }

  /** Keeps availability live while choosing, and notices when a pending order gets paid elsewhere. */
  private async poll(): Promise<void> {
    if (document.hidden || !this.event) return
    try {
      if (this.step === "tickets" || this.step === "attendees" || this.step === "details") {
        const { data } = await this.api.GET("/api/v1/public/events/{eventId}/availability", {
          params: { path: { eventId: this.event.id } },
        })
        if (!data || !this.event) return
        const live = new Map(data.ticketTypes.map((a) => [a.id, a]))
        this.event = {
          ...this.event,
          ticketTypes: this.event.ticketTypes.map((tt) => {
            const a = live.get(tt.id)
            return a ? { ...tt, state: a.state, available: a.available } : tt
          }),
        }
      } else if (this.step === "payment" && this.placed) {
        const { data } = await this.api.GET("/api/v1/public/orders/{orderId}", {
          params: { path: { orderId: this.placed.order.id }, header: { "x-order-token": this.placed.accessToken } },
        })
        if (data && data.status !== this.placed.order.status) this.orderChanged(data)
      }
    } catch {
      // A missed refresh is harmless: the next one, or the server at order time, has the truth.
    }
  }

  private orderChanged(order: Order): void {
    if (!this.placed) return
    this.placed = { ...this.placed, order }
    if (order.status === "paid") {
      emit(this, "sratix-paid", { order })
      if (this.paymentStartedHere) emit(this, "sratix-payment-completed", { order })
      clearResume(this.eventId)
      leaveReturnParams()
      this.setPayment({ kind: "choose" })
      this.go("confirmation")
    }
  }

  // ---- payment --------------------------------------------------------------------------------

  private setPayment(view: PaymentView): void {
    const wasProcessing = this.payment.kind === "processing"
    this.payment = view
    if (wasProcessing !== (view.kind === "processing") && this.isConnected) this.restartPolling()
  }

  /**
   * Back on the host page from Stripe (`sratix_order` in the address, and the order's token in this
   * tab's sessionStorage): shows the order again, paid, still being confirmed, or cancelled at Stripe.
   */
  private async resume(): Promise<boolean> {
    const back = readReturn(this.eventId)
    if (back === null) return false
    const { data } = await this.api.GET("/api/v1/public/orders/{orderId}", {
      params: { path: { orderId: back.orderId }, header: { "x-order-token": back.accessToken } },
    })
    if (data === undefined) {
      clearResume(this.eventId)
      return false
    }
    this.placed = { order: data, accessToken: back.accessToken }
    this.paymentStartedHere = true
    if (data.status === "paid") {
      this.orderChanged(data)
      return true
    }
    this.setPayment(back.outcome === "cancelled" ? { kind: "cancelled" } : { kind: "processing" })
    this.go("payment")
    void this.loadPaymentOptions()
    if (this.payment.kind === "processing") void this.poll()
    return true
  }

  private async loadPaymentOptions(): Promise<void> {
    const { data } = await this.api.GET("/api/v1/public/events/{eventId}/payment-options", {
      params: { path: { eventId: this.eventId } },
    })
    this.paymentOptions = data?.providers ?? []
  }

  private async startPayment(provider: PaymentProvider): Promise<void> {
    const placed = this.placed
    const locale = this.effectiveLocale
    if (!placed || this.busy) return
    this.busy = true
    this.notice = { kind: "info", text: t(locale, "startingPayment") }
    try {
      const orderId = placed.order.id
      const { data, error, response } = await this.api.POST("/api/v1/public/orders/{orderId}/payments", {
        params: {
          path: { orderId },
          header: { "x-order-token": placed.accessToken, "idempotency-key": idempotencyKey() },
        },
        body:
          provider === "stripe"
            ? { provider, successUrl: returnUrl(orderId, "return"), cancelUrl: returnUrl(orderId, "cancelled") }
            : { provider },
      })
      if (!response.ok || data === undefined) {
        const problem = SratixProblem.fromResponse(error, response).problem
        this.fail(problem, t(locale, "paymentError", { detail: problem?.detail ?? problem?.title ?? "" }))
        return
      }
      this.notice = undefined
      this.paymentStartedHere = true
      emit(this, "sratix-payment-started", { order: placed.order, provider })
      this.followPayment(data.next)
    } catch (cause) {
      this.fail(networkProblem(cause), t(locale, "networkError"))
    } finally {
      this.busy = false
    }
  }

  private followPayment(next: PaymentStart["next"]): void {
    if (next.kind === "bank_transfer") {
      this.setPayment({
        kind: "bank_transfer",
        invoiceId: next.invoiceId,
        reference: next.reference,
        dueAt: next.dueAt,
      })
      return
    }
    // The token stays in this tab only: the address Stripe returns to carries just the order id.
    saveResume(this.eventId, { orderId: this.placed!.order.id, accessToken: this.placed!.accessToken })
    this.setPayment({ kind: "redirecting" })
    window.location.assign(next.url)
  }

  /** Fetched with the token header and handed over as a blob, so the token never appears in a URL. */
  private async downloadInvoice(invoiceId: string, reference: string): Promise<void> {
    const placed = this.placed
    const locale = this.effectiveLocale
    if (!placed) return
    try {
      const { data, error, response } = await this.api.GET("/api/v1/public/orders/{orderId}/invoices/{invoiceId}/pdf", {
        params: { path: { orderId: placed.order.id, invoiceId }, header: { "x-order-token": placed.accessToken } },
        parseAs: "blob",
      })
      if (!response.ok || data === undefined) {
        const problem = SratixProblem.fromResponse(error, response).problem
        this.fail(problem, t(locale, "downloadFailed", { detail: problem?.detail ?? problem?.title ?? "" }))
        return
      }
      const url = URL.createObjectURL(data as Blob)
      const link = Object.assign(document.createElement("a"), { href: url, download: `${reference}.pdf` })
      this.renderRoot.appendChild(link)
      link.click()
      link.remove()
      setTimeout(() => URL.revokeObjectURL(url), 60_000)
    } catch (cause) {
      this.fail(networkProblem(cause), t(locale, "networkError"))
    }
  }

  // ---- tickets --------------------------------------------------------------------------------

  private limits(tt: PublicTicketType): { min: number; max: number } {
    return { min: tt.minPerOrder, max: Math.max(0, Math.min(tt.maxPerOrder, tt.available)) }
  }

  private setQuantity(tt: PublicTicketType, quantity: number): void {
    const { max } = this.limits(tt)
    const next = Number.isFinite(quantity) ? Math.max(0, Math.min(Math.trunc(quantity), max)) : 0
    this.quantities = { ...this.quantities, [tt.id]: next }
    if (this.notice?.kind === "error") this.notice = undefined
  }

  private step1(tt: PublicTicketType, direction: 1 | -1): void {
    const current = this.quantities[tt.id] ?? 0
    const { min } = this.limits(tt)
    // Below the minimum per order the only valid count is zero: jump over the gap.
    const next = direction === 1 ? (current < min ? min : current + 1) : current <= min ? 0 : current - 1
    this.setQuantity(tt, next)
  }

  /** The total by list prices, before promo codes: what the visitor sees until the server prices the order. */
  private get estimateMinor(): number {
    return (this.event?.ticketTypes ?? []).reduce((sum, tt) => sum + tt.priceMinor * (this.quantities[tt.id] ?? 0), 0)
  }

  private get seats(): ReadonlyArray<Seat> {
    const seats: Array<Seat> = []
    for (const tt of this.event?.ticketTypes ?? []) {
      const quantity = this.quantities[tt.id] ?? 0
      for (let n = 0; n < quantity; n++) seats.push({ key: `${tt.id}:${n}`, ticketType: tt })
    }
    return seats
  }

  private ticketsChosen(): boolean {
    const locale = this.effectiveLocale
    const chosen = (this.event?.ticketTypes ?? []).filter((tt) => (this.quantities[tt.id] ?? 0) > 0)
    if (chosen.length === 0) {
      this.notice = { kind: "error", text: t(locale, "chooseTickets") }
      return false
    }
    for (const tt of chosen) {
      const quantity = this.quantities[tt.id] ?? 0
      const { min, max } = this.limits(tt)
      if (tt.state !== "on_sale" || quantity < min || quantity > max) {
        this.notice = { kind: "error", text: t(locale, "quantityRange", { name: tt.name, min, max }) }
        return false
      }
    }
    this.notice = undefined
    return true
  }

  // ---- attendees ------------------------------------------------------------------------------

  private attendeesValid(): boolean {
    const forms = [...this.renderRoot.querySelectorAll<SratixForm>("sratix-form")]
    // Every form shows its messages; focus goes to the first invalid one only.
    const firstInvalid = forms.filter((f) => !f.showErrors())[0]
    this.notice = firstInvalid ? { kind: "error", text: t(this.effectiveLocale, "fixErrors") } : undefined
    firstInvalid?.reportValidity()
    return firstInvalid === undefined
  }

  // ---- details and placing --------------------------------------------------------------------

  private buyerError(field: FormField, value: string): string {
    if (!this.buyerTouched.has(field.id)) return ""
    return validateField(field, value.trim() || undefined, this.effectiveLocale)?.message ?? ""
  }

  private async placeOrder(): Promise<void> {
    const locale = this.effectiveLocale
    this.buyerTouched = new Set([BUYER_NAME.id, BUYER_EMAIL.id])
    const invalid = [
      validateField(BUYER_NAME, this.buyerName.trim() || undefined, locale) ? BUYER_NAME.id : undefined,
      validateField(BUYER_EMAIL, this.buyerEmail.trim() || undefined, locale) ? BUYER_EMAIL.id : undefined,
    ].filter((id): id is string => id !== undefined)
    if (invalid.length > 0) {
      this.notice = { kind: "error", text: t(locale, "fixErrors") }
      await this.updateComplete
      this.renderRoot.querySelector<HTMLInputElement>(`#${invalid[0]}`)?.focus()
      return
    }
    const event = this.event
    if (!event || this.busy) return
    this.busy = true
    try {
      if (await this.formStillCurrent()) await this.submit(event)
    } catch (cause) {
      // The request may or may not have reached the server: keep the key so "Place order" retries safely.
      this.fail(networkProblem(cause), t(locale, "networkError"))
    } finally {
      this.busy = false
    }
  }

  private async submit(event: PublicEventDetail): Promise<void> {
    const locale = this.effectiveLocale
    const seats = this.seats
    const items = event.ticketTypes
      .filter((tt) => (this.quantities[tt.id] ?? 0) > 0)
      .map((tt) => ({ ticketTypeId: tt.id, quantity: this.quantities[tt.id] ?? 0 }))
    const body = {
      items,
      buyer: { name: this.buyerName.trim(), email: this.buyerEmail.trim() },
      locale,
      ...(this.promoCode.trim() ? { promoCode: this.promoCode.trim() } : {}),
      ...(this.form
        ? {
            formVersion: this.form.version,
            attendees: seats.map((s) => ({
              ticketTypeId: s.ticketType.id,
              // The form only ever holds the answer shapes the API names (text, number, boolean, list).
              answers: (this.seatAnswers[s.key] ?? {}) as AttendeeAnswers,
            })),
          }
        : {}),
    }
    // One key per attempt: a retry after a lost response must return the first order, not place another.
    const serialized = JSON.stringify(body)
    if (this.attempt?.body !== serialized) this.attempt = { key: idempotencyKey(), body: serialized }
    const key = this.attempt.key
    this.notice = { kind: "info", text: t(locale, "placing") }
    this.promoError = ""
    const { data, error, response } = await this.api.POST("/api/v1/public/events/{eventId}/orders", {
      params: { path: { eventId: event.id }, header: { "idempotency-key": key } },
      body,
    })
    this.attempt = undefined
    if (!response.ok || data === undefined) {
      await this.refused(SratixProblem.fromResponse(error, response).problem, seats)
      return
    }
    this.placed = data
    this.notice = undefined
    emit(this, "sratix-order-created", { order: data.order, accessToken: data.accessToken })
    if (data.order.status === "paid") {
      emit(this, "sratix-paid", { order: data.order })
      this.go("confirmation")
    } else {
      this.setPayment({ kind: "choose" })
      this.go("payment")
      void this.loadPaymentOptions()
    }
  }

  private async refused(problem: Problem, seats: ReadonlyArray<Seat>): Promise<void> {
    const locale = this.effectiveLocale
    const slug = problem?.type?.split("/").pop() ?? ""
    if (slug === "form-invalid" && Array.isArray(problem.errors)) {
      // Answers the server refuses after the same validator passed them here: the form most likely
      // changed in between, so show the new version rather than messages for fields not on screen.
      if (!(await this.formStillCurrent())) {
        emit(this, "sratix-error", { problem })
        return
      }
      const perSeat: Record<string, Record<string, string>> = {}
      for (const e of problem.errors as ReadonlyArray<FieldError & { attendee: number }>) {
        const seat = seats[e.attendee]
        if (seat) perSeat[seat.key] = { ...perSeat[seat.key], [e.field]: e.message }
      }
      this.seatErrors = perSeat
      this.go("attendees")
      this.fail(problem, t(locale, "fixErrors"))
      return
    }
    if (slug === "sold-out") {
      const tt = this.event?.ticketTypes.find((x) => x.id === problem.ticketTypeId)
      this.go("tickets")
      void this.poll()
      this.fail(problem, t(locale, "soldOutError", { name: tt?.name ?? "", available: Number(problem.available ?? 0) }))
      return
    }
    if (slug === "promo-code-unavailable") {
      this.promoError = t(locale, "promoError")
      this.fail(problem, t(locale, "promoError"))
      return
    }
    this.fail(problem, t(locale, "genericError", { detail: problem?.detail ?? problem?.title ?? "" }))
  }

  // ---- rendering ------------------------------------------------------------------------------

  protected override render() {
    const locale = this.effectiveLocale
    const event = this.event
    return html`<div class="root" part="base" data-theme=${this.theme} lang=${locale}>
      <header part="header">
        <div>
          ${event ? html`<h2>${event.name}</h2><p class="when">${formatTime(event.startsAt, event.timezone, locale)}${event.venue ? html` · ${event.venue.name}` : nothing}</p>` : nothing}
        </div>
        <label class="language" part="language"
          >${t(locale, "language")}
          <select
            @change=${(e: Event) => {
              this.locale = (e.target as HTMLSelectElement).value as FormLocale
              emit(this, "sratix-locale-change", { locale: this.locale })
            }}
          >
            ${LOCALES.map((l) => html`<option value=${l} lang=${l} ?selected=${l === locale}>${LANGUAGE_NAMES[l]}</option>`)}
          </select></label
        >
      </header>
      ${this.renderSteps(locale)}
      <section class="view" part="view" aria-busy=${this.busy || this.step === "loading" ? "true" : "false"}>
        ${this.renderView(locale)}
      </section>
      <p class="notice error" part="notice" role="alert">${this.notice?.kind === "error" ? this.notice.text : ""}</p>
      <p class="notice" part="notice" role="status">${this.notice?.kind === "info" ? this.notice.text : ""}</p>
    </div>`
  }

  private renderSteps(locale: FormLocale): TemplateResult | typeof nothing {
    if (this.step === "loading" || this.step === "unavailable") return nothing
    const steps = STEP_LABELS.filter(
      ([step]) =>
        (step !== "attendees" || this.form) &&
        // Payment is a step when there is something to pay: by the list prices before the order, by the order after.
        (step !== "payment" || (this.placed ? this.placed.order.totalMinor > 0 : this.estimateMinor > 0)),
    )
    return html`<ol class="steps" part="steps" aria-label=${t(locale, "progress")}>
      ${steps.map(([step, key]) => html`<li aria-current=${step === this.step ? "step" : "false"}>${t(locale, key)}</li>`)}
    </ol>`
  }

  private heading(text: string): TemplateResult {
    return html`<h3 tabindex="-1" data-step-heading>${text}</h3>`
  }

  private renderView(locale: FormLocale): TemplateResult {
    switch (this.step) {
      case "loading":
        return html`<p role="status">${t(locale, "loading")}</p>`
      case "unavailable":
        return html`<p role="alert">${t(locale, "unavailable")}</p>
          <div class="actions"><button part="button" @click=${() => void this.load()}>${t(locale, "retry")}</button></div>`
      case "tickets":
        return this.renderTickets(locale)
      case "attendees":
        return this.renderAttendees(locale)
      case "details":
        return this.renderDetails(locale)
      case "payment":
      case "confirmation":
        return this.renderOrder(locale)
    }
  }

  private renderTickets(locale: FormLocale): TemplateResult {
    const event = this.event!
    return html`${this.heading(t(locale, "tickets"))}
      <ul class="tickets">
        ${event.ticketTypes.map((tt) => this.renderTicket(tt, event.currency, locale))}
      </ul>
      <div class="actions">
        <button
          class="primary"
          part="button button-primary"
          @click=${() => {
            if (this.ticketsChosen()) this.go(this.form ? "attendees" : "details")
          }}
        >
          ${t(locale, "continue")}
        </button>
      </div>`
  }

  private renderTicket(tt: PublicTicketType, currency: string, locale: FormLocale): TemplateResult {
    const quantity = this.quantities[tt.id] ?? 0
    const { min, max } = this.limits(tt)
    const headingId = `tt-${tt.id}`
    const stateText =
      tt.state === "sold_out" || (tt.state === "on_sale" && tt.available === 0)
        ? t(locale, "soldOut")
        : tt.state === "not_yet_on_sale"
          ? t(locale, "notYetOnSale")
          : tt.state === "sales_ended"
            ? t(locale, "salesEnded")
            : t(locale, "left", { count: tt.available })
    const onSale = tt.state === "on_sale" && tt.available > 0
    return html`<li class="ticket" part="ticket" data-ticket-type=${tt.id}>
      <div>
        <h4 id=${headingId}>${tt.name}</h4>
        ${tt.description ? html`<p class="muted">${tt.description}</p>` : nothing}
        <p>
          <strong>${tt.priceMinor === 0 ? t(locale, "free") : formatMoney(tt.priceMinor, currency, locale)}</strong>
          ${tt.priceMinor > 0 ? html`<span class="muted">${t(locale, "vatIncluded", { rate: formatRate(tt.vatRateBp, locale) })}</span>` : nothing}
        </p>
        <p class="muted"><span class="state" data-availability>${stateText}</span>${onSale && (min > 1 || tt.maxPerOrder < 100) ? html` · ${t(locale, "perOrder", { min, max: tt.maxPerOrder })}` : nothing}</p>
      </div>
      ${
        onSale || quantity > 0
          ? html`<div class="qty" role="group" aria-labelledby=${headingId}>
              <button part="button" aria-label=${t(locale, "decrease", { name: tt.name })} ?disabled=${quantity === 0} @click=${() => this.step1(tt, -1)}>−</button>
              <input
                part="quantity"
                type="number"
                inputmode="numeric"
                min="0"
                max=${max}
                aria-label=${t(locale, "quantityOf", { name: tt.name })}
                .value=${live(String(quantity))}
                @change=${(e: Event) => this.setQuantity(tt, Number((e.target as HTMLInputElement).value))}
              />
              <button part="button" aria-label=${t(locale, "increase", { name: tt.name })} ?disabled=${quantity >= max} @click=${() => this.step1(tt, 1)}>+</button>
            </div>`
          : nothing
      }
    </li>`
  }

  private renderAttendees(locale: FormLocale): TemplateResult {
    const seats = this.seats
    const form = this.form!
    return html`${this.heading(t(locale, "stepAttendees"))}
      ${seats.map(
        (seat, index) => html`<section class="attendee" part="attendee" aria-labelledby=${`a-${index}`}>
          <h4 id=${`a-${index}`}>${t(locale, "attendee", { n: index + 1, total: seats.length, ticket: seat.ticketType.name })}</h4>
          <sratix-form
            .definition=${form.definition}
            ticket-type-id=${seat.ticketType.id}
            event-id=${this.eventId}
            .answers=${this.seatAnswers[seat.key] ?? {}}
            .serverErrors=${this.seatErrors[seat.key] ?? {}}
            data-seat=${seat.key}
            @sratix-form-change=${(e: CustomEvent<{ answers: Answers }>) => {
              this.seatAnswers = { ...this.seatAnswers, [seat.key]: e.detail.answers }
              const target = e.target as SratixForm
              this.seatErrors = { ...this.seatErrors, [seat.key]: target.serverErrors }
            }}
          ></sratix-form>
        </section>`,
      )}
      <div class="actions">
        <button part="button" @click=${() => this.go("tickets")}>${t(locale, "back")}</button>
        <button
          class="primary"
          part="button button-primary"
          @click=${() => {
            if (this.attendeesValid()) this.go("details")
          }}
        >
          ${t(locale, "continue")}
        </button>
      </div>`
  }

  private renderBuyerField(field: FormField, label: string, value: string, type: string, autocomplete: string) {
    const error = this.buyerError(field, value)
    return html`<div class="field">
      <label for=${field.id}>${label}<span class="error" aria-hidden="true"> *</span></label>
      <input
        part="input"
        id=${field.id}
        type=${type}
        autocomplete=${autocomplete}
        aria-required="true"
        aria-invalid=${error ? "true" : "false"}
        aria-describedby=${`${field.id}-error`}
        .value=${live(value)}
        @input=${(e: Event) => {
          const v = (e.target as HTMLInputElement).value
          if (field.id === BUYER_NAME.id) this.buyerName = v
          else this.buyerEmail = v
        }}
        @blur=${() => {
          this.buyerTouched = new Set([...this.buyerTouched, field.id])
        }}
      />
      <p class="error" id=${`${field.id}-error`} aria-live="polite">${error}</p>
    </div>`
  }

  private renderDetails(locale: FormLocale): TemplateResult {
    const event = this.event!
    const lines = event.ticketTypes
      .filter((tt) => (this.quantities[tt.id] ?? 0) > 0)
      .map((tt) => ({ tt, quantity: this.quantities[tt.id] ?? 0 }))
    const estimate = this.estimateMinor
    return html`${this.heading(t(locale, "stepDetails"))}
      <div class="buyer">
        ${this.renderBuyerField(BUYER_NAME, t(locale, "buyerName"), this.buyerName, "text", "name")}
        ${this.renderBuyerField(BUYER_EMAIL, t(locale, "buyerEmail"), this.buyerEmail, "email", "email")}
        <div class="field">
          <label for="promo">${t(locale, "promoCode")}</label>
          <input
            part="input"
            id="promo"
            type="text"
            autocomplete="off"
            maxlength="64"
            aria-describedby="promo-help promo-error"
            aria-invalid=${this.promoError ? "true" : "false"}
            .value=${live(this.promoCode)}
            @input=${(e: Event) => {
              this.promoCode = (e.target as HTMLInputElement).value
              this.promoError = ""
            }}
          />
          <p class="help" id="promo-help">${t(locale, "promoHint")}</p>
          <p class="error" id="promo-error" aria-live="polite">${this.promoError}</p>
        </div>
      </div>
      <table part="summary">
        <caption>${t(locale, "summary")}</caption>
        <tbody>
          ${lines.map(
            (l) => html`<tr>
              <th scope="row">${l.quantity} × ${l.tt.name}</th>
              <td class="amount">${formatMoney(l.tt.priceMinor * l.quantity, event.currency, locale)}</td>
            </tr>`,
          )}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">${t(locale, "estimatedTotal")}</th>
            <td class="amount" data-estimate>${formatMoney(estimate, event.currency, locale)}</td>
          </tr>
        </tfoot>
      </table>
      <div class="actions">
        <button part="button" ?disabled=${this.busy} @click=${() => this.go(this.form ? "attendees" : "tickets")}>${t(locale, "back")}</button>
        <button class="primary" part="button button-primary" ?disabled=${this.busy} @click=${() => void this.placeOrder()}>
          ${t(locale, this.busy ? "placing" : "placeOrder")}
        </button>
      </div>`
  }

  /** The server's order: the amounts here are what the buyer owes, discounts and VAT as computed there. */
  private renderOrder(locale: FormLocale): TemplateResult {
    const placed = this.placed!
    const order = placed.order
    const names = new Map((this.event?.ticketTypes ?? []).map((tt) => [tt.id, tt.name]))
    const money = (minor: number) => formatMoney(minor, order.currency, locale)
    const paid = order.status === "paid"
    const statusText =
      order.status === "paid"
        ? t(locale, "paid")
        : order.status === "expired"
          ? t(locale, "expired")
          : order.status === "cancelled"
            ? t(locale, "cancelled")
            : t(locale, "pendingPayment")
    return html`${this.heading(t(locale, paid ? "stepConfirmation" : "stepPayment"))}
      ${paid ? html`<p>${t(locale, "confirmed")} ${t(locale, "thanks", { name: order.buyerName })}</p>` : nothing}
      <dl class="facts">
        <dt>${t(locale, "orderReference")}</dt>
        <dd data-order-id>${order.id}</dd>
        <dt>${t(locale, "status")}</dt>
        <dd><span class=${paid ? "badge paid" : "badge pending"} data-order-status=${order.status}>${statusText}</span></dd>
        ${paid ? nothing : html`<dt>${t(locale, "amountDue")}</dt><dd data-amount-due>${money(order.totalMinor)}</dd>`}
      </dl>
      <table part="summary">
        <caption>${t(locale, "summary")}</caption>
        <tbody>
          ${order.items.map(
            (item) => html`<tr>
              <th scope="row">${item.quantity} × ${names.get(item.ticketTypeId) ?? item.ticketTypeId}</th>
              <td class="amount">${money(item.unitPriceMinor * item.quantity)}</td>
            </tr>`,
          )}
          ${
            order.discountMinor > 0
              ? html`<tr>
                  <th scope="row">${t(locale, "discount")}</th>
                  <td class="amount" data-discount>−${money(order.discountMinor)}</td>
                </tr>`
              : nothing
          }
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">${t(locale, "total")}</th>
            <td class="amount" data-total>${money(order.totalMinor)}</td>
          </tr>
          ${order.vatBreakdown
            .filter((v) => v.vatMinor > 0)
            .map(
              (v) => html`<tr class="vat">
                <th scope="row">${t(locale, "vatOf", { rate: formatRate(v.rateBp, locale) })}</th>
                <td class="amount">${money(v.vatMinor)}</td>
              </tr>`,
            )}
        </tfoot>
      </table>
      ${
        !paid && order.status === "pending_payment"
          ? html`${order.expiresAt ? html`<p>${t(locale, "heldUntil", { time: formatTime(order.expiresAt, this.event?.timezone, locale) })}</p>` : nothing}
              ${this.renderPayment(locale)}`
          : nothing
      }`
  }

  private renderPayment(locale: FormLocale): TemplateResult | typeof nothing {
    const view = this.payment
    switch (view.kind) {
      case "redirecting":
        return html`<p class="notice" role="status" data-payment-state="redirecting">${t(locale, "redirecting")}</p>`
      case "processing":
        return html`<p class="notice" role="status" data-payment-state="processing">${t(locale, "paymentProcessing")}</p>`
      case "bank_transfer":
        return html`<div data-payment-state="bank_transfer">
          <p>${t(locale, "bankTransferIntro")}</p>
          <dl class="facts">
            <dt>${t(locale, "paymentReference")}</dt>
            <dd data-payment-reference>${view.reference}</dd>
            <dt>${t(locale, "dueBy")}</dt>
            <dd data-due>${formatTime(view.dueAt, this.event?.timezone, locale)}</dd>
          </dl>
          <div class="actions">
            <button part="button button-primary" class="primary" ?disabled=${this.busy}
              @click=${() => void this.downloadInvoice(view.invoiceId, view.reference)}>${t(locale, "downloadInvoice")}</button>
          </div>
        </div>`
      case "cancelled":
      case "choose":
        return this.renderPaymentChoice(locale, view.kind === "cancelled")
    }
  }

  private renderPaymentChoice(locale: FormLocale, cancelled: boolean): TemplateResult | typeof nothing {
    const options = this.paymentOptions
    if (options === undefined) return nothing
    if (options.length === 0) return html`<p class="notice" data-payment-pending>${t(locale, "noPaymentOffered")}</p>`
    const labels: Record<PaymentProvider, MessageKey> = { stripe: "payByCard", invoice: "payByInvoice" }
    return html`${cancelled ? html`<p class="notice" role="status" data-payment-state="cancelled">${t(locale, "paymentCancelled")}</p>` : nothing}
      <fieldset class="payment-options" data-payment-state=${cancelled ? "retry" : "choose"}>
        <legend>${t(locale, "payHow")}</legend>
        <div class="actions">
          ${options.map(
            (
              provider,
              i,
            ) => html`<button part=${i === 0 ? "button button-primary" : "button"} class=${i === 0 ? "primary" : ""}
              ?disabled=${this.busy} data-provider=${provider}
              @click=${() => void this.startPayment(provider)}>${t(locale, labels[provider])}</button>`,
          )}
        </div>
      </fieldset>`
  }
}
