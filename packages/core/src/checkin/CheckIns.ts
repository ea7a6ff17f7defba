import { SqlClient } from "@effect/sql"
import { Clock, Effect } from "effect"
import { Audit } from "../audit/Audit.js"
import {
  CheckInRecord,
  type CheckinList,
  CheckinList as CheckinListClass,
  type CreateCheckinList,
  type OnlineCheckIn,
  OnlineVerdict,
  type SyncCheckIns,
  SyncResult,
} from "../domain/Checkin.js"
import type { Event } from "../domain/Event.js"
import { type EventId, type OrgId, uuidv7 } from "../domain/Ids.js"
import { Forbidden, InvalidRequest, NotFound } from "../domain/Problems.js"
import type { Permission } from "../identity/Rbac.js"
import { type CheckIn, CheckInState, type CheckinPack, ScanIndex } from "../offline/Checkin.js"
import { isUniqueViolation } from "../sql/Errors.js"
import { rowDecoder } from "../sql/Rows.js"
import { tenantScope } from "../sql/Tenant.js"
import { Caller, can } from "../tenancy/Caller.js"
import { DEFAULT_KEY_GRACE_MS, SigningKeys } from "../tickets/SigningKeys.js"
import { ticketTypeIndexes } from "../tickets/Tickets.js"

const decodeList = rowDecoder(CheckinListClass, { json: ["ticketTypeIds", "attention"], bool: ["reentry"] })
const decodeCheckIn = rowDecoder(CheckInRecord)

/** How many check-ins one sync answer carries at most; `more` says when the device should ask again. */
const SYNC_PAGE = 5000

interface TicketRow {
  readonly id: string
  readonly ticketTypeId: string
  readonly attendeeName: string
  readonly status: string
}

const asCheckIn = (r: CheckInRecord): CheckIn => ({
  id: r.id,
  ticketId: r.ticketId,
  listId: r.listId,
  deviceId: r.deviceId,
  deviceTime: r.deviceTime,
})

/**
 * Check-in lists, online check-in and batch sync. The server decides and merges with the very code
 * the scanner runs (`@sratix/core/offline`): a one-ticket scan index for a verdict, the check-in set
 * merge for winners. Check-ins are serialised per event by the row lock of `checkin_cursors`, which
 * also hands out the sync cursor in commit order (docs/checkin.md).
 */
