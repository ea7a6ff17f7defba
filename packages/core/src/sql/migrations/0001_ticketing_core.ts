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
    `CREATE TABLE organizations (
      id ${t.id} PRIMARY KEY,
      name ${t.text(200)} NOT NULL,
      slug ${t.exact(100)} NOT NULL,
      ${stamps},
      CONSTRAINT organizations_slug UNIQUE (slug)
    )${opts}`,
    `CREATE TABLE events (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      slug ${t.exact(100)} NOT NULL,
      name ${t.text(200)} NOT NULL,
      description ${t.longText},
      starts_at ${t.bigint} NOT NULL,
      ends_at ${t.bigint} NOT NULL,
      timezone ${t.text(64)} NOT NULL,
      venue ${t.json},
      currency ${t.text(3)} NOT NULL,
      status ${t.text(16)} NOT NULL,
      ${stamps},
      CONSTRAINT events_org_slug UNIQUE (org_id, slug)
    )${opts}`,
    `CREATE INDEX events_status ON events (status, starts_at)`,
    `CREATE TABLE ticket_types (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} NOT NULL REFERENCES events(id),
      name ${t.text(200)} NOT NULL,
      description ${t.longText},
      price_minor ${t.bigint} NOT NULL,
      vat_rate_bp ${t.int} NOT NULL,
      capacity ${t.int} NOT NULL,
      inventory_buckets ${t.int} NOT NULL,
      sales_start_at ${t.bigint},
      sales_end_at ${t.bigint},
      min_per_order ${t.int} NOT NULL,
      max_per_order ${t.int} NOT NULL,
      visibility ${t.text(16)} NOT NULL,
      sort_order ${t.int} NOT NULL,
      ${stamps}
    )${opts}`,
    `CREATE INDEX ticket_types_event ON ticket_types (event_id, sort_order)`,
    `CREATE TABLE inventory_buckets (
      ticket_type_id ${t.id} NOT NULL REFERENCES ticket_types(id),
      bucket ${t.int} NOT NULL,
      org_id ${t.id} NOT NULL,
      event_id ${t.id} NOT NULL,
      remaining ${t.int} NOT NULL,
      ${stamps},
      PRIMARY KEY (ticket_type_id, bucket)
    )${opts}`,
    `CREATE TABLE promo_codes (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} NOT NULL REFERENCES events(id),
      code ${t.exact(64)} NOT NULL,
      kind ${t.text(16)} NOT NULL,
      value ${t.bigint} NOT NULL,
      ticket_type_ids ${t.json} NOT NULL,
      max_uses ${t.int},
      uses ${t.int} NOT NULL,
      valid_from ${t.bigint},
      valid_until ${t.bigint},
      active ${t.bool} NOT NULL,
      ${stamps},
      CONSTRAINT promo_codes_event_code UNIQUE (event_id, code)
    )${opts}`,
    `CREATE TABLE orders (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} NOT NULL REFERENCES events(id),
      status ${t.text(24)} NOT NULL,
      currency ${t.text(3)} NOT NULL,
      buyer_email ${t.exact(254)} NOT NULL,
      buyer_name ${t.text(200)} NOT NULL,
      locale ${t.text(8)} NOT NULL,
      promo_code_id ${t.id},
      subtotal_minor ${t.bigint} NOT NULL,
      discount_minor ${t.bigint} NOT NULL,
      total_minor ${t.bigint} NOT NULL,
      vat_minor ${t.bigint} NOT NULL,
      vat_breakdown ${t.json} NOT NULL,
      expires_at ${t.bigint},
      paid_at ${t.bigint},
      cancelled_at ${t.bigint},
      ${stamps}
    )${opts}`,
    `CREATE INDEX orders_event_status ON orders (event_id, status, id)`,
    `CREATE INDEX orders_expiry ON orders (status, expires_at)`,
    `CREATE TABLE order_items (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL,
      event_id ${t.id} NOT NULL,
      order_id ${t.id} NOT NULL REFERENCES orders(id),
      ticket_type_id ${t.id} NOT NULL REFERENCES ticket_types(id),
      quantity ${t.int} NOT NULL,
      unit_price_minor ${t.bigint} NOT NULL,
      discount_minor ${t.bigint} NOT NULL,
      total_minor ${t.bigint} NOT NULL,
      vat_rate_bp ${t.int} NOT NULL,
      ${stamps}
    )${opts}`,
    `CREATE INDEX order_items_order ON order_items (order_id)`,
    `CREATE TABLE holds (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL,
      event_id ${t.id} NOT NULL,
      order_id ${t.id} NOT NULL REFERENCES orders(id),
      ticket_type_id ${t.id} NOT NULL,
      bucket ${t.int} NOT NULL,
      quantity ${t.int} NOT NULL,
      state ${t.text(16)} NOT NULL,
      expires_at ${t.bigint} NOT NULL,
      ${stamps}
    )${opts}`,
    `CREATE INDEX holds_order ON holds (order_id)`,
    `CREATE TABLE idempotency_keys (
      event_id ${t.id} NOT NULL,
      idempotency_key ${t.exact(200)} NOT NULL,
      org_id ${t.id} NOT NULL,
      request_hash ${t.text(64)} NOT NULL,
      order_id ${t.id} NOT NULL,
      ${stamps},
      PRIMARY KEY (event_id, idempotency_key)
    )${opts}`,
    `CREATE TABLE users (
      id ${t.id} PRIMARY KEY,
      email ${t.exact(254)} NOT NULL,
      name ${t.text(200)} NOT NULL,
      password_hash ${t.text(255)},
      failed_logins ${t.int} NOT NULL,
      locked_until ${t.bigint},
      disabled_at ${t.bigint},
      ${stamps},
      CONSTRAINT users_email UNIQUE (email)
    )${opts}`,
    `CREATE TABLE role_grants (
      id ${t.id} PRIMARY KEY,
      user_id ${t.id} NOT NULL REFERENCES users(id),
      role ${t.text(32)} NOT NULL,
      org_id ${t.id},
      event_id ${t.id},
      ${stamps}
    )${opts}`,
    `CREATE INDEX role_grants_user ON role_grants (user_id)`,
    `CREATE TABLE refresh_tokens (
      id ${t.id} PRIMARY KEY,
      user_id ${t.id} NOT NULL REFERENCES users(id),
      family_id ${t.id} NOT NULL,
      token_hash ${t.exact(64)} NOT NULL,
      expires_at ${t.bigint} NOT NULL,
      used_at ${t.bigint},
      revoked_at ${t.bigint},
      ${stamps},
      CONSTRAINT refresh_tokens_hash UNIQUE (token_hash)
    )${opts}`,
    `CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id)`,
    `CREATE TABLE api_keys (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id},
      name ${t.text(200)} NOT NULL,
      role ${t.text(32)} NOT NULL,
      prefix ${t.exact(16)} NOT NULL,
      key_hash ${t.exact(64)} NOT NULL,
      created_by ${t.id},
      last_used_at ${t.bigint},
      revoked_at ${t.bigint},
      ${stamps},
      CONSTRAINT api_keys_hash UNIQUE (key_hash)
    )${opts}`,
    `CREATE TABLE audit_log (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id},
      event_id ${t.id},
      actor_type ${t.text(16)} NOT NULL,
      actor_id ${t.text(64)},
      action ${t.text(64)} NOT NULL,
      target_type ${t.text(32)} NOT NULL,
      target_id ${t.text(64)} NOT NULL,
      ip_hash ${t.text(64)},
      user_agent ${t.text(512)},
      data ${t.json},
      ${stamps}
    )${opts}`,
    `CREATE INDEX audit_log_org ON audit_log (org_id, id)`,
    `CREATE INDEX audit_log_target ON audit_log (target_id)`,
    ...appendOnlyTriggers(dialect, "audit_log"),
  ]
  for (const statement of statements) yield* sql.unsafe(statement)
})
