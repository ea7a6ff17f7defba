import { createHash } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Option } from "effect"
import type { CheckinList } from "../domain/Checkin.js"
import type { Event } from "../domain/Event.js"
import { Conflict, Forbidden, InvalidRequest } from "../domain/Problems.js"
import type { AttentionFlag, CheckIn, CheckinPack, PackAttendee } from "../offline/Checkin.js"
import { type PackHeader, readPackHeader, sealPack } from "../offline/Pack.js"
import { Caller, can } from "../tenancy/Caller.js"
import { DEFAULT_KEY_GRACE_MS, SigningKeys } from "../tickets/SigningKeys.js"
import { ticketTypeIndexes } from "../tickets/Tickets.js"
import { CheckIns } from "./CheckIns.js"
import { CheckInDevices } from "./Devices.js"

/**
 * A delta since version N re-sends every ticket changed from N minus this overlap. Versions are the
 * server's clock at generation; a transaction that began before a pack was made may commit after it
 * with an older `updated_at`, and the overlap makes sure the next delta still carries that change (a
 * void ticket must reach the door). Applying an attendee twice is harmless.
 */
export const DELTA_OVERLAP_MS = 5 * 60_000
/** A pack stays usable until half a day after the event ends, and at least a day from its making. */
const EXPIRY_AFTER_EVENT_MS = 12 * 60 * 60_000
const MIN_VALIDITY_MS = 24 * 60 * 60_000
/** Longest answer a form-field attention flag carries as its note (an accessibility need, a diet). */
const NOTE_MAX = 200

/** Same digest as `emailHash` in `@sratix/core/offline` (a test holds them equal), synchronous for 50,000 rows. */
export const packEmailHash = (eventId: string, email: string) =>
  createHash("sha256").update(`${eventId}:${email.trim().toLowerCase()}`).digest().subarray(0, 16).toString("base64url")

export interface BuiltPack {
  readonly bytes: Uint8Array
  readonly header: PackHeader
  readonly attendees: number
  readonly revoked: number
  readonly checkIns: number
}

interface TicketRow {
  readonly id: string
  readonly ticketTypeId: string
  readonly attendeeName: string
  readonly attendeeEmail: string
  readonly status: string
  readonly answers?: string | Record<string, unknown> | null
}

const noteOf = (answer: unknown): string | undefined => {
  if (typeof answer === "string") return answer.trim().slice(0, NOTE_MAX) || undefined
  if (Array.isArray(answer))
    return (
      answer
        .filter((a) => typeof a === "string")
        .join(", ")
        .slice(0, NOTE_MAX) || undefined
    )
  return undefined
}

const isSet = (answer: unknown) =>
  answer !== undefined &&
  answer !== null &&
  answer !== false &&
  !(typeof answer === "string" && answer.trim() === "") &&
  !(Array.isArray(answer) && answer.length === 0)

/**
 * Check-in packs made from the database for one device: full, or a delta since version N (docs/checkin.md).
 * A pack holds the list's settings, the event's public keys, the revoked tickets and the minimum about
 * each admitted attendee (name, type, e-mail digest, attention flags), sealed with the device's key.
 */
