import type { CheckinPack } from "./Checkin.js"

/**
 * The encrypted check-in pack envelope, version 1 (docs/adr/0011-checkin-merge-and-pack-format.md):
 *
 *     "SXP1" ‖ header length (uint16, big-endian) ‖ header (UTF-8 JSON) ‖ IV (12 bytes) ‖ AES-256-GCM ciphertext and tag
 *
 * The header names the event, list, device, version and expiry in the clear, so a device can tell
 * which pack a file is before decrypting; the magic, length and header are the associated data of
 * the encryption, so changing any byte of the file, header included, makes decryption fail and the
 * pack is refused whole. The key is the device's own 256-bit key from its enrolment.
 */
export const PACK_MAGIC = "SXP1"
const MAGIC_BYTES = new TextEncoder().encode(PACK_MAGIC)
const IV_BYTES = 12
const TAG_BYTES = 16

export interface PackHeader {
  readonly eventId: string
  readonly listId: string
  readonly deviceId: string
  readonly version: number
  readonly baseVersion: number | null
  readonly expiresAt: number
}

export type PackRejection = "malformed" | "tampered" | "wrong_device" | "expired"

export type OpenedPack =
  | { readonly ok: true; readonly header: PackHeader; readonly pack: CheckinPack }
  | { readonly ok: false; readonly reason: PackRejection }

/** A device key as WebCrypto uses it; the scanner keeps it non-extractable. */
export const importPackKey = (raw: Uint8Array, extractable = false): Promise<CryptoKey> => {
  if (raw.length !== 32) return Promise.reject(new Error("a pack key has 32 bytes"))
  return crypto.subtle.importKey("raw", raw as Uint8Array<ArrayBuffer>, { name: "AES-GCM" }, extractable, [
    "encrypt",
    "decrypt",
  ])
}

const asKey = (key: CryptoKey | Uint8Array) => (key instanceof Uint8Array ? importPackKey(key) : Promise.resolve(key))

/** Encrypts a pack for one device. */
export const sealPack = async (
  pack: CheckinPack,
  device: { readonly deviceId: string; readonly key: CryptoKey | Uint8Array },
): Promise<Uint8Array> => {
  const header: PackHeader = {
    eventId: pack.eventId,
    listId: pack.listId,
    deviceId: device.deviceId,
    version: pack.version,
    baseVersion: pack.baseVersion,
    expiresAt: pack.expiresAt,
  }
  const headerBytes = new TextEncoder().encode(JSON.stringify(header))
  if (headerBytes.length > 0xffff) throw new Error("pack header too long")
  const prefix = new Uint8Array(MAGIC_BYTES.length + 2 + headerBytes.length)
  prefix.set(MAGIC_BYTES, 0)
  new DataView(prefix.buffer).setUint16(MAGIC_BYTES.length, headerBytes.length)
  prefix.set(headerBytes, MAGIC_BYTES.length + 2)
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: prefix },
      await asKey(device.key),
      new TextEncoder().encode(JSON.stringify(pack)),
    ),
  )
  const out = new Uint8Array(prefix.length + IV_BYTES + ciphertext.length)
  out.set(prefix, 0)
  out.set(iv, prefix.length)
  out.set(ciphertext, prefix.length + IV_BYTES)
  return out
}

/** The clear header of an envelope, without decrypting (null when the bytes are not a pack). */
export const readPackHeader = (bytes: Uint8Array): PackHeader | null => {
  const parsed = splitEnvelope(bytes)
  return parsed === null ? null : parsed.header
}

const splitEnvelope = (bytes: Uint8Array) => {
  if (bytes.length < MAGIC_BYTES.length + 2) return null
  if (!MAGIC_BYTES.every((b, i) => bytes[i] === b)) return null
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(MAGIC_BYTES.length)
  const headerEnd = MAGIC_BYTES.length + 2 + headerLength
  if (bytes.length < headerEnd + IV_BYTES + TAG_BYTES) return null
  let header: PackHeader
  try {
    header = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(MAGIC_BYTES.length + 2, headerEnd)),
    )
  } catch {
    return null
  }
  if (typeof header !== "object" || header === null || typeof header.deviceId !== "string") return null
  return {
    header,
    prefix: bytes.subarray(0, headerEnd),
    iv: bytes.subarray(headerEnd, headerEnd + IV_BYTES),
    ciphertext: bytes.subarray(headerEnd + IV_BYTES),
  }
}

/**
 * Decrypts and checks a pack for this device at `now`; never throws. Any altered byte gives
 * `tampered` (or `malformed` when the shape itself broke); a pack for another device, event or
 * list is `wrong_device`; a pack past its expiry is `expired`.
 */
export const openPack = async (
  bytes: Uint8Array,
  device: {
    readonly deviceId: string
    readonly eventId: string
    readonly key: CryptoKey | Uint8Array
    readonly listId?: string
  },
  now: number,
): Promise<OpenedPack> => {
  const parts = splitEnvelope(bytes)
  if (parts === null) return { ok: false, reason: "malformed" }
  let plain: ArrayBuffer
  try {
    plain = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: parts.iv as Uint8Array<ArrayBuffer>,
        additionalData: parts.prefix as Uint8Array<ArrayBuffer>,
      },
      await asKey(device.key),
      parts.ciphertext as Uint8Array<ArrayBuffer>,
    )
  } catch {
    return { ok: false, reason: "tampered" }
  }
  const { header } = parts
  let pack: CheckinPack
  try {
    pack = JSON.parse(new TextDecoder().decode(plain))
  } catch {
    return { ok: false, reason: "malformed" }
  }
  if (
    header.deviceId !== device.deviceId ||
    header.eventId !== device.eventId ||
    pack.eventId !== header.eventId ||
    pack.listId !== header.listId ||
    pack.version !== header.version ||
    (device.listId !== undefined && header.listId !== device.listId)
  ) {
    return { ok: false, reason: "wrong_device" }
  }
  if (pack.format !== "sratix-checkin-pack/1") return { ok: false, reason: "malformed" }
  if (now > header.expiresAt) return { ok: false, reason: "expired" }
  return { ok: true, header, pack }
}
