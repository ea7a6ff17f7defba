import {
  type CheckIn,
  decodeBase64url,
  openPack,
  type PackAttendee,
  type PackRejection,
  ScanIndex,
  type ScanVerdict,
} from "@sratix/core/offline"
import { ApiRefusal, downloadPack, enrol, type SyncAnswer, syncCheckIns } from "./Api.js"
import { type Enrolment, Vault } from "./Vault.js"

/** Why the door cannot scan yet, or what last went wrong, as a stable code the UI translates. */
export type DoorNotice =
  | { readonly kind: "pack_refused"; readonly reason: PackRejection }
  | { readonly kind: "no_pack" }
  | { readonly kind: "enrol_failed"; readonly detail: string }
  | { readonly kind: "revoked" }
  | { readonly kind: "update_refused"; readonly reason: PackRejection }

export type DoorPhase = "starting" | "unenrolled" | "not_ready" | "ready"

export interface SyncReport {
  readonly at: number
  readonly sent: number
  readonly received: number
  readonly conflicts: number
  readonly rejected: number
}

/** How often the door retries a sync while check-ins wait, and refreshes its pack when online. */
const RETRY_MS = 15_000
const REFRESH_MS = 5 * 60_000
/** After this many stored deltas the next refresh takes a full pack, which replaces them all. */
const MAX_DELTAS = 20
/** The sync endpoint takes at most this many check-ins per call. */
const SYNC_BATCH = 2000

const isOffline = (cause: unknown) => cause instanceof TypeError || !navigator.onLine

/**
 * One scanner at one door: its enrolment, its pack made ready to scan, its check-ins and their
 * queue. It always decides locally (offline-first, no "offline mode"); the network only brings pack
 * updates and exchanges check-ins. Fires `change` whenever something on screen may differ.
 */
export class Door extends EventTarget {
  phase: DoorPhase = "starting"
  notice: DoorNotice | null = null
  enrolment: Enrolment | undefined
  index: ScanIndex | null = null
  queued = 0
  syncing = false
  lastSync: SyncReport | null = null
  /** Why the last sync failed while the network was up (the server refused or erred); null once one succeeds. */
  syncProblem: string | null = null
  /** Milliseconds from stored pack to ready to scan at the last start (docs/benchmarks.md). */
  readyMs: number | null = null
  private envelopes = 0
  private syncRun: Promise<void> | null = null
  private timers: Array<ReturnType<typeof setInterval>> = []
  private syncSoon: ReturnType<typeof setTimeout> | undefined

  private constructor(readonly vault: Vault) {
    super()
  }

  static async start(): Promise<Door> {
    const door = new Door(await Vault.open())
    await door.load()
    door.connect()
    return door
  }

  private changed() {
    this.dispatchEvent(new Event("change"))
  }

  /** Opens the stored envelopes (full pack, then deltas) and the check-ins into a fresh scan index. */
  async load(): Promise<void> {
    const started = performance.now()
    this.enrolment = await this.vault.enrolment()
    this.index = null
    if (this.enrolment === undefined) {
      this.phase = "unenrolled"
      this.changed()
      return
    }
    const enrolment = this.enrolment
    const [key, packs, checkIns, queued] = await Promise.all([
      this.vault.packKey(enrolment),
      this.vault.packs(),
      this.vault.checkIns(),
      this.vault.queueSize(),
    ])
    this.queued = queued
    this.envelopes = packs.length
    const read = performance.now()
    let opening = 0
    let index: ScanIndex | null = null
    for (const stored of packs) {
      const before = performance.now()
      const opened = await openPack(stored.bytes, { ...this.identity(enrolment), key }, Date.now())
      opening += performance.now() - before
      if (!opened.ok) {
        this.phase = "not_ready"
        this.notice = { kind: "pack_refused", reason: opened.reason }
        this.changed()
        return
      }
      if (index === null) index = new ScanIndex(opened.pack)
      else index.applyDelta(opened.pack)
    }
    if (index === null) {
      this.phase = "not_ready"
      this.notice = { kind: "no_pack" }
      this.changed()
      return
    }
    index.mergeCheckIns(checkIns)
    this.index = index
    this.readyMs = performance.now() - started
    // The parts of the start, for docs/benchmarks.md: storage reads, decrypt + parse, and the rest (index, merge).
    performance.measure("sratix-scanner:ready", { start: started, end: started + this.readyMs })
    performance.measure("sratix-scanner:read", { start: started, end: read })
    performance.measure("sratix-scanner:open", { start: read, duration: opening })
    this.phase = "ready"
    this.notice = null
    this.changed()
  }