export class CheckInPacks extends Effect.Service<CheckInPacks>()("sratix/checkin/CheckInPacks", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const checkIns = yield* CheckIns
    const devices = yield* CheckInDevices
    const keys = yield* SigningKeys

    const attentionOf = (list: CheckinList) => {
      const byType = new Map<string, Array<AttentionFlag>>()
      for (const rule of list.attention.ticketTypes) {
        const flags = byType.get(rule.ticketTypeId) ?? []
        flags.push({ flag: rule.flag })
        byType.set(rule.ticketTypeId, flags)
      }
      const fields = list.attention.fields
      return (ticket: TicketRow): Array<AttentionFlag> => {
        const flags = [...(byType.get(ticket.ticketTypeId) ?? [])]
        if (fields.length > 0 && ticket.answers != null) {
          const answers = typeof ticket.answers === "string" ? JSON.parse(ticket.answers) : ticket.answers
          for (const rule of fields) {
            const answer = answers?.[rule.field]
            if (!isSet(answer)) continue
            const note = noteOf(answer)
            flags.push(note === undefined ? { flag: rule.flag } : { flag: rule.flag, note })
          }
        }
        return flags
      }
    }

    /**
     * The sealed pack of `listId` for `deviceId`. A device token may fetch only its own list's pack; a
     * person with `checkin.scan` may fetch the pack of any device of the event (it stays sealed for
     * that device). A revoked device gets no pack.
     */
    const build = Effect.fn("CheckInPacks.build")(function* (
      event: Event,
      listId: string,
      options: { readonly deviceId?: string | undefined; readonly since?: number | undefined },
    ) {
      const caller = yield* Caller
      if (!can(caller, "checkin.scan", { orgId: event.orgId, eventId: event.id })) {
        return yield* new Forbidden({
          detail: "Check-in packs of this event are not yours",
          permission: "checkin.scan",
        })
      }
      const list = yield* checkIns.getList(event.id, listId)
      const own = yield* devices.ofCaller()
      if (Option.isSome(own) && options.deviceId !== undefined && options.deviceId !== own.value.id) {
        return yield* new Forbidden({ detail: "A device fetches only its own pack", permission: "checkin.scan" })
      }
      if (Option.isNone(own) && options.deviceId === undefined) {
        return yield* new InvalidRequest({ detail: "Name the device the pack is for (?device=…)", field: "device" })
      }
      const device = Option.isSome(own) ? own.value : yield* devices.get(event.id, options.deviceId!)
      if (device.revokedAt !== null) return yield* new Conflict({ detail: "The device is revoked" })
      if (device.listId !== list.id) {
        return yield* new Forbidden({ detail: "The device is enrolled for another list", permission: "checkin.scan" })
      }
      const now = yield* Clock.currentTimeMillis
      const since = options.since
      if (since !== undefined && since > now) {
        return yield* new InvalidRequest({ detail: "since is a version from the future", field: "since" })
      }
      const indexes = yield* ticketTypeIndexes(sql, event.id).pipe(Effect.orDie)
      const admitted = list.ticketTypeIds === null ? null : new Set<string>(list.ticketTypeIds)
      const publicKeys = yield* keys.publicKeys(event.id)
      const withAnswers = list.attention.fields.length > 0

      // The cursor before the check-ins: whatever commits after it reaches the device through sync.
      const [cursorRow] = yield* sql<{ seq: number | bigint }>`SELECT seq FROM checkin_cursors
        WHERE event_id = ${event.id}`.pipe(Effect.orDie)
      const cursor = cursorRow === undefined ? 0 : Number(cursorRow.seq)
      const changedFrom = since === undefined ? null : since - DELTA_OVERLAP_MS
      const tickets = yield* (
        withAnswers
          ? sql<TicketRow>`SELECT t.id, t.ticket_type_id, t.attendee_name, t.attendee_email, t.status, s.answers
              FROM tickets t LEFT JOIN form_submissions s ON s.order_id = t.order_id AND s.attendee_index = t.seat_index
              WHERE t.event_id = ${event.id} ${changedFrom === null ? sql`` : sql`AND t.updated_at >= ${changedFrom}`}`
          : sql<TicketRow>`SELECT id, ticket_type_id, attendee_name, attendee_email, status FROM tickets
              WHERE event_id = ${event.id} ${changedFrom === null ? sql`` : sql`AND updated_at >= ${changedFrom}`}`
      ).pipe(Effect.orDie)
      const attention = attentionOf(list)
      const attendees: Array<PackAttendee> = []
      const revoked: Array<string> = []
      for (const t of tickets) {
        if (admitted !== null && !admitted.has(t.ticketTypeId)) continue
        if (t.status === "void") {
          revoked.push(t.id)
          continue
        }
        const flags = attention(t)
        attendees.push({
          t: t.id,
          n: t.attendeeName,
          ty: indexes.get(t.ticketTypeId) ?? 0,
          eh: packEmailHash(event.id, t.attendeeEmail),
          ...(flags.length > 0 ? { a: flags } : {}),
        })
      }
      const deviceNames = yield* sql<{ id: string; name: string }>`SELECT id, name FROM checkin_devices
        WHERE event_id = ${event.id} ORDER BY id`.pipe(Effect.orDie)
      const known: Array<CheckIn> =
        since !== undefined
          ? []
          : yield* sql<{
              id: string
              ticketId: string
              listId: string
              deviceId: string
              deviceTime: number | bigint
            }>`SELECT id, ticket_id, list_id, device_id, device_time FROM check_ins
              WHERE event_id = ${event.id} AND list_id = ${list.id} AND seq <= ${cursor}`.pipe(
              Effect.orDie,
              Effect.map((rows) => rows.map((r) => ({ ...r, deviceTime: Number(r.deviceTime) }))),
            )
      const pack: CheckinPack = {
        format: "sratix-checkin-pack/1",
        eventId: event.id,
        listId: list.id,
        version: now,
        baseVersion: since ?? null,
        generatedAt: now,
        expiresAt: Math.max(event.endsAt + EXPIRY_AFTER_EVENT_MS, now + MIN_VALIDITY_MS),
        list: {
          id: list.id,
          name: list.name,
          ticketTypeIndexes: list.ticketTypeIds === null ? null : list.ticketTypeIds.map((id) => indexes.get(id) ?? -1),
          validFrom: list.validFrom,
          validUntil: list.validUntil,
          reentry: list.reentry,
        },
        keys: publicKeys,
        graceMs: DEFAULT_KEY_GRACE_MS,
        revoked,
        attendees,
        devices: deviceNames,
        // A delta carries no check-ins: the device has them from its pack and its syncs (cursor 0 keeps its own).
        checkIns: known,
        checkInCursor: since === undefined ? cursor : 0,
      }
      const bytes = yield* Effect.promise(() => sealPack(pack, { deviceId: device.id, key: devices.packKeyOf(device) }))
      return {
        bytes,
        header: readPackHeader(bytes)!,
        attendees: attendees.length,
        revoked: revoked.length,
        checkIns: known.length,
      } satisfies BuiltPack
    })

    return { build } as const
  }),
  dependencies: [CheckIns.Default, CheckInDevices.Default, SigningKeys.Default],
}) {}
