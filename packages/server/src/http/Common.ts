import type { Locale } from "@sratix/core"
import { Schema } from "effect"

/** Query parameters of every cursor-paginated list. */
export const PageQuery = Schema.Struct({
  cursor: Schema.optional(Schema.String.pipe(Schema.maxLength(200))),
  limit: Schema.optional(
    Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 200)).annotations({
      jsonSchema: { type: "integer", minimum: 1, maximum: 200, default: 50 },
    }),
  ),
})
export const DEFAULT_PAGE_SIZE = 50

export const Page = <A, I, R>(item: Schema.Schema<A, I, R>, identifier: string) =>
  Schema.Struct({
    items: Schema.Array(item),
    nextCursor: Schema.NullOr(Schema.String).annotations({ description: "Pass as ?cursor= for the next page" }),
  }).annotations({ identifier })

export const Uuid = Schema.String.pipe(Schema.pattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/))

const LOCALES: ReadonlyArray<Locale> = ["en", "de", "fr", "it"]

/** The first of our four languages the visitor's browser asks for (quality order is the header's). */
export const preferredLocale = (header: string | undefined): Locale => {
  for (const part of (header ?? "").split(",")) {
    const tag = part.split(";")[0]!.trim().slice(0, 2).toLowerCase()
    const found = LOCALES.find((l) => l === tag)
    if (found) return found
  }
  return "en"
}
