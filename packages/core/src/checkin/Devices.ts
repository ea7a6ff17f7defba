import { createHash, createHmac, randomBytes } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Option } from "effect"
import { Audit } from "../audit/Audit.js"
import { CoreConfig } from "../config/CoreConfig.js"
import {
  CheckinDevice,
  type CheckinDeviceId,
  type CreateEnrolmentCode,
  DeviceEnrolment,
  EnrolmentCode,
} from "../domain/Checkin.js"
import type { Event } from "../domain/Event.js"
import { type EventId, type OrgId, uuidv7 } from "../domain/Ids.js"
import { Forbidden, NotFound, Unauthorized } from "../domain/Problems.js"
import { Identity } from "../identity/Identity.js"
import { affectedRows, rowDecoder } from "../sql/Rows.js"
import { tenantScope } from "../sql/Tenant.js"
import { Caller, can } from "../tenancy/Caller.js"
import { CheckIns } from "./CheckIns.js"

/** How long an enrolment code can be redeemed: long enough to walk a phone to the door, short enough to be useless when photographed later. */
export const ENROLMENT_CODE_MINUTES = 30

/** An enrolled device as the pack and sync code needs it (never leaves the server as is). */
export interface DeviceRecord {
  readonly id: CheckinDeviceId
  readonly orgId: OrgId
  readonly eventId: EventId
  readonly listId: string
  readonly name: string
  readonly keySalt: string
  readonly revokedAt: number | null
}

const sha256Hex = (value: string) => createHash("sha256").update(value).digest("hex")
const decodeDevice = rowDecoder(CheckinDevice)

/**
 * Scanner devices: one-time enrolment codes, the device's scanner token and pack key, revocation.
 *
 * A code is 192 random bits, stored only as its SHA-256 and spent by one conditional update, so two
 * devices redeeming the same code at once get one device between them. The device's token is an API
 * key with role scanner scoped to the event; its pack key is derived from the server secret and a
 * per-device salt, so the server stores no key material and a revoked device's key opens nothing new.
 */
