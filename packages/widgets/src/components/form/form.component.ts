import { consume } from "@lit/context"
import {
  type Answers,
  CANTONS,
  COUNTRY_CODES,
  countryName,
  type FieldError,
  type FormDefinition,
  type FormField,
  type FormLocale,
  localize,
  validateAnswers,
  validateField,
  validateFile,
  visibleFieldIds,
  visibleFields,
} from "@sratix/core/forms"
import { createSratixClient, isSratixProblem, type SratixClient } from "@sratix/sdk"
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from "lit"
import { property, state } from "lit/decorators.js"
import { ifDefined } from "lit/directives/if-defined.js"
import { live } from "lit/directives/live.js"
import { resolveLocale, type SratixContextValue, sratixContext, type Theme } from "../../context.js"
import { emit } from "../../events.js"
import { t } from "../../i18n/messages.js"
import { themeStyles } from "../../styles/theme.js"
import { uploadFile } from "../../uploads.js"
import { formStyles } from "./form.styles.js"

/** The native input for the free-entry field types; the others get their own controls. */
const INPUT_TYPES: Partial<Record<FormField["type"], string>> = {
  email: "email",
  phone: "tel",
  number: "number",
  date: "date",
}

/** Lets browsers and password managers fill in what the schema says a field holds. */
const AUTOCOMPLETE: Partial<Record<NonNullable<FormField["normalizeAs"]>, string>> = {
  email: "email",
  first_name: "given-name",
  last_name: "family-name",
  full_name: "name",
  organization: "organization",
  phone: "tel",
}

type UploadState =
  | { readonly status: "uploading"; readonly name: string }
  | { readonly status: "done"; readonly name: string }
  | { readonly status: "failed"; readonly message: string }

/**
 * One attendee's registration form, rendered from a form schema: sections, groups, conditional
 * fields (they appear and disappear as answers change), and inline validation by the same validator
 * the server uses, in the visitor's language. Works inside `<sratix-checkout>` (which passes the SDK
 * client, language and theme through context) or alone:
 *
 * ```html
 * <sratix-form ticket-type-id="…" locale="de"></sratix-form>
 * <script type="module">document.querySelector("sratix-form").definition = schema.definition</script>
 * ```
 *
 * Hidden fields' answers are left out of `value`, so what leaves the form is what the person saw.
 *
 * @tagname sratix-form
 * @summary A registration form for one attendee.
 *
 * @event sratix-form-change - The answers changed through user input. `detail`: `{ answers, valid, errors }`.
 *
 * @csspart base - The form's outer box.
 * @csspart section - A section of the form (a fieldset with the section's title as legend).
 * @csspart field - One field: label, control, help and error.
 * @csspart label - A field's label.
 * @csspart input - A text, number, date, file or list control.
 * @csspart help - A field's help text.
 * @csspart error - A field's error message.
 *
 * @cssproperty --sratix-font-family - Font of the widget (default: the system UI font).
 * @cssproperty --sratix-font-size - Base size; everything scales with it (default 16px).
 * @cssproperty --sratix-color-text - Text colour.
 * @cssproperty --sratix-color-muted - Secondary text (help).
 * @cssproperty --sratix-color-border - Control borders.
 * @cssproperty --sratix-color-accent - Focus rings, checked controls.
 * @cssproperty --sratix-color-danger - Error text and invalid borders.
 * @cssproperty --sratix-radius - Corner radius of controls.
 * @cssproperty --sratix-space - Base spacing.
 */
export class SratixForm extends LitElement {
  static override styles = [themeStyles, formStyles]

  @consume({ context: sratixContext, subscribe: true })
  @state()
  private context?: SratixContextValue

  /** The form schema (`definition` of `GET /public/events/{id}/form`). */
  @property({ attribute: false }) definition: FormDefinition | undefined

  /** The attendee's ticket type id: fields mapped to other ticket types, or conditioned on them, stay hidden. */
  @property({ attribute: "ticket-type-id" }) ticketTypeId = ""

  /** Language of labels and messages: `en`, `de`, `fr` or `it`. Defaults to the surrounding checkout's, then the page's. */
  @property({ reflect: true }) locale: FormLocale | undefined

  /** `light`, `dark` or `auto` (the visitor's system setting). Defaults to the surrounding checkout's, then `auto`. */
  @property({ reflect: true }) theme: Theme | undefined

  /** Event id, needed only for file fields (uploads go to that event). */
  @property({ attribute: "event-id" }) eventId = ""

