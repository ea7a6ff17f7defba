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
    // A version is evidence of what people saw: once written it never changes (triggers refuse it).
    `CREATE TABLE form_schemas (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} NOT NULL REFERENCES events(id),
      version ${t.int} NOT NULL,
      name ${t.text(200)} NOT NULL,
      definition ${t.json} NOT NULL,
      definition_sha256 ${t.exact(64)} NOT NULL,
      created_by ${t.id},
      ${stamps},
      CONSTRAINT form_schemas_event_version UNIQUE (event_id, version)
    )${opts}`,
    ...appendOnlyTriggers(dialect, "form_schemas"),
    `CREATE TABLE event_forms (
      event_id ${t.id} PRIMARY KEY REFERENCES events(id),
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      schema_id ${t.id} NOT NULL REFERENCES form_schemas(id),
      ${stamps}
    )${opts}`,
    `CREATE TABLE form_submissions (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} NOT NULL REFERENCES events(id),
      order_id ${t.id} NOT NULL REFERENCES orders(id),
      attendee_index ${t.int} NOT NULL,
      ticket_type_id ${t.id} NOT NULL REFERENCES ticket_types(id),
      schema_id ${t.id} NOT NULL REFERENCES form_schemas(id),
      schema_version ${t.int} NOT NULL,
      locale ${t.text(8)} NOT NULL,
      answers ${t.json} NOT NULL,
      submitted_at ${t.bigint} NOT NULL,
      ip_hash ${t.exact(64)},
      email ${t.exact(254)},
      first_name ${t.text(200)},
      last_name ${t.text(200)},
      full_name ${t.text(400)},
      organization ${t.text(300)},
      phone ${t.text(40)},
      dietary_flags ${t.text(500)},
      ${stamps},
      CONSTRAINT form_submissions_order_attendee UNIQUE (order_id, attendee_index)
    )${opts}`,
    `CREATE INDEX form_submissions_event ON form_submissions (event_id, id)`,
    `CREATE INDEX form_submissions_email ON form_submissions (event_id, email)`,
    `CREATE INDEX form_submissions_organization ON form_submissions (event_id, organization)`,
    `CREATE INDEX form_submissions_version ON form_submissions (event_id, schema_version)`,
    `CREATE TABLE form_consents (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} NOT NULL REFERENCES events(id),
      submission_id ${t.id} NOT NULL REFERENCES form_submissions(id),
      field_id ${t.exact(64)} NOT NULL,
      purpose ${t.text(100)} NOT NULL,
      legal_basis ${t.text(32)} NOT NULL,
      granted ${t.bool} NOT NULL,
      decided_at ${t.bigint} NOT NULL,
      ${stamps}
    )${opts}`,
    `CREATE INDEX form_consents_purpose ON form_consents (event_id, purpose, granted)`,
    `CREATE INDEX form_consents_submission ON form_consents (submission_id)`,
    // Uploaded files wait here, unclaimed, until the order that uses them is placed.
    `CREATE TABLE form_uploads (
      id ${t.exact(80)} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} NOT NULL REFERENCES events(id),
      field_id ${t.exact(64)} NOT NULL,
      content_type ${t.text(100)} NOT NULL,
      size_bytes ${t.bigint} NOT NULL,
      sha256 ${t.exact(64)} NOT NULL,
      storage_key ${t.exact(200)} NOT NULL,
      original_name ${t.text(255)},
      submission_id ${t.id},
      ${stamps}
    )${opts}`,
    `CREATE INDEX form_uploads_unclaimed ON form_uploads (submission_id, created_at)`,
  ]
  for (const statement of statements) yield* sql.unsafe(statement)
})