export class CheckInDevices extends Effect.Service<CheckInDevices>()("sratix/checkin/CheckInDevices", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit
    const identity = yield* Identity
    const checkIns = yield* CheckIns
    const config = yield* CoreConfig

    const requireManage = (event: Event) =>
      Effect.flatMap(Caller, (caller) =>
        can(caller, "checkin.manage", { orgId: event.orgId, eventId: event.id })
          ? Effect.void
          : new Forbidden({
              detail: "Managing check-in devices of this event is not allowed",
              permission: "checkin.manage",
            }),
      )

    /** The device's AES-256 pack key: HMAC of the server secret over the device id and its salt. */
    const packKeyOf = (device: Pick<DeviceRecord, "id" | "keySalt">): Uint8Array =>
      new Uint8Array(
        createHmac("sha256", config.secret).update(`sratix-checkin-pack-key:${device.id}:${device.keySalt}`).digest(),
      )

    const createEnrolmentCode = Effect.fn("CheckInDevices.createEnrolmentCode")(function* (
      event: Event,
      input: CreateEnrolmentCode,
    ) {
      yield* requireManage(event)
      const list = yield* checkIns.getList(event.id, input.listId)
      const now = yield* Clock.currentTimeMillis
      const code = randomBytes(24).toString("base64url")
      const id = uuidv7(now)
      const expiresAt = now + ENROLMENT_CODE_MINUTES * 60_000
      yield* Effect.gen(function* () {
        yield* sql`INSERT INTO checkin_enrolment_codes ${sql.insert({
          id,
          orgId: event.orgId,
          eventId: event.id,
          listId: list.id,
          deviceName: input.deviceName,
          codeHash: sha256Hex(code),
          expiresAt,
          usedAt: null,
          deviceId: null,
          createdAt: now,
          updatedAt: now,
        })}`
        yield* audit.record({
          action: "checkin_enrolment_code.created",
          targetType: "checkin_enrolment_code",
          targetId: id,
          orgId: event.orgId,
          eventId: event.id,
          data: { listId: list.id, deviceName: input.deviceName, expiresAt },
        })
      }).pipe(sql.withTransaction, Effect.orDie)
      return new EnrolmentCode({ code, expiresAt })
    })

    /**
     * Redeems a code (public: the code is the credential). Unknown, used and expired codes get the same
     * answer, so the endpoint tells an attacker nothing. Spending the code, minting the token and
     * storing the device happen in one transaction: a failure leaves the code unspent.
     */
    const enrol = Effect.fn("CheckInDevices.enrol")(function* (code: string) {
      const refused = new Unauthorized({ detail: "The enrolment code is unknown, used or expired" })
      if (!/^[A-Za-z0-9_-]{32}$/.test(code)) return yield* refused
      const now = yield* Clock.currentTimeMillis
      const deviceId = uuidv7(now) as CheckinDeviceId
      const hash = sha256Hex(code)
      return yield* Effect.gen(function* () {
        const spent = yield* sql`UPDATE checkin_enrolment_codes SET used_at = ${now}, device_id = ${deviceId},
          updated_at = ${now} WHERE code_hash = ${hash} AND used_at IS NULL AND expires_at >= ${now}`.raw.pipe(
          Effect.orDie,
        )
        if (affectedRows(spent) !== 1) return yield* refused
        const [row] = yield* sql<{
          id: string
          orgId: OrgId
          eventId: EventId
          listId: string
          deviceName: string
        }>`SELECT id, org_id, event_id, list_id, device_name FROM checkin_enrolment_codes
          WHERE code_hash = ${hash}`.pipe(Effect.orDie)
        const enrolled = row!
        const key = yield* identity
          .createApiKey(enrolled.orgId, {
            name: `Scanner: ${enrolled.deviceName}`.slice(0, 100),
            role: "scanner",
            eventId: enrolled.eventId,
          })
          .pipe(Effect.orDieWith((e) => new Error(`scanner key for an enrolment: ${e.detail}`)))
        const keySalt = randomBytes(32).toString("hex")
        yield* sql`INSERT INTO checkin_devices ${sql.insert({
          id: deviceId,
          orgId: enrolled.orgId,
          eventId: enrolled.eventId,
          listId: enrolled.listId,
          name: enrolled.deviceName,
          apiKeyId: key.id,
          keySalt,
          revokedAt: null,
          createdAt: now,
          updatedAt: now,
        })}`.pipe(Effect.orDie)
        yield* audit
          .record({
            action: "checkin_device.enrolled",
            targetType: "checkin_device",
            targetId: deviceId,
            orgId: enrolled.orgId,
            eventId: enrolled.eventId,
            data: { enrolmentCodeId: enrolled.id, listId: enrolled.listId, apiKeyId: key.id },
          })
          .pipe(Effect.orDie)
        return new DeviceEnrolment({
          deviceId,
          deviceName: enrolled.deviceName,
          token: key.key,
          orgId: enrolled.orgId,
          eventId: enrolled.eventId,
          listId: enrolled.listId as never,
          packKey: Buffer.from(packKeyOf({ id: deviceId, keySalt })).toString("base64url"),
        })
      }).pipe(sql.withTransaction, Effect.catchTag("SqlError", Effect.die))
    })

    const list = Effect.fn("CheckInDevices.list")(function* (eventId: EventId) {
      const scope = yield* tenantScope(sql, { org: "d.org_id", event: "d.event_id" })
      const rows = yield* sql<Record<string, unknown>>`SELECT d.id, d.event_id, d.list_id, d.name, d.created_at,
          d.revoked_at, k.last_used_at AS last_seen_at
        FROM checkin_devices d JOIN api_keys k ON k.id = d.api_key_id
        WHERE d.event_id = ${eventId} AND ${scope} ORDER BY d.id`.pipe(Effect.orDie)
      return yield* Effect.forEach(rows, decodeDevice)
    })

    /** A device of the event, revoked or not, within the caller's tenancy. */
    const get = Effect.fn("CheckInDevices.get")(function* (eventId: EventId, deviceId: string) {
      const scope = yield* tenantScope(sql)
      const [row] = yield* sql<DeviceRecord>`SELECT id, org_id, event_id, list_id, name, key_salt, revoked_at
        FROM checkin_devices WHERE id = ${deviceId} AND event_id = ${eventId} AND ${scope}`.pipe(Effect.orDie)
      if (row === undefined)
        return yield* new NotFound({ detail: "No such check-in device", resource: "checkin-device" })
      return { ...row, revokedAt: row.revokedAt === null ? null : Number(row.revokedAt) }
    })

    /** Revokes the device and its token at once; its check-ins stay. */
    const revoke = Effect.fn("CheckInDevices.revoke")(function* (event: Event, deviceId: string) {
      yield* requireManage(event)
      const device = yield* get(event.id, deviceId)
      const now = yield* Clock.currentTimeMillis
      const changed = yield* Effect.gen(function* () {
        const result = yield* sql`UPDATE checkin_devices SET revoked_at = ${now}, updated_at = ${now}
          WHERE id = ${device.id} AND revoked_at IS NULL`.raw
        if (affectedRows(result) !== 1) return false
        yield* sql`UPDATE api_keys SET revoked_at = ${now}, updated_at = ${now}
          WHERE id = (SELECT api_key_id FROM checkin_devices WHERE id = ${device.id}) AND revoked_at IS NULL`
        yield* audit.record({
          action: "checkin_device.revoked",
          targetType: "checkin_device",
          targetId: device.id,
          orgId: event.orgId,
          eventId: event.id,
        })
        return true
      }).pipe(sql.withTransaction, Effect.orDie)
      if (!changed) return yield* new NotFound({ detail: "The device is already revoked", resource: "checkin-device" })
    })

    /** The enrolled device behind the caller's token, if the caller is one (active, since its key authenticated). */
    const ofCaller = Effect.fn("CheckInDevices.ofCaller")(function* () {
      const caller = yield* Caller
      if (caller.actor.type !== "api_key") return Option.none<DeviceRecord>()
      const [row] = yield* sql<DeviceRecord>`SELECT id, org_id, event_id, list_id, name, key_salt, revoked_at
        FROM checkin_devices WHERE api_key_id = ${caller.actor.id}`.pipe(Effect.orDie)
      return Option.fromNullable(row)
    })

    return { createEnrolmentCode, enrol, list, get, revoke, ofCaller, packKeyOf } as const
  }),
  dependencies: [Audit.Default, Identity.Default, CheckIns.Default],
}) {}

/**
 * The device id a check-in is recorded under: the enrolled device's id for a device token, otherwise
 * the person or key that checked in. Never taken from a request body.
 */
export const checkInDeviceIdOf = (
  caller: { readonly actor: { readonly type: string; readonly id?: string } },
  device: Option.Option<DeviceRecord>,
) => (Option.isSome(device) ? device.value.id : `${caller.actor.type}:${caller.actor.id ?? "anonymous"}`)
