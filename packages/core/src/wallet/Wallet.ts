import { SqlClient } from "@effect/sql"
import { Clock, Effect, Schema } from "effect"
import { importPKCS8, SignJWT } from "jose"
import { PKPass } from "passkit-generator"
import { Audit } from "../audit/Audit.js"
import { type Attendee, loadAttendees } from "../badges/Attendees.js"
import type { EventId } from "../domain/Ids.js"
import { Conflict, Forbidden, InvalidRequest, NotFound } from "../domain/Problems.js"
import type { TicketId } from "../domain/Ticket.js"
import { WalletNotConfigured, WalletPassSettings } from "../domain/Wallet.js"
import { Events } from "../events/Events.js"
import { RenderFailed } from "../render/Browser.js"
import { Caller, can } from "../tenancy/Caller.js"
import { type AppleWalletConfig, type GoogleWalletConfig, WalletConfig } from "./WalletConfig.js"

/** A plain 58 × 58 icon (Wallet refuses a pass without `icon.png`). */
const ICON = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAADoAAAA6CAYAAADhu0ooAAAAcklEQVR4AeXBAQEAIAyAME4PK5nfNj4I25z7PgESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESIRESsVsSArZj9f++AAAAAElFTkSuQmCC",
  "base64",
)

/** Read per call: optional, and a caller (a test, the CLI) may provide its own. */
const configured = Effect.map(Effect.serviceOption(WalletConfig), (c) =>
  c._tag === "Some" ? c.value : { apple: null, google: null },
)

const NO_SETTINGS: WalletPassSettings = {
  latitude: null,
  longitude: null,
  backgroundColor: null,
  foregroundColor: null,
}

