import type { CheckIn } from "@sratix/core/offline"
import { type DBSchema, type IDBPDatabase, openDB } from "idb"

/**
 * Everything the scanner keeps on the device, in IndexedDB (docs/scanner.md, "How it keeps data safe"):
 *
 * - a device key: AES-256-GCM, generated here, **non-extractable** — script can use it but never read
 *   it, and it never leaves this browser profile;
 * - the enrolment: ids in the clear, the API token encrypted and the pack key wrapped with the device key;
 * - the pack envelopes exactly as downloaded (full pack, then deltas): they are AES-256-GCM ciphertext
 *   under the pack key, so the guest list is never stored in the clear;
 * - check-ins: this device's and other devices' (ticket ids and times, no personal data), and the
 *   queue of this device's check-ins the server has not confirmed yet.
 */

export interface Sealed {
  readonly iv: Uint8Array
  readonly data: ArrayBuffer
}

export interface Enrolment {
  readonly deviceId: string
  readonly deviceName: string
  readonly orgId: string
  readonly eventId: string
  readonly listId: string
  readonly token: Sealed
  readonly packKey: Sealed
  /** The sync cursor: the last check-in seq this device has received. */
  readonly cursor: number
  readonly enrolledAt: number
}

export interface StoredPack {
  readonly seq?: number
  readonly version: number
  readonly baseVersion: number | null
  readonly bytes: Uint8Array
}

interface ScannerDb extends DBSchema {
  secrets: { key: string; value: CryptoKey }
  device: { key: string; value: Enrolment }
  packs: { key: number; value: StoredPack }
  checkIns: { key: string; value: CheckIn }
  queue: { key: string; value: CheckIn }
}

const DB_NAME = "sratix-scanner"
const DEVICE_KEY = "device-key"
const CURRENT = "current"

export class Vault {
  private constructor(
    private readonly db: IDBPDatabase<ScannerDb>,
    private readonly deviceKey: CryptoKey,
  ) {}

