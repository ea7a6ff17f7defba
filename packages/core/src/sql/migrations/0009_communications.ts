import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { DatabaseInfo } from "../Database.js"
import { columnTypes, tableOptions } from "../Ddl.js"

export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const { dialect } = yield* DatabaseInfo
  const t = columnTypes(dialect)
  const opts = tableOptions(dialect)

  const statements = [
    // One row per message the platform sends (docs/email.md). The recipient is stored only as a keyed
    // hash: the log proves what was sent about which order or invoice without keeping an address.
    // `idempotency_key` is the caller's: a retried job finds its row and never sends twice.
    `CREATE TABLE communications (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} REFERENCES events(id),
      idempotency_key ${t.exact(200)} NOT NULL,
      channel ${t.text(8)} NOT NULL,
      template ${t.text(40)} NOT NULL,
      locale ${t.text(2)} NOT NULL,
      recipient_hash ${t.exact(64)} NOT NULL,
      subject_type ${t.text(16)} NOT NULL,
      subject_id ${t.id} NOT NULL,
      status ${t.text(8)} NOT NULL,
      attempts ${t.int} NOT NULL,
      provider ${t.text(20)},
      provider_message_id ${t.exact(255)},
      error ${t.text(500)},
      lease_until ${t.bigint},
      sent_at ${t.bigint},
      created_at ${t.bigint} NOT NULL,
      updated_at ${t.bigint} NOT NULL,
      CONSTRAINT communications_key UNIQUE (idempotency_key),
      CONSTRAINT communications_channel CHECK (channel IN ('email', 'sms')),
      CONSTRAINT communications_status CHECK (status IN ('sending', 'sent', 'failed'))
    )${opts}`,
    `CREATE INDEX communications_org_event ON communications (org_id, event_id, id)`,
    `CREATE INDEX communications_subject ON communications (subject_type, subject_id)`,
  ]
  for (const statement of statements) yield* sql.unsafe(statement)
})
