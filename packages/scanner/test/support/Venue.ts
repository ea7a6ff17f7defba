import { generateKeyPairSync, randomUUID, sign } from "node:crypto"
import {
  type CheckIn,
  type CheckinPack,
  emailHash,
  encodeBase64url,
  encodeTicketCode,
  type PackAttendee,
  type PackListSettings,
  sealPack,
} from "@sratix/core/offline"
import QRCode from "qrcode"

/**
 * An event as the door sees it: an Ed25519 signing key, tickets with signed SX1 codes, a check-in
 * list, and the check-in packs sealed for each enrolled device with `@sratix/core/offline`'s own
 * `sealPack`. Codes and packs are the real formats; only their source differs from production,
 * where the server makes them from the database.
 */
export interface VenueTicket {
  readonly ticketId: string
  readonly name: string
  readonly email: string
  readonly typeIndex: number
  readonly code: string
  readonly attention?: PackAttendee["a"]
}

const newKey = () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519")
  const x = publicKey.export({ format: "jwk" }).x!
  return {
    privateKey,
    publicKey: x,
    kid: encodeBase64url(Uint8Array.from([1, 2, 3].map(() => Math.floor(Math.random() * 256)))),
  }
}

export class Venue {
  readonly eventId = randomUUID()
  readonly listId = randomUUID()
  private readonly key = newKey()
  readonly tickets: Array<VenueTicket> = []
  readonly revoked = new Set<string>()
  list: PackListSettings

  constructor(options: { readonly admittedTypes?: ReadonlyArray<number> | null; readonly reentry?: boolean } = {}) {
    this.list = {
      id: this.listId,
      name: "Main entrance",
      ticketTypeIndexes: options.admittedTypes ?? null,
      validFrom: null,
      validUntil: null,
      reentry: options.reentry ?? false,
    }
  }

  /** A signed code for a ticket of this event (or, with `eventId`, another event signed by the same key). */
  codeFor(ticketId: string, typeIndex: number, eventId = this.eventId): string {
    return encodeTicketCode(
      { eventId, ticketId, ticketTypeIndex: typeIndex, kid: this.key.kid },
      (message) => new Uint8Array(sign(null, message, this.key.privateKey)),
    )
  }

  addTicket(name: string, email: string, options: { typeIndex?: number; attention?: PackAttendee["a"] } = {}) {
    const ticketId = randomUUID()
    const typeIndex = options.typeIndex ?? 0
    const ticket: VenueTicket = {
      ticketId,
      name,
      email,
      typeIndex,
      code: this.codeFor(ticketId, typeIndex),
      ...(options.attention ? { attention: options.attention } : {}),
    }
    this.tickets.push(ticket)
    return ticket
  }

  async pack(options: {
    readonly version: number
    readonly devices: ReadonlyArray<{ id: string; name: string }>
    readonly checkIns?: ReadonlyArray<CheckIn>
    readonly checkInCursor?: number
  }): Promise<CheckinPack> {
    const now = Date.now()
    return {
      format: "sratix-checkin-pack/1",
      eventId: this.eventId,
      listId: this.listId,
      version: options.version,
      baseVersion: null,
      generatedAt: now,
      expiresAt: now + 24 * 3600_000,
      list: this.list,
      keys: [{ kid: this.key.kid, publicKey: this.key.publicKey }],
      graceMs: 0,
      revoked: [...this.revoked],
      attendees: await Promise.all(
        this.tickets.map(async (t) => ({
          t: t.ticketId,
          n: t.name,
          ty: t.typeIndex,
          eh: await emailHash(this.eventId, t.email),
          ...(t.attention ? { a: t.attention } : {}),
        })),
      ),
      devices: options.devices,
      checkIns: options.checkIns ?? [],
      checkInCursor: options.checkInCursor ?? 0,
    }
  }

  sealFor(pack: CheckinPack, device: { readonly deviceId: string; readonly key: Uint8Array }): Promise<Uint8Array> {
    return sealPack(pack, device)
  }
}

/** A QR code of `text` as a PNG, the way a phone screen or a printed badge shows it. */
export const qrPng = (text: string): Promise<Buffer> =>
  QRCode.toBuffer(text, { type: "png", errorCorrectionLevel: "M", margin: 4, scale: 6 })

/**
 * A short Y4M video (raw YUV 4:2:0) of a QR code of `text`: what Chromium's fake camera plays with
 * `--use-file-for-fake-video-capture`, so the camera path (getUserMedia → html5-qrcode) runs for real.
 */
export const qrVideo = (text: string, frames = 10): Buffer => {
  const qr = QRCode.create(text, { errorCorrectionLevel: "M" })
  const scale = 4
  // A wide quiet zone, as when a badge is held a little away from the camera.
  const margin = 16
  const side = (qr.modules.size + 2 * margin) * scale
  const size = side + (side % 2)
  const luma = Buffer.alloc(size * size, 235)
  for (let y = 0; y < qr.modules.size; y++) {
    for (let x = 0; x < qr.modules.size; x++) {
      if (!qr.modules.get(y, x)) continue
      for (let dy = 0; dy < scale; dy++) {
        const row = ((y + margin) * scale + dy) * size + (x + margin) * scale
        luma.fill(16, row, row + scale)
      }
    }
  }
  const chroma = Buffer.alloc((size / 2) * (size / 2) * 2, 128)
  const header = Buffer.from(`YUV4MPEG2 W${size} H${size} F10:1 Ip A1:1 C420jpeg\n`)
  const frame = Buffer.concat([Buffer.from("FRAME\n"), luma, chroma])
  return Buffer.concat([header, ...Array.from({ length: frames }, () => frame)])
}
