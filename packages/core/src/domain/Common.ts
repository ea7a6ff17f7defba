import { ParseResult, Schema } from "effect"

/**
 * An instant on the wire as an ISO-8601 string with offset, in memory and in the database as
 * epoch milliseconds: integer arithmetic for windows and expiry, one representation on both engines.
 */
export const Timestamp = Schema.transformOrFail(
  Schema.String.annotations({ format: "date-time", examples: ["2026-09-10T08:00:00Z"] }),
  Schema.Number,
  {
    strict: true,
    decode: (s, _, ast) => {
      const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(s)
        ? Date.parse(s)
        : Number.NaN
      return Number.isFinite(ms)
        ? ParseResult.succeed(ms)
        : ParseResult.fail(new ParseResult.Type(ast, s, "must be an ISO-8601 date-time with offset"))
    },
    encode: (ms) => ParseResult.succeed(new Date(ms).toISOString()),
  },
).annotations({ identifier: "Timestamp" })

/** Amounts of money are integers in the currency's minor unit (Rappen, cents). */
export const MinorUnits = Schema.Int.pipe(Schema.nonNegative(), Schema.lessThanOrEqualTo(100_000_000_00)).annotations({
  identifier: "MinorUnits",
  description: "Amount in minor units (e.g. Rappen)",
})

/** VAT rate in basis points: 810 = 8.1 %. */
export const VatRateBp = Schema.Int.pipe(Schema.between(0, 10_000)).annotations({
  identifier: "VatRateBp",
  description: "VAT rate in basis points (810 = 8.1 %)",
})

export const Currency = Schema.Literal("CHF", "EUR")
export type Currency = typeof Currency.Type

export const Slug = Schema.String.pipe(
  Schema.pattern(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, {
    message: () => "must be lowercase letters, digits and single hyphens",
  }),
  Schema.maxLength(100),
)

export const Name = Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(200))
export const Description = Schema.String.pipe(Schema.maxLength(10_000))

/** Stored lower-cased; the length is checked after lower-casing, which can lengthen a string ("İ"). */
export const Email = Schema.Trim.pipe(
  Schema.maxLength(254),
  Schema.pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: () => "must be an email address" }),
  Schema.transform(Schema.String.pipe(Schema.maxLength(254, { message: () => "is too long" })), {
    strict: true,
    decode: (s) => s.toLowerCase(),
    encode: (s) => s,
  }),
)

/** Zones already accepted by Intl: constructing a formatter per check costs ~50 µs on every row read. */
const knownTimeZones = new Set<string>()
const isTimeZone = (tz: string) => {
  if (knownTimeZones.has(tz)) return true
  if (tz.length === 0 || tz.length > 64) return false
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz })
  } catch {
    return false
  }
  knownTimeZones.add(tz)
  return true
}

export const TimeZone = Schema.String.pipe(
  Schema.filter(isTimeZone, { message: () => "must be an IANA time zone such as Europe/Zurich" }),
)

export const Locale = Schema.Literal("en", "de", "fr", "it")
export type Locale = typeof Locale.Type

/** Values read back from either engine: MySQL returns BIGINT as number, SQLite booleans as 0/1. */
export const DbInt = Schema.Union(Schema.Number, Schema.NumberFromString)
export const DbBool = Schema.transform(Schema.Union(Schema.Number, Schema.Boolean), Schema.Boolean, {
  strict: true,
  decode: (v) => v === true || v === 1,
  encode: (b) => b,
})
export const DbJson = <A, I>(schema: Schema.Schema<A, I>) => Schema.parseJson(schema)

export const Cursor = Schema.String.pipe(Schema.maxLength(200))

export const PageParams = Schema.Struct({
  cursor: Schema.optional(Cursor),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 200))),
})

export const Page = <A, I, R>(item: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    items: Schema.Array(item),
    nextCursor: Schema.NullOr(Schema.String),
  })
