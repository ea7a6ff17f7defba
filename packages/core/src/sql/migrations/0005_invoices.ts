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
    // Settings, so mutable: every invoice copies what it needs at the moment of issue (docs/invoices.md).
    `CREATE TABLE org_billing_profiles (
      org_id ${t.id} PRIMARY KEY REFERENCES organizations(id),
      legal_name ${t.text(70)} NOT NULL,
      address_lines ${t.json} NOT NULL,
      postcode ${t.text(16)} NOT NULL,
      town ${t.text(35)} NOT NULL,
      country ${t.exact(2)} NOT NULL,
      vat_number ${t.text(30)},
      iban ${t.exact(34)} NOT NULL,
      footer ${t.text(2000)},
      payment_terms_days ${t.int} NOT NULL,
      number_prefixes ${t.json} NOT NULL,
      time_zone ${t.text(64)} NOT NULL,
      ${stamps}
    )${opts}`,
    // The last number of each series (organisation, kind, year). Issuers lock the row (FOR UPDATE on
    // MariaDB; SQLite serialises writers) in the transaction that inserts the invoice, so a number is
    // taken exactly when its invoice commits: no gap, no repeat.
    `CREATE TABLE invoice_counters (
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      kind ${t.text(16)} NOT NULL,
      series_year ${t.int} NOT NULL,
      last_seq ${t.bigint} NOT NULL,
      ${stamps},
      PRIMARY KEY (org_id, kind, series_year)
    )${opts}`,
    // The document as issued: seller, buyer, lines and totals are snapshots, and triggers refuse any
    // UPDATE or DELETE. A mistake is corrected by a credit note, never by an edit.
    `CREATE TABLE invoices (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} REFERENCES events(id),
      kind ${t.text(16)} NOT NULL,
      series_year ${t.int} NOT NULL,
      seq ${t.bigint} NOT NULL,
      number ${t.exact(40)} NOT NULL,
      order_id ${t.id} REFERENCES orders(id),
      credits_invoice_id ${t.id} REFERENCES invoices(id),
      credits_invoice_number ${t.exact(40)},
      currency ${t.exact(3)} NOT NULL,
      locale ${t.exact(2)} NOT NULL,
      seller ${t.json} NOT NULL,
      buyer ${t.json} NOT NULL,
      line_items ${t.json} NOT NULL,
      subtotal_minor ${t.bigint} NOT NULL,
      discount_minor ${t.bigint} NOT NULL,
      total_minor ${t.bigint} NOT NULL,
      vat_minor ${t.bigint} NOT NULL,
      vat_breakdown ${t.json} NOT NULL,
      payment_reference ${t.exact(27)},
      reference_type ${t.text(4)},
      memo ${t.text(500)},
      time_zone ${t.text(64)} NOT NULL,
      issued_at ${t.bigint} NOT NULL,
      due_at ${t.bigint},
      ${stamps},
      CONSTRAINT invoices_series_seq UNIQUE (org_id, kind, series_year, seq),
      CONSTRAINT invoices_number UNIQUE (org_id, number),
      CONSTRAINT invoices_payment_reference UNIQUE (payment_reference),
      CONSTRAINT invoices_kind CHECK (kind IN ('proforma', 'final', 'credit_note'))
    )${opts}`,
    ...appendOnlyTriggers(dialect, "invoices"),
    `CREATE INDEX invoices_order ON invoices (order_id, kind)`,
    `CREATE INDEX invoices_credits ON invoices (credits_invoice_id)`,
    `CREATE INDEX invoices_event ON invoices (event_id, id)`,
    // What happens to an invoice after issue (paid, cancelled), one row per invoice, written with it.
    `CREATE TABLE invoice_states (
      invoice_id ${t.id} PRIMARY KEY REFERENCES invoices(id),
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      status ${t.text(16)} NOT NULL,
      paid_at ${t.bigint},
      cancelled_at ${t.bigint},
      ${stamps},
      CONSTRAINT invoice_states_status CHECK (status IN ('open', 'paid', 'cancelled'))
    )${opts}`,
    `CREATE INDEX invoice_states_open ON invoice_states (org_id, status)`,
  ]
  for (const statement of statements) yield* sql.unsafe(statement)
})
