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
    // Ed25519 keys that sign ticket codes, per event. `active_event_id` is the event's id while the
    // key signs and NULL once retired: its unique index allows one active key per event on both
    // engines (both let NULLs repeat). Private keys are AES-256-GCM ciphertext (docs/tickets.md).
    `CREATE TABLE event_signing_keys (
      event_id ${t.id} NOT NULL REFERENCES events(id),
      kid ${t.exact(8)} NOT NULL,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      public_key ${t.exact(64)} NOT NULL,
      private_key_enc ${t.exact(255)} NOT NULL,
      active_event_id ${t.id},
      retired_at ${t.bigint},
      ${stamps},
      PRIMARY KEY (event_id, kid),
      CONSTRAINT event_signing_keys_active UNIQUE (active_event_id)
    )${opts}`,
    `CREATE TABLE tickets (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} NOT NULL REFERENCES events(id),
      order_id ${t.id} NOT NULL REFERENCES orders(id),
      seat_index ${t.int} NOT NULL,
      ticket_type_id ${t.id} NOT NULL REFERENCES ticket_types(id),
      attendee_name ${t.text(400)} NOT NULL,
      attendee_email ${t.exact(254)} NOT NULL,
      status ${t.text(8)} NOT NULL,
      code ${t.exact(160)} NOT NULL,
      key_id ${t.exact(8)} NOT NULL,
      void_reason ${t.text(200)},
      voided_at ${t.bigint},
      ${stamps},
      CONSTRAINT tickets_order_seat UNIQUE (order_id, seat_index),
      CONSTRAINT tickets_status CHECK (status IN ('valid', 'void'))
    )${opts}`,
    `CREATE INDEX tickets_event_status ON tickets (event_id, status, id)`,
    `CREATE INDEX tickets_event_updated ON tickets (event_id, updated_at)`,
  ]
  for (const statement of statements) yield* sql.unsafe(statement)
})