  static async open(): Promise<Vault> {
    const db = await openDB<ScannerDb>(DB_NAME, 1, {
      upgrade(db) {
        db.createObjectStore("secrets")
        db.createObjectStore("device")
        db.createObjectStore("packs", { keyPath: "seq", autoIncrement: true })
        db.createObjectStore("checkIns", { keyPath: "id" })
        db.createObjectStore("queue", { keyPath: "id" })
      },
    })
    let key = await db.get("secrets", DEVICE_KEY)
    if (key === undefined) {
      // Non-extractable: IndexedDB stores the key object, and no script (ours included) can export it.
      key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
        "encrypt",
        "decrypt",
        "wrapKey",
        "unwrapKey",
      ])
      // Two tabs opening at once must end with one key: add() refuses the second, which then reads the first.
      try {
        await db.add("secrets", key, DEVICE_KEY)
      } catch {
        key = (await db.get("secrets", DEVICE_KEY))!
      }
    }
    return new Vault(db, key)
  }

  /** Whether the device key is one no script can read (what docs/scanner.md promises). */
  get deviceKeyExtractable(): boolean {
    return this.deviceKey.extractable
  }

  private async seal(plain: Uint8Array): Promise<Sealed> {
    const iv = crypto.getRandomValues(new Uint8Array(12))
    const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, this.deviceKey, plain as Uint8Array<ArrayBuffer>)
    return { iv, data }
  }

  /** Stores a new enrolment, replacing any earlier one and everything that belonged to it. */
  async enrol(input: {
    readonly deviceId: string
    readonly deviceName: string
    readonly orgId: string
    readonly eventId: string
    readonly listId: string
    readonly token: string
    readonly packKey: Uint8Array
  }): Promise<void> {
    // The raw pack key is imported extractable only to be wrapped at once; what is stored is the wrap.
    const transient = await crypto.subtle.importKey(
      "raw",
      input.packKey as Uint8Array<ArrayBuffer>,
      { name: "AES-GCM" },
      true,
      ["decrypt"],
    )
    const iv = crypto.getRandomValues(new Uint8Array(12))
    const packKey = { iv, data: await crypto.subtle.wrapKey("raw", transient, this.deviceKey, { name: "AES-GCM", iv }) }
    const token = await this.seal(new TextEncoder().encode(input.token))
    await this.forget()
    await this.db.put(
      "device",
      {
        deviceId: input.deviceId,
        deviceName: input.deviceName,
        orgId: input.orgId,
        eventId: input.eventId,
        listId: input.listId,
        token,
        packKey,
        cursor: 0,
        enrolledAt: Date.now(),
      },
      CURRENT,
    )
  }

  enrolment(): Promise<Enrolment | undefined> {
    return this.db.get("device", CURRENT)
  }

  async token(enrolment: Enrolment): Promise<string> {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: enrolment.token.iv as Uint8Array<ArrayBuffer> },
      this.deviceKey,
      enrolment.token.data,
    )
    return new TextDecoder().decode(plain)
  }

  /** The pack key, unwrapped as a non-extractable key that can only decrypt. */
  packKey(enrolment: Enrolment): Promise<CryptoKey> {
    return crypto.subtle.unwrapKey(
      "raw",
      enrolment.packKey.data,
      this.deviceKey,
      { name: "AES-GCM", iv: enrolment.packKey.iv as Uint8Array<ArrayBuffer> },
      { name: "AES-GCM" },
      false,
      ["decrypt"],
    )
  }

  async setCursor(cursor: number): Promise<void> {
    const tx = this.db.transaction("device", "readwrite")
    const current = await tx.store.get(CURRENT)
    if (current !== undefined && cursor > current.cursor) await tx.store.put({ ...current, cursor }, CURRENT)
    await tx.done
  }

  /** The stored envelopes in the order to apply them: the full pack, then its deltas. */
  packs(): Promise<Array<StoredPack>> {
    return this.db.getAll("packs")
  }

  /** Keeps a full pack (dropping every earlier envelope) or appends a delta. */
  async savePack(pack: StoredPack): Promise<void> {
    const tx = this.db.transaction("packs", "readwrite")
    if (pack.baseVersion === null) await tx.store.clear()
    await tx.store.add({ version: pack.version, baseVersion: pack.baseVersion, bytes: pack.bytes })
    await tx.done
  }

  /** Records this device's check-in and queues it for sync, in one transaction. */
  async record(checkIn: CheckIn): Promise<void> {
    const tx = this.db.transaction(["checkIns", "queue"], "readwrite")
    await Promise.all([tx.objectStore("checkIns").put(checkIn), tx.objectStore("queue").put(checkIn), tx.done])
  }

  /** Keeps other devices' check-ins from a sync answer. */
  async remember(checkIns: ReadonlyArray<CheckIn>): Promise<void> {
    if (checkIns.length === 0) return
    const tx = this.db.transaction("checkIns", "readwrite")
    await Promise.all([...checkIns.map((c) => tx.store.put(c)), tx.done])
  }

  checkIns(): Promise<Array<CheckIn>> {
    return this.db.getAll("checkIns")
  }

  queued(): Promise<Array<CheckIn>> {
    return this.db.getAll("queue")
  }

  queueSize(): Promise<number> {
    return this.db.count("queue")
  }

  async dequeue(ids: ReadonlyArray<string>): Promise<void> {
    const tx = this.db.transaction("queue", "readwrite")
    await Promise.all([...ids.map((id) => tx.store.delete(id)), tx.done])
  }

  /** Drops the enrolment, packs and check-ins (a new enrolment, or a device the server revoked). Keeps the device key. */
  async forget(): Promise<void> {
    const tx = this.db.transaction(["device", "packs", "checkIns", "queue"], "readwrite")
    await Promise.all([
      tx.objectStore("device").clear(),
      tx.objectStore("packs").clear(),
      tx.objectStore("checkIns").clear(),
      tx.objectStore("queue").clear(),
      tx.done,
    ])
  }

  close(): void {
    this.db.close()
  }
}