  /** Server origin for uploads when the form is used alone; inside a checkout the checkout's client is used. */
  @property({ attribute: "api-base" }) apiBase = ""

  /** The answers so far. Set it to restore answers; read `value` for what to submit. */
  @property({ attribute: false }) answers: Answers = {}

  /** Messages the server gave per field id (e.g. from a refused order); each clears when its field is edited. */
  @property({ attribute: false }) serverErrors: Readonly<Record<string, string>> = {}

  @state() private touched: ReadonlySet<string> = new Set()
  @state() private uploads: Readonly<Record<string, UploadState>> = {}

  private ownClient: SratixClient | undefined

  private get effectiveLocale(): FormLocale {
    return this.locale ?? this.context?.locale ?? resolveLocale(null)
  }

  private get client(): SratixClient | undefined {
    if (this.context?.client) return this.context.client
    if (this.apiBase) this.ownClient ??= createSratixClient({ baseUrl: this.apiBase })
    return this.ownClient
  }

  /** The answers of the fields the person can see: what to submit. */
  get value(): Answers {
    if (!this.definition) return {}
    const visible = visibleFieldIds(this.definition, this.answers, this.ticketTypeId)
    return Object.fromEntries(Object.entries(this.answers).filter(([id]) => visible.has(id)))
  }

  /** Every problem with the current answers, in the current language. */
  get errors(): ReadonlyArray<FieldError> {
    if (!this.definition) return []
    return validateAnswers(this.definition, this.value, {
      ticketTypeId: this.ticketTypeId,
      locale: this.effectiveLocale,
    })
  }

  /** True when the answers pass validation and no upload is still running. */
  get valid(): boolean {
    return this.errors.length === 0 && Object.keys(this.serverErrors).length === 0 && !this.uploading
  }

  private get uploading(): boolean {
    return Object.values(this.uploads).some((u) => u.status === "uploading")
  }

  /** Shows the message of every visible field at once. Returns `valid`. */
  showErrors(): boolean {
    if (this.definition) this.touched = visibleFieldIds(this.definition, this.answers, this.ticketTypeId)
    return this.valid
  }

