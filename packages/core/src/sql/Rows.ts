import { Effect, Schema } from "effect"

/** Pagination: opaque cursor over UUIDv7 ids, which sort by creation time. */
export const encodeCursor = (id: string) => Buffer.from(id, "utf8").toString("base64url")
export const decodeCursor = (cursor: string | undefined): string | null => {
  if (cursor === undefined) return null
  const id = Buffer.from(cursor, "base64url").toString("utf8")
  return /^[0-9a-f-]{36}$/.test(id) ? id : null
}

export interface PageResult<A> {
  readonly items: ReadonlyArray<A>
  readonly nextCursor: string | null
}

/** Rows were fetched with `limit + 1`; the extra row only says whether there is a next page. */
export const toPage = <A extends { readonly id: string }>(rows: ReadonlyArray<A>, limit: number): PageResult<A> => {
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null }
}

/**
 * Turns a database row into a domain object. JSON columns arrive as text and booleans as 0/1 on
 * both engines; everything else already has its domain type. The domain schema then checks the
 * row, so corrupt data fails loudly instead of leaking into responses.
 */
export const rowDecoder = <A, Fields extends Schema.Struct.Fields>(
  schema: { readonly fields: Fields; new (props: Schema.Struct.Type<Fields>, disableValidation?: boolean): A },
  options: { readonly json?: ReadonlyArray<string>; readonly bool?: ReadonlyArray<string> } = {},
) => {
  const validate = Schema.decodeUnknown(Schema.typeSchema(Schema.Struct(schema.fields)))
  // Validated once by `validate`; the class constructor would check every field a second time.
  const decode = (value: unknown) => Effect.map(validate(value), (props) => new schema(props as never, true))
  return (row: Record<string, unknown>): Effect.Effect<A> => {
    const value: Record<string, unknown> = { ...row }
    for (const key of options.json ?? []) {
      const raw = value[key]
      value[key] = typeof raw === "string" ? JSON.parse(raw) : raw
    }
    for (const key of options.bool ?? []) value[key] = value[key] === 1 || value[key] === true
    for (const [key, raw] of Object.entries(value)) {
      if (typeof raw === "bigint") value[key] = Number(raw)
    }
    return Effect.orDie(decode(value))
  }
}

/** Rows changed by a raw UPDATE on either engine (mysql2 ResultSetHeader, better-sqlite3 RunResult). */
export const affectedRows = (raw: unknown): number => {
  const r = raw as { affectedRows?: number; changes?: number }
  return Number(r.affectedRows ?? r.changes ?? 0)
}