  private identity(enrolment: Enrolment) {
    return { deviceId: enrolment.deviceId, eventId: enrolment.eventId, listId: enrolment.listId }
  }

  /**
   * Redeems a one-time enrolment code, then downloads and checks the first pack. The enrolment is
   * kept even when the pack is refused: the code is spent, and the device can download again.
   */
  async enrol(code: string): Promise<void> {
    let answer: Awaited<ReturnType<typeof enrol>>
    try {
      answer = await enrol(code.trim())
    } catch (cause) {
      this.notice = {
        kind: "enrol_failed",
        detail: cause instanceof ApiRefusal ? cause.message : isOffline(cause) ? "offline" : String(cause),
      }
      this.changed()
      throw cause
    }
    const packKey = decodeBase64url(answer.packKey)
    if (packKey === null || packKey.length !== 32) {
      this.notice = { kind: "enrol_failed", detail: "the server sent no usable pack key" }
      this.changed()
      throw new Error("unusable pack key")
    }
    await this.vault.enrol({ ...answer, packKey })
    packKey.fill(0)
    this.index = null
    this.queued = 0
    this.lastSync = null
    await this.load()
    await this.refresh()
  }

  /**
   * Downloads the full pack (none yet) or the delta since the current version, checks it whole and
   * applies it. A refused update leaves the current pack in use.
   */
  async refresh(): Promise<void> {
    const enrolment = this.enrolment
    if (enrolment === undefined) return
    const token = await this.vault.token(enrolment)
    const since = this.index !== null && this.envelopes <= MAX_DELTAS ? this.index.version : null
    let bytes: Uint8Array | null
    try {
      bytes = await downloadPack({ ...enrolment, token }, since)
    } catch (cause) {
      if (cause instanceof ApiRefusal && cause.status === 401) return this.revoked()
      throw cause
    }
    if (bytes === null) return
    const key = await this.vault.packKey(enrolment)
    const opened = await openPack(bytes, { ...this.identity(enrolment), key }, Date.now())
    if (!opened.ok) {
      this.notice =
        this.index === null
          ? { kind: "pack_refused", reason: opened.reason }
          : { kind: "update_refused", reason: opened.reason }
      if (this.index === null) this.phase = "not_ready"
      this.changed()
      return
    }
    const { pack } = opened
    if (pack.baseVersion === null || this.index === null) {
      if (pack.baseVersion !== null) {
        // A delta with nothing to apply it to: ask for the full pack instead.
        this.notice = { kind: "no_pack" }
        this.changed()
        return
      }
      const index = new ScanIndex(pack)
      index.mergeCheckIns(await this.vault.checkIns())
      this.index = index
    } else {
      this.index.applyDelta(pack)
    }
    await this.vault.savePack({ version: pack.version, baseVersion: pack.baseVersion, bytes })
    this.envelopes = pack.baseVersion === null ? 1 : this.envelopes + 1
    this.phase = "ready"
    this.notice = null
    this.changed()
  }

  /** The token no longer works: the device was revoked. The guest list and queue go with it. */
  private async revoked() {
    await this.vault.forget()
    this.enrolment = undefined
    this.index = null
    this.queued = 0
    this.phase = "unenrolled"
    this.notice = { kind: "revoked" }
    this.changed()
  }

  /** Decides a scanned code and, when valid, records the check-in before answering. */
  async scan(code: string): Promise<ScanVerdict> {
    const index = this.requireIndex()
    const now = Date.now()
    const verdict = await index.decide(code.trim(), now)
    if (verdict.kind === "valid") await this.record(verdict.ticketId, now)
    return verdict
  }