  /** Shows every message and moves focus to the first invalid field. Returns `valid`. */
  reportValidity(): boolean {
    if (!this.definition) return true
    this.showErrors()
    const first = this.errors[0]?.field ?? Object.keys(this.serverErrors)[0]
    if (first !== undefined) {
      void this.updateComplete.then(() => {
        const control = this.renderRoot.querySelector<HTMLElement>(`[data-field="${CSS.escape(first)}"]`)
        control?.focus()
      })
    }
    return this.valid
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("definition") || changed.has("ticketTypeId")) this.touched = new Set()
  }

  private setAnswer(field: FormField, value: unknown, touch: boolean): void {
    const next: Record<string, unknown> = { ...this.answers }
    if (value === undefined) delete next[field.id]
    else next[field.id] = value
    this.answers = next
    if (field.id in this.serverErrors) {
      const { [field.id]: _, ...rest } = this.serverErrors
      this.serverErrors = rest
    }
    if (touch) this.touch(field)
    emit(this, "sratix-form-change", { answers: this.value, valid: this.valid, errors: this.errors })
  }

  private touch(field: FormField): void {
    if (!this.touched.has(field.id)) this.touched = new Set([...this.touched, field.id])
  }

  private messageFor(field: FormField): string {
    const server = this.serverErrors[field.id]
    if (server !== undefined) return server
    const upload = this.uploads[field.id]
    if (upload?.status === "failed") return upload.message
    if (!this.touched.has(field.id)) return ""
    return validateField(field, this.answers[field.id], this.effectiveLocale)?.message ?? ""
  }

  private async chooseFile(field: FormField, input: HTMLInputElement): Promise<void> {
    const file = input.files?.[0]
    const locale = this.effectiveLocale
    this.touch(field)
    if (!file) {
      this.setAnswer(field, undefined, true)
      return
    }
    const refused = validateFile(field, file, locale)
    if (refused) {
      input.value = ""
      this.uploads = { ...this.uploads, [field.id]: { status: "failed", message: refused.message } }
      this.setAnswer(field, undefined, true)
      return
    }
    const client = this.client
    if (!client || !this.eventId) {
      this.uploads = {
        ...this.uploads,
        [field.id]: { status: "failed", message: t(locale, "uploadUnavailable") },
      }
      return
    }
    this.uploads = { ...this.uploads, [field.id]: { status: "uploading", name: file.name } }
    try {
      const uploaded = await uploadFile(client, this.eventId, field.id, file, locale)
      this.uploads = { ...this.uploads, [field.id]: { status: "done", name: file.name } }
      this.setAnswer(field, uploaded.uploadId, true)
    } catch (cause) {
      const detail = isSratixProblem(cause) ? cause.message : t(locale, "networkError")
      this.uploads = {
        ...this.uploads,
        [field.id]: { status: "failed", message: t(locale, "uploadFailed", { detail }) },
      }
      this.setAnswer(field, undefined, true)
    }
  }

  protected override render() {
    const definition = this.definition
    const locale = this.effectiveLocale
    const theme = this.theme ?? this.context?.theme ?? "auto"
    if (!definition) return html`<div class="root" part="base" data-theme=${theme} lang=${locale}></div>`
    const fields = visibleFields(definition, this.answers, this.ticketTypeId)
    const sections = new Map(definition.sections.map((s) => [s.id, s]))
    // Fields arrive in section order: consecutive runs of one section become one fieldset.
    const runs: Array<{ section: string | undefined; fields: FormField[] }> = []
    for (const field of fields) {
      const last = runs.at(-1)
      if (last && last.section === field.section) last.fields.push(field)
      else runs.push({ section: field.section, fields: [field] })
    }
    return html`<div class="root" part="base" data-theme=${theme} lang=${locale}>
      ${runs.map(({ section, fields }) => {
        const info = section === undefined ? undefined : sections.get(section)
        const body = fields.map((f) => this.renderField(f, locale))
        return info
          ? html`<fieldset class="section" part="section"><legend>${localize(info.label, locale)}</legend>${body}</fieldset>`
          : html`<div class="section">${body}</div>`
      })}
    </div>`
  }

  private renderField(field: FormField, locale: FormLocale): TemplateResult {
    if (field.type === "group") {
      return html`<fieldset class="field group" part="field">
        <legend>${localize(field.label, locale)}</legend>
        ${field.help ? html`<p class="help" part="help">${localize(field.help, locale)}</p>` : nothing}
        ${(field.fields ?? []).map((child) => this.renderField(child, locale))}
      </fieldset>`
    }
    const message = this.messageFor(field)
    const invalid = message !== ""
    const id = `f-${field.id}`
    const helpId = field.help ? `h-${field.id}` : undefined
    const errorId = `e-${field.id}`
    const describedBy = [helpId, errorId].filter(Boolean).join(" ")
    const label = localize(field.label, locale)
    const required = field.required
      ? html`<span class="required" aria-hidden="true">*</span><span class="visually-hidden">(${t(locale, "requiredMark")})</span>`
      : nothing
    const help = field.help
      ? html`<p class="help" part="help" id=${helpId!}>${localize(field.help, locale)}</p>`
      : nothing
    const error = html`<p class="error" part="error" id=${errorId} aria-live="polite">${message}</p>`
    const answer = this.answers[field.id]

    if (field.type === "radio" || field.type === "multi-select") {
      const multi = field.type === "multi-select"
      const chosen = multi ? (Array.isArray(answer) ? (answer as string[]) : []) : answer
      return html`<div class="field" part="field">
        <fieldset aria-describedby=${describedBy} aria-invalid=${invalid ? "true" : "false"}>
          <legend part="label">${label}${required}</legend>
          ${(field.options ?? []).map(
            (option, index) =>
              html`<label class="choice"
                ><input
                  type=${multi ? "checkbox" : "radio"}
                  name=${field.id}
                  data-field=${ifDefined(index === 0 ? field.id : undefined)}
                  .checked=${live(multi ? (chosen as string[]).includes(option.value) : chosen === option.value)}
                  @change=${(e: Event) => {
                    const checked = (e.target as HTMLInputElement).checked
                    if (!multi) return this.setAnswer(field, option.value, true)
                    const current = Array.isArray(this.answers[field.id]) ? (this.answers[field.id] as string[]) : []
                    const next = checked ? [...current, option.value] : current.filter((v) => v !== option.value)
                    this.setAnswer(field, next.length > 0 ? next : undefined, true)
                  }}
                />${localize(option.label, locale)}</label
              >`,
          )}
        </fieldset>
        ${help}${error}
      </div>`
    }

    if (field.type === "checkbox" || field.type === "consent") {
      return html`<div class="field" part="field">
        <label class="choice" part="label"
          ><input
            type="checkbox"
            id=${id}
            data-field=${field.id}
            aria-required=${field.required ? "true" : "false"}
            aria-invalid=${invalid ? "true" : "false"}
            aria-describedby=${describedBy}
            .checked=${live(answer === true)}
            @change=${(e: Event) => this.setAnswer(field, (e.target as HTMLInputElement).checked, true)}
          />${label}${required}</label
        >
        ${help}${error}
      </div>`
    }

    const common = {
      id,
      describedBy,
      invalid: invalid ? "true" : "false",
      required: field.required ? "true" : "false",
    }
    let control: TemplateResult
    switch (field.type) {
      case "select":
      case "country":
      case "canton": {
        const options =
          field.type === "select"
            ? (field.options ?? []).map((o) => ({ value: o.value, label: localize(o.label, locale) }))
            : field.type === "canton"
              ? CANTONS.map((c) => ({ value: c.code, label: c.name[locale] }))
              : COUNTRY_CODES.map((code) => ({ value: code, label: countryName(code, locale) })).sort((a, b) =>
                  a.label.localeCompare(b.label, locale),
                )
        control = html`<select
          part="input"
          id=${common.id}
          data-field=${field.id}
          aria-required=${common.required}
          aria-invalid=${common.invalid}
          aria-describedby=${common.describedBy}
          @change=${(e: Event) => this.setAnswer(field, (e.target as HTMLSelectElement).value || undefined, true)}
        >
          <option value="" ?selected=${answer === undefined}>${t(locale, "choose")}</option>
          ${options.map((o) => html`<option value=${o.value} ?selected=${answer === o.value}>${o.label}</option>`)}
        </select>`
        break
      }
      case "textarea":
        control = html`<textarea
          part="input"
          id=${common.id}
          data-field=${field.id}
          rows="4"
          placeholder=${ifDefined(field.placeholder ? localize(field.placeholder, locale) : undefined)}
          aria-required=${common.required}
          aria-invalid=${common.invalid}
          aria-describedby=${common.describedBy}
          .value=${live(typeof answer === "string" ? answer : "")}
          @input=${(e: Event) => this.setAnswer(field, (e.target as HTMLTextAreaElement).value || undefined, false)}
          @blur=${() => this.touch(field)}
        ></textarea>`
        break
      case "file": {
        const upload = this.uploads[field.id]
        const accept = field.validation?.fileTypes?.join(",")
        control = html`<input
            part="input"
            type="file"
            id=${common.id}
            data-field=${field.id}
            accept=${ifDefined(accept)}
            aria-required=${common.required}
            aria-invalid=${common.invalid}
            aria-describedby=${common.describedBy}
            @change=${(e: Event) => this.chooseFile(field, e.target as HTMLInputElement)}
          />
          <p class="help" part="help" aria-live="polite">
            ${
              upload?.status === "uploading"
                ? t(locale, "uploading")
                : upload?.status === "done"
                  ? t(locale, "uploaded", { name: upload.name })
                  : nothing
            }
          </p>`
        break
      }
      default: {
        const type = INPUT_TYPES[field.type] ?? "text"
        const autocomplete = field.normalizeAs && AUTOCOMPLETE[field.normalizeAs]
        const rules = field.validation
        control = html`<input
          part="input"
          type=${type}
          id=${common.id}
          data-field=${field.id}
          autocomplete=${ifDefined(autocomplete)}
          min=${ifDefined(rules?.min !== undefined ? String(rules.min) : undefined)}
          max=${ifDefined(rules?.max !== undefined ? String(rules.max) : undefined)}
          placeholder=${ifDefined(field.placeholder ? localize(field.placeholder, locale) : undefined)}
          aria-required=${common.required}
          aria-invalid=${common.invalid}
          aria-describedby=${common.describedBy}
          .value=${live(answer === undefined || answer === null ? "" : String(answer))}
          @input=${(e: Event) => {
            const input = e.target as HTMLInputElement
            const raw = input.value
            const value = raw === "" ? undefined : field.type === "number" ? Number(raw) : raw
            this.setAnswer(field, value, false)
          }}
          @blur=${() => this.touch(field)}
        />`
      }
    }
    return html`<div class="field" part="field">
      <label for=${id} part="label">${label}${required}</label>
      ${control}${help}${error}
    </div>`
  }
}
