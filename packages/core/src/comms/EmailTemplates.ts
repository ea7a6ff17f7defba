import { Effect } from "effect"
import type { Locale } from "../domain/Common.js"
import { BUILTIN_TEMPLATES, type TemplateName } from "./Builtin.js"
import {
  type CompiledTemplate,
  compileTemplate,
  LOCALES,
  type RenderedEmail,
  renderTemplate,
  type TemplateData,
  type TemplateInvalid,
  type TemplateSource,
} from "./Template.js"

/**
 * The email templates, each language compiled from MJML once per process and kept: a send only
 * fills placeholders into ready HTML (docs/benchmarks.md has the difference).
 */
export class EmailTemplates extends Effect.Service<EmailTemplates>()("sratix/comms/EmailTemplates", {
  sync: () => {
    // Keyed by the source object: an edited template is a new object and never meets a stale compilation.
    const compiled = new WeakMap<TemplateSource, Map<Locale, CompiledTemplate>>()

    const compiledFor = (source: TemplateSource, locale: Locale): Effect.Effect<CompiledTemplate, TemplateInvalid> => {
      const hit = compiled.get(source)?.get(locale)
      if (hit !== undefined) return Effect.succeed(hit)
      return Effect.tap(compileTemplate(source, locale), (template) =>
        Effect.sync(() => {
          const byLocale = compiled.get(source) ?? new Map<Locale, CompiledTemplate>()
          byLocale.set(locale, template)
          compiled.set(source, byLocale)
        }),
      )
    }

    /**
     * Checks a template in all four languages and keeps the compiled result; for a template that is
     * new or edited, before anything is sent with it.
     */
    const load = Effect.fn("EmailTemplates.load")(function* (source: TemplateSource) {
      for (const locale of LOCALES) yield* compiledFor(source, locale)
    })

    const render = Effect.fn("EmailTemplates.render")(function* (
      name: TemplateName,
      locale: Locale,
      data: TemplateData,
    ): Effect.fn.Return<RenderedEmail, TemplateInvalid> {
      return yield* renderTemplate(yield* compiledFor(BUILTIN_TEMPLATES[name], locale), data)
    })

    /** Any template, built in or not, e.g. one being edited. */
    const renderSource = Effect.fn("EmailTemplates.renderSource")(function* (
      source: TemplateSource,
      locale: Locale,
      data: TemplateData,
    ): Effect.fn.Return<RenderedEmail, TemplateInvalid> {
      return yield* renderTemplate(yield* compiledFor(source, locale), data)
    })

    return { load, render, renderSource } as const
  },
}) {}
