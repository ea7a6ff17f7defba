import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { DatabaseInfo } from "../Database.js"
import { appendOnlyTriggers, columnTypes, tableOptions } from "../Ddl.js"

export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const { dialect } = yield* DatabaseInfo
  const t = columnTypes(dialect)
  const opts = tableOptions(dialect)
  const stamps = `created_at ${t.bigint} NOT NULL, updated_at ${t.bigint} NOT NULL`

  const statements = [
    // Money history: once written an entry never changes (triggers refuse it); each entry carries
    // the hash of the previous one of its series, so a change made around the triggers shows (docs/ledger.md).
    `CREATE TABLE invoice_ledger (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} REFERENCES events(id),
      series ${t.exact(100)} NOT NULL,
      seq ${t.bigint} NOT NULL,
      entry_type ${t.text(20)} NOT NULL,
      order_id ${t.id},
      amount_minor ${t.bigint} NOT NULL,
      currency ${t.exact(3)} NOT NULL,
      vat ${t.json} NOT NULL,
      reference ${t.text(255)},
      memo ${t.text(1000)},
      prev_hash ${t.exact(64)} NOT NULL,
      hash ${t.exact(64)} NOT NULL,
      ${stamps},
      CONSTRAINT invoice_ledger_series_seq UNIQUE (org_id, series, seq),
      CONSTRAINT invoice_ledger_entry_type CHECK (entry_type IN ('charge', 'refund', 'credit_note', 'adjustment', 'void'))
    )${opts}`,
    ...appendOnlyTriggers(dialect, "invoice_ledger"),
    `CREATE INDEX invoice_ledger_order ON invoice_ledger (order_id)`,
    `CREATE INDEX invoice_ledger_event ON invoice_ledger (event_id, created_at)`,
    // The one mutable row per series: appenders lock it (FOR UPDATE on MariaDB) so they take turns.
    // It is a cache of the chain's end, never its truth: verification reads invoice_ledger only.
    `CREATE TABLE invoice_ledger_heads (
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      series ${t.exact(100)} NOT NULL,
      last_seq ${t.bigint} NOT NULL,
      last_hash ${t.exact(64)} NOT NULL,
      ${stamps},
      PRIMARY KEY (org_id, series)
    )${opts}`,
  ]
  for (const statement of statements) yield* sql.unsafe(statement)
})
