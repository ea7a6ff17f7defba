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
    // Which providers an event offers, and whether its Stripe payments run on the test or the live keys.
    `CREATE TABLE event_payment_settings (
      event_id ${t.id} PRIMARY KEY REFERENCES events(id),
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      providers ${t.json} NOT NULL,
      stripe_mode ${t.text(8)} NOT NULL,
      invoice_due_days ${t.int} NOT NULL,
      ${stamps}
    )${opts}`,
    // One attempt to pay an order: a Checkout Session, an invoice awaiting a bank transfer, a manual record.
    // provider_ref is what the provider knows the attempt by (session id, payment reference), unique per provider.
    `CREATE TABLE payments (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} NOT NULL REFERENCES events(id),
      order_id ${t.id} NOT NULL REFERENCES orders(id),
      provider ${t.text(16)} NOT NULL,
      mode ${t.text(8)} NOT NULL,
      status ${t.text(16)} NOT NULL,
      amount_minor ${t.bigint} NOT NULL,
      refunded_minor ${t.bigint} NOT NULL,
      currency ${t.exact(3)} NOT NULL,
      provider_ref ${t.exact(255)} NOT NULL,
      provider_payment_ref ${t.exact(255)},
      redirect_url ${t.text(2048)},
      invoice_id ${t.id},
      failure_reason ${t.text(500)},
      expires_at ${t.bigint},
      succeeded_at ${t.bigint},
      ${stamps},
      CONSTRAINT payments_provider_ref UNIQUE (provider, provider_ref),
      CONSTRAINT payments_status CHECK (status IN ('pending', 'succeeded', 'failed', 'expired', 'cancelled'))
    )${opts}`,
    `CREATE INDEX payments_order ON payments (order_id)`,
    `CREATE INDEX payments_pending ON payments (status, provider, created_at)`,
    `CREATE TABLE refunds (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} NOT NULL REFERENCES events(id),
      order_id ${t.id} NOT NULL REFERENCES orders(id),
      payment_id ${t.id} NOT NULL REFERENCES payments(id),
      amount_minor ${t.bigint} NOT NULL,
      currency ${t.exact(3)} NOT NULL,
      status ${t.text(16)} NOT NULL,
      provider_ref ${t.exact(255)},
      reason ${t.text(500)},
      credit_note_id ${t.id},
      ${stamps},
      CONSTRAINT refunds_provider_ref UNIQUE (provider_ref)
    )${opts}`,
    `CREATE INDEX refunds_order ON refunds (order_id)`,
    // A webhook event is processed once: its row is written in the same transaction as its effects,
    // so a delivery that fails halfway leaves no row and the provider's retry does the work.
    `CREATE TABLE webhook_events (
      provider ${t.text(16)} NOT NULL,
      event_id ${t.exact(255)} NOT NULL,
      event_type ${t.text(100)} NOT NULL,
      order_id ${t.id},
      outcome ${t.text(32)} NOT NULL,
      ${stamps},
      PRIMARY KEY (provider, event_id)
    )${opts}`,
  ]
  for (const statement of statements) yield* sql.unsafe(statement)
})
