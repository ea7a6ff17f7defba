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
    // Which tickets a door admits and when. `ticket_type_ids` is a JSON array (NULL = every type);
    // `attention` holds the special-attention rules (docs/checkin.md).
    `CREATE TABLE checkin_lists (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} NOT NULL REFERENCES events(id),
      name ${t.text(200)} NOT NULL,
      ticket_type_ids ${t.json},
      valid_from ${t.bigint},
      valid_until ${t.bigint},
      reentry ${t.bool} NOT NULL,
      attention ${t.json} NOT NULL,
      ${stamps}
    )${opts}`,
    `CREATE INDEX checkin_lists_event ON checkin_lists (event_id, id)`,
    // One-time enrolment codes, stored as SHA-256 only; `used_at` set once, by a conditional update.
    `CREATE TABLE checkin_enrolment_codes (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} NOT NULL REFERENCES events(id),
      list_id ${t.id} NOT NULL REFERENCES checkin_lists(id),
      device_name ${t.text(100)} NOT NULL,
      code_hash ${t.exact(64)} NOT NULL,
      expires_at ${t.bigint} NOT NULL,
      used_at ${t.bigint},
      device_id ${t.id},
      ${stamps},
      CONSTRAINT checkin_enrolment_codes_hash UNIQUE (code_hash)
    )${opts}`,
    // Enrolled scanners. Their API key (role scanner, one event) is the token; the pack key is derived
    // from the server secret and `key_salt`, so no key material is stored.
    `CREATE TABLE checkin_devices (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} NOT NULL REFERENCES events(id),
      list_id ${t.id} NOT NULL REFERENCES checkin_lists(id),
      name ${t.text(100)} NOT NULL,
      api_key_id ${t.id} NOT NULL REFERENCES api_keys(id),
      key_salt ${t.exact(64)} NOT NULL,
      revoked_at ${t.bigint},
      ${stamps},
      CONSTRAINT checkin_devices_api_key UNIQUE (api_key_id)
    )${opts}`,
    `CREATE INDEX checkin_devices_event ON checkin_devices (event_id, id)`,
    // Every admission any device reported, winners and losers alike: conflicts are kept, never lost.
    // `id` is the device's own id for the check-in, so a repeated sync inserts nothing; `seq` is the
    // event's sync cursor, handed out under the row lock of checkin_cursors, so it grows in commit order.
    `CREATE TABLE check_ins (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} NOT NULL REFERENCES events(id),
      list_id ${t.id} NOT NULL REFERENCES checkin_lists(id),
      ticket_id ${t.id} NOT NULL REFERENCES tickets(id),
      device_id ${t.exact(80)} NOT NULL,
      device_time ${t.bigint} NOT NULL,
      seq ${t.bigint} NOT NULL,
      received_at ${t.bigint} NOT NULL,
      ${stamps},
      CONSTRAINT check_ins_event_seq UNIQUE (event_id, seq)
    )${opts}`,
    `CREATE INDEX check_ins_ticket ON check_ins (ticket_id, device_time, id)`,
    `CREATE TABLE checkin_cursors (
      event_id ${t.id} PRIMARY KEY REFERENCES events(id),
      seq ${t.bigint} NOT NULL,
      ${stamps}
    )${opts}`,
  ]
  for (const statement of statements) yield* sql.unsafe(statement)
})