export class CheckIns extends Effect.Service<CheckIns>()("sratix/checkin/CheckIns", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit
    const keys = yield* SigningKeys
    const checkInColumns = sql.literal("id, ticket_id, list_id, device_id, device_time, seq, received_at")

    const require = (permission: Permission, target: { readonly orgId: string; readonly id: string }, detail: string) =>
      Effect.flatMap(Caller, (caller) =>
        can(caller, permission, { orgId: target.orgId as OrgId, eventId: target.id as EventId })
          ? Effect.void
          : new Forbidden({ detail, permission }),
      )

    const createList = Effect.fn("CheckIns.createList")(function* (event: Event, input: CreateCheckinList) {
      yield* require("checkin.manage", event, "Managing check-in lists of this event is not allowed")
      const typeIds = input.ticketTypeIds
      if (typeIds !== null && typeIds.length > 0) {
        const known = yield* sql<{ id: string }>`SELECT id FROM ticket_types WHERE event_id = ${event.id}
          AND id IN ${sql.in(typeIds)}`.pipe(Effect.orDie)
        if (known.length !== new Set(typeIds).size) {
          return yield* new InvalidRequest({ detail: "A ticket type is not of this event", field: "ticketTypeIds" })
        }
      }
      if (input.validFrom !== null && input.validUntil !== null && input.validFrom > input.validUntil) {
        return yield* new InvalidRequest({ detail: "validFrom is after validUntil", field: "validFrom" })
      }
      const now = yield* Clock.currentTimeMillis
      const row = {
        id: uuidv7(now),
        orgId: event.orgId,
        eventId: event.id,
        name: input.name,
        ticketTypeIds: typeIds === null ? null : JSON.stringify(typeIds),
        validFrom: input.validFrom,
        validUntil: input.validUntil,
        reentry: input.reentry ? 1 : 0,
        attention: JSON.stringify(input.attention),
        createdAt: now,
        updatedAt: now,
      }
      yield* Effect.gen(function* () {
        yield* sql`INSERT INTO checkin_lists ${sql.insert(row)}`
        yield* audit.record({
          action: "checkin_list.created",
          targetType: "checkin_list",
          targetId: row.id,
          orgId: event.orgId,
          eventId: event.id,
        })
      }).pipe(sql.withTransaction, Effect.orDie)
      return yield* decodeList(row)
    })

    const listsOf = Effect.fn("CheckIns.lists")(function* (eventId: EventId) {
      const scope = yield* tenantScope(sql)
      const rows = yield* sql<Record<string, unknown>>`SELECT * FROM checkin_lists WHERE event_id = ${eventId}
        AND ${scope} ORDER BY id`.pipe(Effect.orDie)
      return yield* Effect.forEach(rows, decodeList)
    })

    const getList = (eventId: EventId, listId: string) =>
      Effect.gen(function* () {
        const scope = yield* tenantScope(sql)
        const [row] = yield* sql<Record<string, unknown>>`SELECT * FROM checkin_lists WHERE id = ${listId}
          AND event_id = ${eventId} AND ${scope}`.pipe(Effect.orDie)
        if (row === undefined) return yield* new NotFound({ detail: "No such check-in list", resource: "checkin-list" })
        return yield* decodeList(row)
      })

    /** The event's cursor row, made on first use outside any transaction (two first uses agree on one). */
    const ensureCursor = (eventId: string, now: number) =>
      Effect.gen(function* () {
        const rows = yield* sql`SELECT event_id FROM checkin_cursors WHERE event_id = ${eventId}`
        if (rows.length > 0) return
        yield* sql`INSERT INTO checkin_cursors ${sql.insert({ eventId, seq: 0, createdAt: now, updatedAt: now })}`.pipe(
          Effect.catchIf(isUniqueViolation, () => Effect.void),
        )
      }).pipe(Effect.orDie)

    /**
     * Inside a transaction: takes the event's check-in lock (the cursor row) and claims `count` seqs;
     * returns the seq before them. With count 0 it only takes the lock.
     */
    const claimSeqs = (eventId: string, count: number, now: number) =>
      Effect.gen(function* () {
        yield* sql`UPDATE checkin_cursors SET seq = seq + ${count}, updated_at = ${now} WHERE event_id = ${eventId}`
        const [row] = yield* sql<{ seq: number | bigint }>`SELECT seq FROM checkin_cursors WHERE event_id = ${eventId}`
        return Number(row!.seq) - count
      })

    const checkInsOfTickets = (ticketIds: ReadonlyArray<string>) =>
      ticketIds.length === 0
        ? Effect.succeed([] as Array<CheckInRecord>)
        : Effect.flatMap(
            sql<Record<string, unknown>>`SELECT ${checkInColumns}
              FROM check_ins WHERE ticket_id IN ${sql.in(ticketIds)}`,
            Effect.forEach(decodeCheckIn),
          )

    /** A pack of one ticket: the scanner's own decision code, run on what the database says now. */
    const oneTicketIndex = (
      event: { id: string },
      list: CheckinList,
      indexes: Map<string, number>,
      ticket: TicketRow | undefined,
      previous: ReadonlyArray<CheckInRecord>,
      publicKeys: CheckinPack["keys"],
    ) =>
      new ScanIndex({
        format: "sratix-checkin-pack/1",
        eventId: event.id,
        listId: list.id,
        version: 0,
        baseVersion: null,
        generatedAt: 0,
        expiresAt: Number.MAX_SAFE_INTEGER,
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
        revoked: ticket !== undefined && ticket.status === "void" ? [ticket.id] : [],
        attendees:
          ticket === undefined
            ? []
            : [
                {
                  t: ticket.id,
                  n: ticket.attendeeName,
                  ty: indexes.get(ticket.ticketTypeId) ?? 0,
                  eh: "",
                  a: list.attention.ticketTypes
                    .filter((r) => r.ticketTypeId === ticket.ticketTypeId)
                    .map((r) => ({ flag: r.flag })),
                },
              ],
        devices: [],
        checkIns: previous.filter((c) => c.listId === list.id).map(asCheckIn),
        checkInCursor: 0,
      })

    /**
     * Online check-in (kiosks, online scanners): verifies the code, decides like a scanner with the
     * current state, and records the check-in when the verdict is `valid`. Idempotent by check-in id.
     */
    const checkInOnline = Effect.fn("CheckIns.checkInOnline")(function* (event: Event, input: OnlineCheckIn) {
      yield* require("checkin.scan", event, "Checking in at this event is not allowed")
      const list = yield* getList(event.id, input.listId)
      const indexes = yield* ticketTypeIndexes(sql, event.id).pipe(Effect.orDie)
      const publicKeys = yield* keys.publicKeys(event.id)
      const now = yield* Clock.currentTimeMillis
      const verdictOnly = yield* Effect.promise(() =>
        oneTicketIndex(event, list, indexes, undefined, [], publicKeys).decide(input.code, now),
      )
      const verdict = (kind: OnlineVerdict["kind"], extra: Partial<OnlineVerdict> = {}) =>
        new OnlineVerdict({
          kind,
          ticketId: null,
          attendeeName: null,
          attention: [],
          firstAt: null,
          firstDeviceId: null,
          checkIn: null,
          ...extra,
        })
      if (verdictOnly.kind === "other_event" || verdictOnly.kind === "invalid_signature")
        return verdict(verdictOnly.kind)
      const ticketId = verdictOnly.ticketId
      yield* ensureCursor(event.id, now)
      return yield* Effect.gen(function* () {
        yield* claimSeqs(event.id, 0, now)
        const [ticket] = yield* sql<TicketRow>`SELECT id, ticket_type_id, attendee_name, status FROM tickets
          WHERE id = ${ticketId} AND event_id = ${event.id}`
        const known = yield* sql<
          Record<string, unknown>
        >`SELECT ${checkInColumns} FROM check_ins WHERE id = ${input.id}`
        if (known[0] !== undefined) {
          const stored = yield* decodeCheckIn(known[0])
          return verdict("valid", {
            ticketId: stored.ticketId,
            attendeeName: ticket?.attendeeName ?? null,
            checkIn: stored,
          })
        }
        const previous = yield* checkInsOfTickets([ticketId])
        const decided = oneTicketIndex(event, list, indexes, ticket, previous, publicKeys).decideTicket(
          ticketId,
          indexes.get(ticket?.ticketTypeId ?? "") ?? 0,
          now,
        )
        const base = { ticketId: ticketId as never, attendeeName: ticket?.attendeeName ?? null }
        // An authentic code with no ticket row cannot be stored (the row is what a check-in refers to).
        if (ticket === undefined) return verdict("revoked", base)
        if (decided.kind === "already_checked_in") {
          return verdict("already_checked_in", { ...base, firstAt: decided.at, firstDeviceId: decided.deviceId })
        }
        if (decided.kind !== "valid") return verdict(decided.kind, base)
        const seq = (yield* claimSeqs(event.id, 1, now)) + 1
        const row = {
          id: input.id,
          orgId: event.orgId,
          eventId: event.id,
          listId: list.id,
          ticketId,
          deviceId: input.deviceId,
          deviceTime: now,
          seq,
          receivedAt: now,
          createdAt: now,
          updatedAt: now,
        }
        yield* sql`INSERT INTO check_ins ${sql.insert(row)}`
        yield* audit.record({
          action: "check_in.recorded",
          targetType: "ticket",
          targetId: ticketId,
          orgId: event.orgId,
          eventId: event.id,
          data: { checkInId: input.id, listId: list.id, online: true },
        })
        const stored = yield* decodeCheckIn(row)
        return verdict("valid", { ...base, attention: decided.attention, checkIn: stored })
      }).pipe(sql.withTransaction, Effect.orDie)
    })

    /**
     * Batch sync from a device: stores the check-ins the server does not know (idempotent by id),
     * merges each touched ticket with the offline merge rule and audits every check-in that lost to
     * an earlier one on a list without re-entry, then answers other devices' check-ins since `cursor`.
     * Check-ins of void tickets are stored too (they happened) and audited.
     */
    const syncStoring = Effect.fn("CheckIns.sync")(function* (event: Event, input: SyncCheckIns) {
      yield* require("checkin.scan", event, "Syncing check-ins of this event is not allowed")
      const lists = new Map((yield* listsOf(event.id)).map((l) => [l.id as string, l]))
      const now = yield* Clock.currentTimeMillis
      yield* ensureCursor(event.id, now)
      const result = yield* Effect.gen(function* () {
        const rejected: Array<{ id: string; reason: "unknown_ticket" | "unknown_list" | "id_reused" }> = []
        const incoming = new Map(input.checkIns.map((c) => [c.id, c]))
        const ids = [...incoming.keys()]
        yield* claimSeqs(event.id, 0, now)
        const known =
          ids.length === 0
            ? []
            : yield* Effect.flatMap(
                sql<Record<string, unknown>>`SELECT ${checkInColumns}
                  FROM check_ins WHERE id IN ${sql.in(ids)}`,
                Effect.forEach(decodeCheckIn),
              )
        let alreadyKnown = 0
        for (const k of known) {
          const sent = incoming.get(k.id)!
          incoming.delete(k.id)
          if (sent.ticketId === k.ticketId && sent.deviceTime === k.deviceTime && k.deviceId === input.deviceId)
            alreadyKnown++
          else rejected.push({ id: k.id, reason: "id_reused" })
        }
        const ticketIds = [...new Set([...incoming.values()].map((c) => c.ticketId))]
        const tickets =
          ticketIds.length === 0
            ? []
            : yield* sql<{ id: string; status: string }>`SELECT id, status FROM tickets WHERE event_id = ${event.id}
                AND id IN ${sql.in(ticketIds)}`
        const ticketStatus = new Map(tickets.map((t) => [t.id, t.status]))
        const fresh = [...incoming.values()].filter((c) => {
          if (!lists.has(c.listId)) rejected.push({ id: c.id, reason: "unknown_list" })
          else if (!ticketStatus.has(c.ticketId)) rejected.push({ id: c.id, reason: "unknown_ticket" })
          else return true
          return false
        })
        let conflicts = 0
        let stored: ReadonlyArray<CheckInRecord> = []
        if (fresh.length > 0) {
          const start = yield* claimSeqs(event.id, fresh.length, now)
          const rows = fresh.map((c, i) => ({
            id: c.id,
            orgId: event.orgId,
            eventId: event.id,
            listId: c.listId,
            ticketId: c.ticketId,
            deviceId: input.deviceId,
            deviceTime: c.deviceTime,
            seq: start + i + 1,
            receivedAt: now,
            createdAt: now,
            updatedAt: now,
          }))
          for (let i = 0; i < rows.length; i += 500)
            yield* sql`INSERT INTO check_ins ${sql.insert(rows.slice(i, i + 500))}`
          stored = yield* Effect.forEach(rows, decodeCheckIn)
          const freshIds = new Set(fresh.map((c) => c.id))
          const touched = [...new Set(fresh.map((c) => c.ticketId))]
          const all = yield* checkInsOfTickets(touched)
          for (const [listId, list] of lists) {
            if (list.reentry) continue
            const state = CheckInState.of(all.filter((c) => c.listId === listId).map(asCheckIn))
            for (const ticketId of touched) {
              const merged = state.forTicket(ticketId)
              if (merged === undefined) continue
              // A conflict is a check-in that lost just now: one that arrived and lost, or the winner
              // until now, displaced by an earlier one that arrived late. Older losers were counted before.
              const newlyLost = merged.later.filter((c) => freshIds.has(c.id))
              const previousWinner = merged.later.find((c) => !freshIds.has(c.id))
              if (freshIds.has(merged.winner.id) && previousWinner !== undefined) newlyLost.push(previousWinner)
              for (const loser of newlyLost) {
                conflicts++
                yield* audit.record({
                  action: "check_in.conflicted",
                  targetType: "ticket",
                  targetId: ticketId,
                  orgId: event.orgId,
                  eventId: event.id,
                  data: {
                    listId,
                    winner: merged.winner.id,
                    winnerDevice: merged.winner.deviceId,
                    loser: loser.id,
                    loserDevice: loser.deviceId,
                  },
                })
              }
            }
          }
          const voided = fresh.filter((c) => ticketStatus.get(c.ticketId) === "void")
          for (const c of voided) {
            yield* audit.record({
              action: "check_in.void_ticket_admitted",
              targetType: "ticket",
              targetId: c.ticketId,
              orgId: event.orgId,
              eventId: event.id,
              data: { checkInId: c.id, deviceId: input.deviceId },
            })
          }
          yield* audit.record({
            action: "check_ins.synced",
            targetType: "event",
            targetId: event.id,
            orgId: event.orgId,
            eventId: event.id,
            data: { deviceId: input.deviceId, accepted: fresh.length, conflicts },
          })
        }
        return { accepted: fresh.length, alreadyKnown, rejected, conflicts, stored }
      }).pipe(sql.withTransaction, Effect.orDie)
      const page = yield* Effect.flatMap(
        sql<Record<string, unknown>>`SELECT ${checkInColumns}
          FROM check_ins WHERE event_id = ${event.id} AND seq > ${input.cursor} ORDER BY seq LIMIT ${SYNC_PAGE + 1}`,
        Effect.forEach(decodeCheckIn),
      ).pipe(Effect.orDie)
      const seen = page.slice(0, SYNC_PAGE)
      const { stored, ...counts } = result
      return {
        result: new SyncResult({
          ...counts,
          checkIns: seen.filter((c) => c.deviceId !== input.deviceId),
          cursor: seen.length === 0 ? input.cursor : seen[seen.length - 1]!.seq,
          more: page.length > SYNC_PAGE,
        }),
        /** The check-ins this call stored, for live feeds (published after the commit). */
        stored,
      }
    })

    const sync = (event: Event, input: SyncCheckIns) => Effect.map(syncStoring(event, input), (r) => r.result)

    /** Every check-in of the event with whether it won its ticket; losers on lists without re-entry are conflicts. */
    const listCheckIns = Effect.fn("CheckIns.list")(function* (eventId: EventId) {
      const scope = yield* tenantScope(sql)
      const rows = yield* Effect.flatMap(
        sql<Record<string, unknown>>`SELECT ${checkInColumns}
          FROM check_ins WHERE event_id = ${eventId} AND ${scope} ORDER BY seq`,
        Effect.forEach(decodeCheckIn),
      ).pipe(Effect.orDie)
      const lists = new Map((yield* listsOf(eventId)).map((l) => [l.id as string, l]))
      const byList = new Map<string, CheckInState>()
      for (const r of rows) {
        let state = byList.get(r.listId)
        if (state === undefined) {
          state = new CheckInState()
          byList.set(r.listId, state)
        }
        state.merge([asCheckIn(r)])
      }
      return rows.map((r) => {
        const winner = byList.get(r.listId)!.forTicket(r.ticketId)!.winner.id === r.id
        return { checkIn: r, winner, conflict: !winner && lists.get(r.listId)?.reentry === false }
      })
    })

    return { createList, lists: listsOf, getList, checkInOnline, sync, syncStoring, list: listCheckIns } as const
  }),
  dependencies: [Audit.Default, SigningKeys.Default],
}) {}
