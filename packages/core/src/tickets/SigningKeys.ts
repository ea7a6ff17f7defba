import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
  sign,
} from "node:crypto"
import { SqlClient } from "@effect/sql"
import { Clock, Effect } from "effect"
import { CoreConfig } from "../config/CoreConfig.js"
import type { EventId } from "../domain/Ids.js"
import { Forbidden } from "../domain/Problems.js"
import type { PublicSigningKey } from "../domain/Ticket.js"
import { isUniqueViolation } from "../sql/Errors.js"
import { Caller, can } from "../tenancy/Caller.js"

/** How long codes signed by a retired key stay valid: long enough to re-send every ticket. */
export const DEFAULT_KEY_GRACE_MS = 14 * 24 * 60 * 60 * 1000

const ENCRYPTION_VERSION = "v1"

export interface EventSigner {
  readonly kid: string
  readonly sign: (message: Uint8Array) => Uint8Array
}

interface KeyRow {
  readonly kid: string
  readonly privateKeyEnc: string
}

/**
 * Ed25519 keys that sign ticket codes, one active per event. The private half is stored encrypted
 * with AES-256-GCM under a key derived (HKDF-SHA256) from the server secret, bound to its event and
 * key id as associated data, so a row copied to another event does not decrypt. Rotation retires
 * the active key (codes it signed verify for the grace period) and makes a new one.
 */
export class SigningKeys extends Effect.Service<SigningKeys>()("sratix/tickets/SigningKeys", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const config = yield* CoreConfig
    const wrappingKey = Buffer.from(hkdfSync("sha256", config.secret, "sratix", "event-signing-keys/v1", 32))
    const signers = new Map<string, KeyObject>()

    const associated = (eventId: string, kid: string) => Buffer.from(`${eventId}.${kid}`, "utf8")

    const seal = (eventId: string, kid: string, privateKey: KeyObject) => {
      const iv = randomBytes(12)
      const cipher = createCipheriv("aes-256-gcm", wrappingKey, iv).setAAD(associated(eventId, kid))
      const sealed = Buffer.concat([
        iv,
        cipher.update(privateKey.export({ format: "der", type: "pkcs8" })),
        cipher.final(),
        cipher.getAuthTag(),
      ])
      return `${ENCRYPTION_VERSION}.${sealed.toString("base64url")}`
    }

    const open = (eventId: string, row: KeyRow) => {
      const [version, text] = row.privateKeyEnc.split(".")
      if (version !== ENCRYPTION_VERSION || text === undefined) throw new Error(`unknown key encryption ${version}`)
      const sealed = Buffer.from(text, "base64url")
      const decipher = createDecipheriv("aes-256-gcm", wrappingKey, sealed.subarray(0, 12))
        .setAAD(associated(eventId, row.kid))
        .setAuthTag(sealed.subarray(sealed.length - 16))
      const der = Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()])
      return createPrivateKey({ key: der, format: "der", type: "pkcs8" })
    }

    const signerOf = (eventId: string, row: KeyRow): EventSigner => {
      const id = `${eventId}.${row.kid}`
      let privateKey = signers.get(id)
      if (privateKey === undefined) {
        privateKey = open(eventId, row)
        signers.set(id, privateKey)
      }
      const key = privateKey
      return { kid: row.kid, sign: (message) => new Uint8Array(sign(null, message, key)) }
    }

    const insertKey = (event: { readonly id: string; readonly orgId: string }, now: number) =>
      Effect.gen(function* () {
        const { publicKey, privateKey } = generateKeyPairSync("ed25519")
        const kid = randomBytes(3).toString("base64url")
        const row = {
          eventId: event.id,
          kid,
          orgId: event.orgId,
          publicKey: publicKey.export({ format: "jwk" }).x!,
          privateKeyEnc: seal(event.id, kid, privateKey),
          activeEventId: event.id,
          retiredAt: null,
          createdAt: now,
          updatedAt: now,
        }
        yield* sql`INSERT INTO event_signing_keys ${sql.insert(row)}`
        signers.set(`${event.id}.${kid}`, privateKey)
        return row
      })

    const selectActive = (eventId: string) =>
      Effect.map(
        sql<KeyRow>`SELECT kid, private_key_enc FROM event_signing_keys WHERE active_event_id = ${eventId}`,
        (rows) => rows[0],
      )

    /** The event's signing key, made on first use; concurrent first uses agree on one key. */
    const activeSigner = Effect.fn("SigningKeys.activeSigner")(function* (event: {
      readonly id: EventId
      readonly orgId: string
    }) {
      const existing = yield* selectActive(event.id)
      if (existing !== undefined) return signerOf(event.id, existing)
      const now = yield* Clock.currentTimeMillis
      const created = yield* insertKey(event, now).pipe(
        Effect.map((row): KeyRow | undefined => row),
        Effect.catchIf(isUniqueViolation, () => selectActive(event.id)),
      )
      if (created === undefined) return yield* Effect.dieMessage("no active signing key after creating one")
      return signerOf(event.id, created)
    }, Effect.orDie)

    /** Retires the active key (if any) and makes a new one; returns the new key id. */
    const rotate = Effect.fn("SigningKeys.rotate")(function* (event: { readonly id: EventId; readonly orgId: string }) {
      const caller = yield* Caller
      if (!can(caller, "events.write", { orgId: event.orgId as never, eventId: event.id })) {
        return yield* new Forbidden({ detail: "Rotating this event's keys is not allowed", permission: "events.write" })
      }
      const now = yield* Clock.currentTimeMillis
      const row = yield* Effect.gen(function* () {
        yield* sql`UPDATE event_signing_keys SET active_event_id = NULL, retired_at = ${now}, updated_at = ${now}
          WHERE active_event_id = ${event.id}`
        return yield* insertKey(event, now)
      }).pipe(sql.withTransaction, Effect.orDie)
      return row.kid
    })

    /** Every key of the event, active and retired, as a scanner's pack carries them. */
    const publicKeys = Effect.fn("SigningKeys.publicKeys")(function* (eventId: EventId) {
      const rows = yield* sql<{ kid: string; publicKey: string; retiredAt: number | bigint | null }>`SELECT kid,
          public_key, retired_at FROM event_signing_keys WHERE event_id = ${eventId} ORDER BY created_at, kid`.pipe(
        Effect.orDie,
      )
      return rows.map(
        (r): PublicSigningKey => ({
          kid: r.kid,
          publicKey: r.publicKey,
          retiredAt: r.retiredAt === null ? null : Number(r.retiredAt),
        }),
      )
    })

    return { activeSigner, rotate, publicKeys } as const
  }),
}) {}
