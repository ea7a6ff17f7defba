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
    // A WordPress site connected to an organisation (docs/wordpress.md). Both secrets are needed in
    // clear to compute HMACs, so they are stored sealed (AES-256-GCM under a key derived from the
    // server secret, bound to the site id), never hashed and never shown after creation.
    // `role_map` caps what the site may grant: WP role → SRAtix role, inside this org (and event).
    `CREATE TABLE connector_sites (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      event_id ${t.id} REFERENCES events(id),
      kind ${t.text(8)} NOT NULL,
      source_site ${t.exact(253)} NOT NULL,
      base_url ${t.exact(500)} NOT NULL,
      inbound_secret_enc ${t.exact(200)} NOT NULL,
      outbound_secret_enc ${t.exact(200)} NOT NULL,
      role_map ${t.json} NOT NULL,
      disabled_at ${t.bigint},
      created_at ${t.bigint} NOT NULL,
      updated_at ${t.bigint} NOT NULL,
      CONSTRAINT connector_sites_kind CHECK (kind IN ('control', 'client')),
      CONSTRAINT connector_sites_source UNIQUE (org_id, source_site, kind)
    )${opts}`,
    // Nonces of accepted signed requests, kept past the replay window; the primary key makes
    // "first use wins" atomic on both engines.
    `CREATE TABLE connector_nonces (
      site_id ${t.id} NOT NULL REFERENCES connector_sites(id),
      nonce ${t.exact(128)} NOT NULL,
      expires_at ${t.bigint} NOT NULL,
      created_at ${t.bigint} NOT NULL,
      updated_at ${t.bigint} NOT NULL,
      PRIMARY KEY (site_id, nonce)
    )${opts}`,
    `CREATE INDEX connector_nonces_expiry ON connector_nonces (expires_at)`,
    // References between WordPress and SRAtix records (reference §6): never copies. `snapshot` is the
    // last profile or membership data WordPress pushed, kept for display and pre-filling only.
    `CREATE TABLE wp_mappings (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      site_id ${t.id} NOT NULL REFERENCES connector_sites(id),
      source_site ${t.exact(253)} NOT NULL,
      wp_entity_type ${t.text(8)} NOT NULL,
      wp_entity_id ${t.bigint} NOT NULL,
      sratix_entity_type ${t.text(20)} NOT NULL,
      sratix_entity_id ${t.id} NOT NULL,
      snapshot ${t.json},
      last_synced_at ${t.bigint} NOT NULL,
      created_at ${t.bigint} NOT NULL,
      updated_at ${t.bigint} NOT NULL,
      CONSTRAINT wp_mappings_wp_type CHECK (wp_entity_type IN ('user', 'post')),
      CONSTRAINT wp_mappings_wp UNIQUE (site_id, wp_entity_type, wp_entity_id, sratix_entity_type),
      CONSTRAINT wp_mappings_sratix UNIQUE (site_id, sratix_entity_type, sratix_entity_id, wp_entity_type)
    )${opts}`,
    `CREATE INDEX wp_mappings_org ON wp_mappings (org_id, id)`,
    // Outbound webhooks (ADR 12 pattern): the row is written in the transaction of the change it
    // reports, the delivery job is enqueued after the commit, and a sweep re-enqueues rows whose job
    // was lost. `generation` grows on every manual replay and is part of the job id.
    `CREATE TABLE webhook_outbox (
      id ${t.id} PRIMARY KEY,
      org_id ${t.id} NOT NULL REFERENCES organizations(id),
      site_id ${t.id} NOT NULL REFERENCES connector_sites(id),
      event_type ${t.text(40)} NOT NULL,
      subject_id ${t.exact(100)} NOT NULL,
      payload ${t.json} NOT NULL,
      status ${t.text(10)} NOT NULL,
      attempts ${t.int} NOT NULL,
      generation ${t.int} NOT NULL,
      last_error ${t.text(500)},
      delivered_at ${t.bigint},
      created_at ${t.bigint} NOT NULL,
      updated_at ${t.bigint} NOT NULL,
      CONSTRAINT webhook_outbox_status CHECK (status IN ('pending', 'delivered', 'failed')),
      CONSTRAINT webhook_outbox_once UNIQUE (site_id, event_type, subject_id)
    )${opts}`,
    `CREATE INDEX webhook_outbox_status ON webhook_outbox (status, updated_at)`,
    `CREATE INDEX webhook_outbox_org ON webhook_outbox (org_id, id)`,
    // One row per delivery attempt, successful or not: what was answered and how long it took.
    `CREATE TABLE webhook_deliveries (
      id ${t.id} PRIMARY KEY,
      outbox_id ${t.id} NOT NULL REFERENCES webhook_outbox(id),
      attempt ${t.int} NOT NULL,
      outcome ${t.text(10)} NOT NULL,
      status_code ${t.int},
      error ${t.text(500)},
      duration_ms ${t.int} NOT NULL,
      created_at ${t.bigint} NOT NULL,
      updated_at ${t.bigint} NOT NULL,
      CONSTRAINT webhook_deliveries_outcome CHECK (outcome IN ('delivered', 'failed'))
    )${opts}`,
    `CREATE INDEX webhook_deliveries_outbox ON webhook_deliveries (outbox_id, id)`,
  ]
  for (const statement of statements) yield* sql.unsafe(statement)
})