  /** Admits an attendee found by manual search: the same rules, without a code to verify. */
  async admit(attendee: PackAttendee): Promise<ScanVerdict> {
    const index = this.requireIndex()
    const now = Date.now()
    const verdict = index.decideTicket(attendee.t, attendee.ty, now)
    if (verdict.kind === "valid") await this.record(verdict.ticketId, now)
    return verdict
  }

  /** Name search, or an exact e-mail search when the query holds an `@`. */
  async search(query: string): Promise<ReadonlyArray<PackAttendee>> {
    const index = this.requireIndex()
    return query.includes("@") ? index.searchByEmail(query) : index.searchByName(query)
  }

  private requireIndex(): ScanIndex {
    if (this.index === null) throw new Error("the scanner has no pack yet")
    return this.index
  }

  private async record(ticketId: string, now: number) {
    const enrolment = this.enrolment!
    const checkIn: CheckIn = {
      id: crypto.randomUUID(),
      ticketId,
      listId: enrolment.listId,
      deviceId: enrolment.deviceId,
      deviceTime: now,
    }
    // Stored first, then shown: a check-in on screen is a check-in that survives a crash.
    await this.vault.record(checkIn)
    this.index!.mergeCheckIns([checkIn])
    this.queued++
    this.changed()
    clearTimeout(this.syncSoon)
    this.syncSoon = setTimeout(() => void this.sync().catch(() => undefined), 300)
  }

  /**
   * Sends queued check-ins and takes other devices' check-ins since the cursor, merging them with
   * the core rule, until nothing waits on either side. One run at a time; a failed run leaves the
   * queue as it was (the server's answer to a retry is idempotent by check-in id).
   */
  sync(): Promise<void> {
    this.syncRun ??= this.runSync().finally(() => {
      this.syncRun = null
      this.syncing = false
      this.changed()
    })
    return this.syncRun
  }

  private async runSync() {
    const enrolment = this.enrolment
    if (enrolment === undefined || this.index === null) return
    this.syncing = true
    this.changed()
    const token = await this.vault.token(enrolment)
    const total = { sent: 0, received: 0, conflicts: 0, rejected: 0 }
    let cursor = (await this.vault.enrolment())?.cursor ?? 0
    for (;;) {
      const batch = (await this.vault.queued()).slice(0, SYNC_BATCH)
      let answer: SyncAnswer
      try {
        answer = await syncCheckIns({ ...enrolment, token }, cursor, batch)
      } catch (cause) {
        if (cause instanceof ApiRefusal && cause.status === 401) return this.revoked()
        // Offline is the normal case at a door and needs no message; anything else staff should see.
        if (!isOffline(cause)) this.syncProblem = cause instanceof Error ? cause.message : String(cause)
        throw cause
      }
      this.syncProblem = null
      // Everything sent was stored, already known, or refused for good (unknown ticket, reused id): none is resent.
      await this.vault.dequeue(batch.map((c) => c.id))
      await this.vault.remember(answer.checkIns)
      this.index.mergeCheckIns(answer.checkIns)
      await this.vault.setCursor(answer.cursor)
      cursor = answer.cursor
      total.sent += batch.length
      total.received += answer.checkIns.length
      total.conflicts += answer.conflicts
      total.rejected += answer.rejected.length
      this.queued = await this.vault.queueSize()
      this.changed()
      if (!answer.more && this.queued === 0) break
    }
    this.lastSync = { at: Date.now(), ...total }
  }

  /** Syncs when the network returns, retries while check-ins wait, refreshes the pack now and then. */
  private connect() {
    const catchUp = () => {
      this.changed()
      void this.sync().catch(() => undefined)
      void this.refresh().catch(() => undefined)
    }
    addEventListener("online", catchUp)
    addEventListener("offline", () => this.changed())
    this.timers.push(
      setInterval(() => {
        if (navigator.onLine && this.queued > 0) void this.sync().catch(() => undefined)
      }, RETRY_MS),
      setInterval(() => {
        if (navigator.onLine) catchUp()
      }, REFRESH_MS),
    )
    if (navigator.onLine && this.enrolment !== undefined) catchUp()
  }
}
