import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { DatabaseInfo } from "../Database.js"
import { columnTypes, tableOptions } from "../Ddl.js"

export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const { dialect } = yield* DatabaseInfo
  const t = columnTypes(dialect)
  const opts = tableOptions(dialect)
  const stamps = `created_at ${t.bigint} NOT NULL, updated_at ${t.bigint} NOT NULL`

  const statements = [
    // The outbox of fulfilment: a row is written in the transaction that makes an order paid, so a
    // process that dies between that commit and the enqueue leaves a `pending` row the sweep finds.
    `CREATE TABLE order_fulfilments (
      order_id ${t.id} PRIMARY KEY REFERENCES orders(id),
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} NOT NULL REFERENCES events(id),
      status ${t.text(16)} NOT NULL,
      tickets ${t.int},
      completed_at ${t.bigint},
      ${stamps},
      CONSTRAINT order_fulfilments_status CHECK (status IN ('pending', 'done', 'skipped'))
    )${opts}`,
    `CREATE INDEX order_fulfilments_pending ON order_fulfilments (status, updated_at)`,
    // One row per camt.054 file read; the hash makes a second import of the very same file a no-op.
    `CREATE TABLE bank_imports (
      id ${t.id} PRIMARY KEY,
      file_hash ${t.exact(64)} NOT NULL,
      file_name ${t.text(255)} NOT NULL,
      message_id ${t.exact(255)} NOT NULL,
      schema_version ${t.text(32)} NOT NULL,
      credits ${t.int} NOT NULL,
      matched ${t.int} NOT NULL,
      needs_review ${t.int} NOT NULL,
      duplicates ${t.int} NOT NULL,
      ${stamps},
      CONSTRAINT bank_imports_file_hash UNIQUE (file_hash)
    )${opts}`,
    // Every credit seen, unique by the bank's own reference for it (per account): an overlapping
    // file finds its credits here and changes nothing. Credits that did not match exactly wait for
    // a person (`needs_review`, with the reason) and are never applied by guess.
    `CREATE TABLE bank_credits (
      id ${t.id} PRIMARY KEY,
      import_id ${t.id} NOT NULL REFERENCES bank_imports(id),
      account_iban ${t.exact(34)} NOT NULL,
      bank_ref ${t.exact(255)} NOT NULL,
      amount_minor ${t.bigint} NOT NULL,
      currency ${t.exact(3)} NOT NULL,
      payment_reference ${t.exact(64)},
      debtor_name ${t.text(140)},
      booked_on ${t.text(10)},
      status ${t.text(16)} NOT NULL,
      reason ${t.text(32)},
      org_id ${t.id},
      event_id ${t.id},
      invoice_id ${t.id},
      order_id ${t.id},
      payment_id ${t.id},
      ${stamps},
      CONSTRAINT bank_credits_ref UNIQUE (account_iban, bank_ref),
      CONSTRAINT bank_credits_status CHECK (status IN ('matched', 'needs_review', 'resolved'))
    )${opts}`,
    `CREATE INDEX bank_credits_status ON bank_credits (status, id)`,
  ]
  for (const statement of statements) yield* sql.unsafe(statement)
})
