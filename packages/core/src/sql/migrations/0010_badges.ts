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
    // Badge templates per event, and optionally per ticket type. `scope` is the ticket type id or
    // '*' for the event's default, so the unique key holds on both engines (NULLs would repeat).
    // Sizes are stored resolved, in micrometres: integers, identical on both engines.
    `CREATE TABLE badge_templates (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} NOT NULL REFERENCES events(id),
      ticket_type_id ${t.id} REFERENCES ticket_types(id),
      scope ${t.exact(36)} NOT NULL,
      name ${t.text(200)} NOT NULL,
      size ${t.text(8)} NOT NULL,
      width_um ${t.int} NOT NULL,
      height_um ${t.int} NOT NULL,
      html ${t.longText} NOT NULL,
      css ${t.longText} NOT NULL,
      assets ${t.json} NOT NULL,
      colors ${t.json} NOT NULL,
      fields ${t.json} NOT NULL,
      version ${t.int} NOT NULL,
      ${stamps},
      CONSTRAINT badge_templates_scope UNIQUE (event_id, scope)
    )${opts}`,
    // Where and when a wallet pass becomes relevant on the lock screen; the venue's address alone
    // carries no coordinates.
    `CREATE TABLE event_wallet_settings (
      event_id ${t.id} PRIMARY KEY REFERENCES events(id),
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      latitude_e6 ${t.int},
      longitude_e6 ${t.int},
      background_color ${t.exact(7)},
      foreground_color ${t.exact(7)},
      ${stamps}
    )${opts}`,
  ]
  for (const statement of statements) yield* sql.unsafe(statement)
})
