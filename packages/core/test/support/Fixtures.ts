import { SqlClient } from "@effect/sql"
import { Cause, Effect, Exit, Layer, Option } from "effect"
import {
  BillingProfiles,
  Caller,
  type CallerShape,
  type CreatePromoCode,
  type CreateTicketType,
  Database,
  type Event,
  Events,
  type Grant,
  type JobQueue,
  type MailConfigShape,
  Organizations,
  type OrgId,
  type PaymentsConfigShape,
  type PlaceOrder,
  PromoCodes,
  type SetBillingProfile,
  type TicketTypeId,
  TicketTypes,
  withCaller,
} from "../../src/index.js"
import { coreLayer, freshDatabase } from "./Databases.js"

export type Engine = "sqlite" | "mysql"

export interface LayerConfig {
  readonly holdMinutes?: number
  readonly inventoryBuckets?: number
  readonly payments?: Partial<PaymentsConfigShape>
  readonly jobs?: Layer.Layer<JobQueue>
  readonly mail?: Partial<MailConfigShape>
}

/**
 * Core services on a fresh, migrated database of `engine`, dropped when the test's scope closes.
 * The pool is released before the drop (layers release in reverse), so MariaDB never waits on an
 * open connection to drop the schema.
 */
export const testLayer = (engine: Engine, config: LayerConfig = {}) =>
  Layer.unwrapScoped(
    Effect.acquireRelease(
      Effect.promise(() => freshDatabase(engine)),
      (db) => Effect.promise(() => db.drop()),
    ).pipe(Effect.map((db) => coreLayer(db.url, config))),
  )

/** Only a connection to a fresh, empty database: for tests of the migrations themselves. */
export const bareDatabaseLayer = (engine: Engine) =>
  Layer.unwrapScoped(
    Effect.acquireRelease(
      Effect.promise(() => freshDatabase(engine)),
      (db) => Effect.promise(() => db.drop()),
    ).pipe(Effect.map((db) => Database.layer({ url: db.url, maxConnections: 2 }))),
  )

/** `testLayer` with a platform-wide caller, for tests that are not about tenancy. */
export const systemLayer = (engine: Engine, config: LayerConfig = {}) =>
  Layer.merge(testLayer(engine, config), Caller.layerSystem("test"))

/** A fixed "now" for TestClock tests: far from epoch 0, so expiry arithmetic looks like production. */
export const T0 = Date.parse("2026-09-01T08:00:00Z")
export const minutes = (n: number) => n * 60_000

export const callerWith = (grants: ReadonlyArray<Grant>, id = "u-test"): CallerShape => ({
  actor: { type: "user", id },
  grants,
  publicEvent: null,
  meta: { ipHash: null, userAgent: null },
})

let serial = 0
const unique = (prefix: string) => `${prefix}-${process.pid}-${++serial}`

export const ticketTypeInput = (overrides: Partial<CreateTicketType> = {}): CreateTicketType => ({
  name: "Regular",
  priceMinor: 7900,
  vatRateBp: 810,
  capacity: 100,
  minPerOrder: 1,
  maxPerOrder: 10,
  visibility: "public",
  sortOrder: 0,
  ...overrides,
})

export const promoInput = (overrides: Partial<CreatePromoCode> = {}): CreatePromoCode => ({
  code: "SAVE10",
  kind: "percent",
  value: 1000,
  ticketTypeIds: [],
  ...overrides,
})

/** An organisation with one published event (the only kind that sells). */
export const publishedEvent = (orgSlug: string = unique("org")) =>
  Effect.gen(function* () {
    const org = yield* Effect.flatMap(Organizations, (o) => o.create({ name: `Org ${orgSlug}`, slug: orgSlug }))
    const event = yield* eventIn(org.id)
    return { org, event }
  })