const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join(", ")})`

const eventDateTime = (attendee: Attendee) =>
  new Intl.DateTimeFormat("en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: attendee.event.timezone,
  }).format(attendee.event.startsAt)

/**
 * An Apple Wallet eventTicket pass for one ticket: attendee, event, date, venue, the signed code as a
 * QR barcode; relevant from an hour before the start and near the venue when coordinates are set.
 * Signed (PKCS#7, detached, over manifest.json) with the configured pass type certificate.
 */
export const applePass = (config: AppleWalletConfig, attendee: Attendee, settings: WalletPassSettings): Buffer => {
  const { content, event } = attendee
  const pass = new PKPass(
    {
      "icon.png": ICON,
      "icon@2x.png": ICON,
      "pass.json": Buffer.from(
        JSON.stringify({
          formatVersion: 1,
          passTypeIdentifier: config.passTypeIdentifier,
          teamIdentifier: config.teamIdentifier,
          organizationName: config.organizationName,
          description: `${event.name}: ${content.ticketType}`,
          serialNumber: attendee.ticketId,
          ...(settings.backgroundColor === null ? {} : { backgroundColor: rgb(settings.backgroundColor) }),
          ...(settings.foregroundColor === null
            ? {}
            : { foregroundColor: rgb(settings.foregroundColor), labelColor: rgb(settings.foregroundColor) }),
          eventTicket: {},
        }),
      ),
    },
    {
      wwdr: config.wwdr,
      signerCert: config.signerCert,
      signerKey: config.signerKey,
      ...(config.signerKeyPassphrase === null ? {} : { signerKeyPassphrase: config.signerKeyPassphrase }),
    },
  )
  pass.type = "eventTicket"
  pass.primaryFields.push({ key: "event", label: "Event", value: event.name })
  pass.secondaryFields.push(
    { key: "attendee", label: "Attendee", value: content.name },
    { key: "ticketType", label: "Ticket", value: content.ticketType },
  )
  pass.auxiliaryFields.push({ key: "date", label: "Date", value: eventDateTime(attendee) })
  if (content.venue !== "") pass.auxiliaryFields.push({ key: "venue", label: "Venue", value: content.venue })
  pass.backFields.push({ key: "ticketId", label: "Ticket", value: attendee.ticketId })
  pass.setBarcodes({
    message: content.code,
    format: "PKBarcodeFormatQR",
    messageEncoding: "iso-8859-1",
    altText: content.name,
  })
  pass.setRelevantDate(new Date(event.startsAt - 60 * 60 * 1000))
  if (settings.latitude !== null && settings.longitude !== null) {
    pass.setLocations({
      latitude: settings.latitude,
      longitude: settings.longitude,
      relevantText: `${event.name}: show your ticket at the entrance`,
    })
  }
  return pass.getAsBuffer()
}

const localized = (value: string) => ({ defaultValue: { language: "en", value } })

/** Google Wallet ids allow letters, digits, `.`, `_` and `-` after the issuer id. */
export const googleClassId = (config: GoogleWalletConfig, eventId: string) =>
  `${config.issuerId}.${config.classSuffix ?? `sratix-${eventId}`}`

/** The JWT payload of a "Save to Google Wallet" link: the event's class and the ticket's EventTicketObject. */
export const googleSavePayload = (config: GoogleWalletConfig, attendee: Attendee, now: number) => {
  const { content, event } = attendee
  const classId = googleClassId(config, attendee.eventId)
  const venue = event.venue
  return {
    iss: config.serviceAccountEmail,
    aud: "google",
    typ: "savetowallet",
    iat: Math.floor(now / 1000),
    origins: [...config.origins],
    payload: {
      eventTicketClasses: [
        {
          id: classId,
          issuerName: event.name,
          eventName: localized(event.name),
          reviewStatus: "UNDER_REVIEW",
          dateTime: { start: new Date(event.startsAt).toISOString(), end: new Date(event.endsAt).toISOString() },
          ...(venue === null
            ? {}
            : {
                venue: {
                  name: localized(venue.name),
                  address: localized(
                    [venue.street, [venue.postalCode, venue.city].filter(Boolean).join(" "), venue.country]
                      .filter((p) => p !== undefined && p !== "")
                      .join(", "),
                  ),
                },
              }),
        },
      ],
      eventTicketObjects: [
        {
          id: `${config.issuerId}.${attendee.ticketId}`,
          classId,
          state: "ACTIVE",
          ticketHolderName: content.name,
          ticketNumber: attendee.ticketId,
          ticketType: localized(content.ticketType),
          barcode: { type: "QR_CODE", value: content.code, alternateText: content.name },
        },
      ],
    },
  }
}

/**
 * Wallet passes for tickets: an Apple Wallet `.pkpass` and a "Save to Google Wallet" link. Without
 * the certificates or keys (WalletConfig) each is reported as not configured; nothing else changes.
 */
export class Wallet extends Effect.Service<Wallet>()("sratix/wallet/Wallet", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit
    const events = yield* Events

    const attendeeOf = (ticketId: TicketId) =>
      Effect.gen(function* () {
        const [attendee] = yield* loadAttendees(
          (sql) => sql`t.id = ${ticketId}`,
          () => null,
        )
        if (attendee === undefined) return yield* new NotFound({ detail: "No such ticket", resource: "ticket" })
        if (attendee.status !== "valid") return yield* new Conflict({ detail: "This ticket is void: it gets no pass" })
        return attendee
      })

    const settingsOf = (eventId: EventId) =>
      Effect.map(
        sql<{
          latitudeE6: number | null
          longitudeE6: number | null
          backgroundColor: string | null
          foregroundColor: string | null
        }>`SELECT latitude_e6, longitude_e6, background_color, foreground_color FROM event_wallet_settings
          WHERE event_id = ${eventId}`,
        ([row]): WalletPassSettings =>
          row === undefined
            ? NO_SETTINGS
            : {
                latitude: row.latitudeE6 === null ? null : Number(row.latitudeE6) / 1e6,
                longitude: row.longitudeE6 === null ? null : Number(row.longitudeE6) / 1e6,
                backgroundColor: row.backgroundColor,
                foregroundColor: row.foregroundColor,
              },
      ).pipe(Effect.orDie)

    const status = Effect.fn("Wallet.status")(function* () {
      const config = yield* configured
      return { apple: config.apple !== null, google: config.google !== null }
    })

    /** The ticket's `.pkpass` (a zip: pass.json, images, manifest.json, signature). */
    const applePassFor = Effect.fn("Wallet.applePass")(function* (ticketId: TicketId) {
      const apple = (yield* configured).apple
      if (apple === null) {
        return yield* new WalletNotConfigured({
          detail: "Apple Wallet passes are not configured: set the SRATIX_APPLE_PASS_* settings (docs/wallet.md)",
          provider: "apple",
        })
      }
      const attendee = yield* attendeeOf(ticketId)
      const settings = yield* settingsOf(attendee.eventId)
      return yield* Effect.try({
        try: () => new Uint8Array(applePass(apple, attendee, settings)),
        // Certificates that do not match, or a wrong passphrase: the configuration, not the request.
        catch: (e) =>
          new RenderFailed({ detail: `Apple Wallet pass could not be signed: ${(e as Error).message.split("\n")[0]}` }),
      })
    })

    /** The "Save to Google Wallet" URL for the ticket: an RS256 JWT with its EventTicketObject. */
    const googleSaveUrl = Effect.fn("Wallet.googleSaveUrl")(function* (ticketId: TicketId) {
      const google = (yield* configured).google
      if (google === null) {
        return yield* new WalletNotConfigured({
          detail: "Google Wallet is not configured: set the SRATIX_GOOGLE_WALLET_* settings (docs/wallet.md)",
          provider: "google",
        })
      }
      const attendee = yield* attendeeOf(ticketId)
      const now = yield* Clock.currentTimeMillis
      const jwt = yield* Effect.tryPromise({
        try: async () =>
          new SignJWT(googleSavePayload(google, attendee, now) as never)
            .setProtectedHeader({ alg: "RS256", typ: "JWT" })
            .sign(await importPKCS8(google.privateKey, "RS256")),
        catch: (e) =>
          new RenderFailed({
            detail: `Google Wallet link could not be signed: ${(e as Error).message.split("\n")[0]}`,
          }),
      })
      return `https://pay.google.com/gp/v/save/${jwt}`
    })

    const passSettings = Effect.fn("Wallet.passSettings")(function* (eventId: EventId) {
      yield* events.get(eventId)
      return yield* settingsOf(eventId)
    })

    /** Coordinates and colours of the event's passes; replaces what was set before. */
    const setPassSettings = Effect.fn("Wallet.setPassSettings")(function* (eventId: EventId, input: unknown) {
      const event = yield* events.get(eventId)
      const caller = yield* Caller
      if (!can(caller, "events.write", { orgId: event.orgId, eventId: event.id })) {
        return yield* new Forbidden({
          detail: "Changing this event's passes is not allowed",
          permission: "events.write",
        })
      }
      const settings = yield* Schema.decodeUnknown(WalletPassSettings)(input).pipe(
        Effect.mapError((e) => new InvalidRequest({ detail: `Wallet settings: ${e.message.split("\n")[0]}` })),
      )
      if ((settings.latitude === null) !== (settings.longitude === null)) {
        return yield* new InvalidRequest({ detail: "Give both latitude and longitude, or neither", field: "latitude" })
      }
      const now = yield* Clock.currentTimeMillis
      const values = {
        latitudeE6: settings.latitude === null ? null : Math.round(settings.latitude * 1e6),
        longitudeE6: settings.longitude === null ? null : Math.round(settings.longitude * 1e6),
        backgroundColor: settings.backgroundColor,
        foregroundColor: settings.foregroundColor,
        updatedAt: now,
      }
      yield* Effect.gen(function* () {
        yield* sql`DELETE FROM event_wallet_settings WHERE event_id = ${event.id}`
        yield* sql`INSERT INTO event_wallet_settings ${sql.insert({
          eventId: event.id,
          orgId: event.orgId,
          ...values,
          createdAt: now,
        })}`
        yield* audit.record({
          action: "wallet_settings.updated",
          targetType: "event",
          targetId: event.id,
          orgId: event.orgId,
          eventId: event.id,
        })
      }).pipe(sql.withTransaction, Effect.orDie)
      return settings
    })

    return { status, applePass: applePassFor, googleSaveUrl, passSettings, setPassSettings } as const
  }),
  dependencies: [Audit.Default, Events.Default],
}) {}
