import { createContext } from "@lit/context"
import type { FormLocale } from "@sratix/core/forms"
import type { SratixClient } from "@sratix/sdk"

export type Theme = "light" | "dark" | "auto"

/**
 * What a containing widget shares with the widgets inside it: one SDK client (one connection
 * setup, one base URL), the visitor's language and the colour scheme. `<sratix-checkout>` provides
 * it; `<sratix-form>` consumes it when nested and falls back to its own attributes when alone.
 */
export interface SratixContextValue {
  readonly client: SratixClient | undefined
  readonly locale: FormLocale
  readonly theme: Theme
}

export const sratixContext = createContext<SratixContextValue>(Symbol.for("sratix/context"))

export const LOCALES: ReadonlyArray<FormLocale> = ["en", "de", "fr", "it"]

/** The attribute value if it names a supported language, else the first supported language of the page. */
export const resolveLocale = (value: string | null | undefined): FormLocale => {
  const candidates = [value, document.documentElement.lang, ...navigator.languages]
  for (const candidate of candidates) {
    const base = candidate?.toLowerCase().split("-")[0]
    if (base && (LOCALES as ReadonlyArray<string>).includes(base)) return base as FormLocale
  }
  return "en"
}