export const eventIn = (orgId: OrgId, slug: string = unique("event")) =>
  Effect.gen(function* () {
    const events = yield* Events
    const draft = yield* events.create(orgId, {
      slug,
      name: `Event ${slug}`,
      startsAt: Date.parse("2026-12-01T08:00:00Z"),
      endsAt: Date.parse("2026-12-01T18:00:00Z"),
      timezone: "Europe/Zurich",
      currency: "CHF",
    })
    return yield* events.update(draft.id, { status: "published" })
  })

export const QR_IBAN = "CH4431999123000889012"

export const billingProfileInput = (overrides: Partial<SetBillingProfile> = {}): SetBillingProfile => ({
  legalName: "Swiss Robotics Association",
  addressLines: ["Technoparkstrasse 1"],
  postcode: "8005",
  town: "Zürich",
  country: "CH",
  vatNumber: "CHE-123.456.788 MWST",
  iban: QR_IBAN,
  paymentTermsDays: 30,
  ...overrides,
})

/** A billing profile with a QR-IBAN, so the organisation can sell by invoice. */
export const invoicingProfile = (orgId: OrgId, overrides: Partial<SetBillingProfile> = {}) =>
  Effect.flatMap(BillingProfiles, (p) => p.set(orgId, billingProfileInput(overrides)))

export const createTicketType = (event: Event, overrides: Partial<CreateTicketType> = {}) =>
  Effect.flatMap(TicketTypes, (t) => t.create(event, ticketTypeInput(overrides)))

export const createPromo = (event: Event, overrides: Partial<CreatePromoCode> = {}) =>
  Effect.flatMap(PromoCodes, (p) => p.create(event, promoInput(overrides)))

/** A buyer's request; `n` makes the buyer distinct. */
export const orderInput = (
  items: ReadonlyArray<{ readonly ticketTypeId: TicketTypeId; readonly quantity: number }>,
  n = 0,
  promoCode?: string,
): PlaceOrder => ({
  items,
  buyer: { email: `buyer${n}@example.com`, name: `Buyer ${n}` },
  locale: "en",
  ...(promoCode === undefined ? {} : { promoCode }),
})

let defectsShown = 0

/**
 * What an effect ended in: "ok", the failure's tag (with its `reason`, when it has one, as in
 * `PromoCodeUnavailable:exhausted`), or "defect" for anything unexpected. The first few defects
 * are printed, since a tally alone would hide why a concurrency test failed.
 */
export const outcome = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.exit(effect), (exit): string => {
    if (Exit.isSuccess(exit)) return "ok"
    const failure = Cause.failureOption(exit.cause)
    if (Option.isSome(failure)) {
      const reason = (failure.value as { readonly reason?: unknown }).reason
      return typeof reason === "string" ? `${failure.value._tag}:${reason}` : failure.value._tag
    }
    if (defectsShown++ < 3) console.error(Cause.pretty(exit.cause))
    return "defect"
  })

export const tally = (outcomes: ReadonlyArray<string>) => {
  const counts: Record<string, number> = {}
  for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1
  return counts
}

/** Runs as an anonymous buyer, the way the public checkout calls `Orders.place`. */
export const asBuyer = withCaller(Caller.anonymous)

export const remainingSeats = (ticketTypeId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ n: number | string | null }>`SELECT SUM(remaining) AS n FROM inventory_buckets
      WHERE ticket_type_id = ${ticketTypeId}`.pipe(Effect.map((rows) => Number(rows[0]?.n ?? 0))),
  ).pipe(Effect.orDie)

export const countWhere = (table: string, column: string, value: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM ${sql(table)} WHERE ${sql(column)} = ${value}`.pipe(
      Effect.map((rows) => Number(rows[0]?.n ?? 0)),
    ),
  ).pipe(Effect.orDie)

export const auditActions = (targetId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ action: string }>`SELECT action FROM audit_log WHERE target_id = ${targetId} ORDER BY id`.pipe(
      Effect.map((rows) => rows.map((r) => r.action)),
    ),
  ).pipe(Effect.orDie)
