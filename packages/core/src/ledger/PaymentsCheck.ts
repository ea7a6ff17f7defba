import { SqlClient } from "@effect/sql"
import type { Fragment } from "@effect/sql/Statement"
import { Effect, Option, Stream } from "effect"
import { tenantScope } from "../sql/Tenant.js"
import type { AuditCheck, AuditFinding } from "./Audit.js"
import { decimalAmount } from "./Export.js"
import type { LedgerScope } from "./Ledger.js"

const PAGE = 500

/** Net money per order and currency, on one side of the comparison. */
type Sums = Map<string, Map<string, number>>

const describe = (sums: Map<string, number> | undefined) =>
  sums === undefined || sums.size === 0
    ? "nothing"
    : [...sums].map(([currency, minor]) => `${currency} ${decimalAmount(minor, currency)}`).join(" + ")

const same = (a: Map<string, number> | undefined, b: Map<string, number> | undefined) => {
  const keys = new Set([...(a?.keys() ?? []), ...(b?.keys() ?? [])])
  return [...keys].every((k) => (a?.get(k) ?? 0) === (b?.get(k) ?? 0))
}

const collect = (rows: ReadonlyArray<{ orderId: string; currency: string; net: number | bigint | string | null }>) => {
  const sums: Sums = new Map()
  for (const r of rows) {
    const perCurrency = sums.get(r.orderId) ?? new Map<string, number>()
    perCurrency.set(r.currency, (perCurrency.get(r.currency) ?? 0) + Number(r.net ?? 0))
    sums.set(r.orderId, perCurrency)
  }
  return sums
}

/**
 * "Ledger sums match payments" (migration 4's tables): for every order, the sum of its ledger entries
 * (all series) per currency equals its succeeded payments minus its succeeded refunds, since
 * `Payments` writes one charge per payment received and one negative refund entry per refund, in the
 * same transaction. Two keyset walks over order ids, a page of orders at a time: orders with payments
 * (each compared with the ledger), then orders on the ledger (those with no payment at all). The
 * series scope does not apply: a sum per order spans every series it appears in.
 */
export const paymentsMatchLedger: AuditCheck = {
  name: "payments",
  description: "every order's ledger entries add up to its succeeded payments minus its succeeded refunds",
  run: (scope: LedgerScope) =>
    Stream.unwrap(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const visible = yield* tenantScope(sql)
        const org = scope.orgId === undefined ? sql`` : sql`AND org_id = ${scope.orgId}`
        const where = (extra: Fragment) => sql`${visible} ${org} ${extra}`

        const ledgerSums = (orderIds: ReadonlyArray<string>) =>
          sql<{ orderId: string; currency: string; net: number }>`SELECT order_id, currency, SUM(amount_minor) AS net
            FROM invoice_ledger WHERE ${where(sql`AND order_id IN ${sql.in(orderIds)}`)}
            GROUP BY order_id, currency`.pipe(Effect.map(collect))
        const paymentSums = (orderIds: ReadonlyArray<string>) =>
          Effect.map(
            Effect.all([
              sql<{
                orderId: string
                currency: string
                net: number
              }>`SELECT order_id, currency, SUM(amount_minor) AS net
                FROM payments WHERE ${where(sql`AND status = 'succeeded' AND order_id IN ${sql.in(orderIds)}`)}
                GROUP BY order_id, currency`,
              sql<{
                orderId: string
                currency: string
                net: number
              }>`SELECT order_id, currency, -SUM(amount_minor) AS net
                FROM refunds WHERE ${where(sql`AND status = 'succeeded' AND order_id IN ${sql.in(orderIds)}`)}
                GROUP BY order_id, currency`,
            ]),
            ([paid, refunded]) => collect([...paid, ...refunded]),
          )

        /** The order's latest entry, which the finding is about: the one that should have balanced it. */
        const latestEntry = (orderId: string) =>
          sql<{ id: string; orgId: string; series: string; seq: number | bigint }>`SELECT id, org_id, series, seq
            FROM invoice_ledger WHERE ${where(sql`AND order_id = ${orderId}`)} ORDER BY created_at DESC, id DESC
            LIMIT 1`.pipe(
            Effect.map((rows) => {
              const row = rows[0]
              return row ? { id: row.id, orgId: row.orgId, series: row.series, seq: Number(row.seq) } : null
            }),
          )

        /** Order ids of one table after `after`, a page at a time, as a stream of pages. */
        const orderIdPages = (table: "payments" | "invoice_ledger", filter: Fragment) =>
          Stream.paginateEffect(null as string | null, (after) =>
            sql<{ orderId: string }>`SELECT DISTINCT order_id FROM ${sql(table)}
              WHERE ${where(filter)} ${after === null ? sql`` : sql`AND order_id > ${after}`}
              ORDER BY order_id LIMIT ${PAGE}`.pipe(
              Effect.map((rows) => {
                const ids = rows.map((r) => r.orderId)
                const last = ids[ids.length - 1]
                return [ids, ids.length === PAGE && last ? Option.some(last) : Option.none()] as const
              }),
            ),
          ).pipe(Stream.filter((ids) => ids.length > 0))

        const mismatch = (orderId: string, ledger: Sums, paid: Sums) =>
          Effect.map(
            latestEntry(orderId),
            (entry): AuditFinding => ({
              check: "payments",
              kind: !ledger.has(orderId)
                ? "payment_not_on_ledger"
                : paid.has(orderId)
                  ? "ledger_payments_mismatch"
                  : "ledger_without_payment",
              entry,
              message:
                `order ${orderId}: the ledger holds ${describe(ledger.get(orderId))}, ` +
                `succeeded payments less refunds are ${describe(paid.get(orderId))}`,
            }),
          )

        const compare = (orderIds: ReadonlyArray<string>, only: (orderId: string, paid: Sums) => boolean) =>
          Effect.gen(function* () {
            const [ledger, paid] = yield* Effect.all([ledgerSums(orderIds), paymentSums(orderIds)])
            const wrong = orderIds.filter((id) => only(id, paid) && !same(ledger.get(id), paid.get(id)))
            return yield* Effect.forEach(wrong, (id) => mismatch(id, ledger, paid))
          })

        const withPayments = orderIdPages("payments", sql`AND status = 'succeeded'`).pipe(
          Stream.mapEffect((ids) => compare(ids, () => true)),
        )
        // Orders with payments were compared above; here only those the payments side knows nothing of.
        const ledgerOnly = orderIdPages("invoice_ledger", sql`AND order_id IS NOT NULL`).pipe(
          Stream.mapEffect((ids) => compare(ids, (id, paid) => !paid.has(id))),
        )
        return Stream.concat(withPayments, ledgerOnly).pipe(
          Stream.mapConcat((findings) => findings),
          Stream.orDie,
        )
      }).pipe(Effect.orDie),
    ),
}
