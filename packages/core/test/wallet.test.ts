import { generateKeyPairSync } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import { importSPKI, jwtVerify } from "jose"
import { type Event, Orders, Tickets, Wallet, WalletConfig, walletFromEnv } from "../src/index.js"
import { engines } from "./support/Databases.js"
import { asBuyer, createTicketType, orderInput, publishedEvent, systemLayer } from "./support/Fixtures.js"
import { makePassChain, openPass, walletSettings } from "./support/PassCertificates.js"

const google = generateKeyPairSync("rsa", { modulusLength: 2048 })
const chain = makePassChain()
const walletEnv = () => walletSettings(chain, google)

const issuedTicket = (event: Event) =>
  Effect.gen(function* () {
    const type = yield* createTicketType(event, { priceMinor: 0, name: "Visitor" })
    const placed = yield* Effect.flatMap(Orders, (o) =>
      o.place(event.id, orderInput([{ ticketTypeId: type.id, quantity: 1 }])),
    ).pipe(asBuyer)
    const [ticket] = yield* Effect.flatMap(Tickets, (t) => t.issueForOrder(placed.order.id))
    return ticket!
  })

describe("wallet configuration", () => {
  it("is all or nothing per wallet, and names what is missing", () => {
    expect(walletFromEnv({})).toEqual({ apple: null, google: null })
    expect(() => walletFromEnv({ SRATIX_APPLE_TEAM_ID: "X" })).toThrow(/SRATIX_APPLE_PASS_SIGNER_CERT/)
    expect(() =>
      walletFromEnv({
        SRATIX_GOOGLE_WALLET_ISSUER_ID: "abc",
        SRATIX_GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL: "a@b.c",
        SRATIX_GOOGLE_WALLET_PRIVATE_KEY: "-----BEGIN PRIVATE KEY-----",
      }),
    ).toThrow(/numeric issuer id/)
  })
})

for (const engine of engines) {
  describe(`Wallet (${engine})`, () => {
    const layer = Layer.merge(systemLayer(engine), WalletConfig.layer(walletEnv()))

    it.live(
      "an Apple pass is signed by the configured chain, its manifest hashes every file, it carries the code",
      () =>
        Effect.gen(function* () {
          const wallet = yield* Wallet
          const { event } = yield* publishedEvent()
          const ticket = yield* issuedTicket(event)
          yield* wallet.setPassSettings(event.id, {
            latitude: 47.3769,
            longitude: 8.5417,
            backgroundColor: "#1d4ed8",
            foregroundColor: "#ffffff",
          })
          const opened = openPass(yield* wallet.applePass(ticket.id))
          expect(opened.manifestMismatches()).toEqual([])
          expect(Object.keys(opened.manifest).sort()).toEqual([...opened.files].sort())
          opened.verifySignature(chain.chainFile)
          // A manifest changed after signing no longer verifies.
          fs.writeFileSync(
            path.join(opened.dir, "manifest.json"),
            JSON.stringify({ ...opened.manifest, "pass.json": "0".repeat(40) }),
          )
          expect(() => opened.verifySignature(chain.chainFile)).toThrow()
          const { pass } = opened
          expect(pass).toMatchObject({
            passTypeIdentifier: "pass.org.example.test",
            teamIdentifier: "TEAM123456",
            serialNumber: ticket.id,
            backgroundColor: "rgb(29, 78, 216)",
            barcodes: [{ message: ticket.code, format: "PKBarcodeFormatQR" }],
            locations: [{ latitude: 47.3769, longitude: 8.5417 }],
          })
          expect(JSON.stringify(pass.eventTicket)).toContain(event.name)
          expect(JSON.stringify(pass.eventTicket)).toContain(ticket.attendeeName)
        }).pipe(Effect.provide(layer)),
    )

    it.live("a Google link is an RS256 JWT over the ticket's EventTicketObject", () =>
      Effect.gen(function* () {
        const wallet = yield* Wallet
        const { event } = yield* publishedEvent()
        const ticket = yield* issuedTicket(event)
        const url = yield* wallet.googleSaveUrl(ticket.id)
        expect(url.startsWith("https://pay.google.com/gp/v/save/")).toBe(true)
        const jwt = url.slice("https://pay.google.com/gp/v/save/".length)
        const key = yield* Effect.promise(() =>
          importSPKI(google.publicKey.export({ format: "pem", type: "spki" }).toString(), "RS256"),
        )
        const { payload, protectedHeader } = yield* Effect.promise(() => jwtVerify(jwt, key, { audience: "google" }))
        expect(protectedHeader.alg).toBe("RS256")
        expect(payload).toMatchObject({
          iss: "wallet@example-project.iam.gserviceaccount.com",
          typ: "savetowallet",
          payload: {
            eventTicketObjects: [
              {
                id: `3388000000012345678.${ticket.id}`,
                classId: `3388000000012345678.sratix-${event.id}`,
                ticketHolderName: ticket.attendeeName,
                barcode: { type: "QR_CODE", value: ticket.code },
              },
            ],
            eventTicketClasses: [{ id: `3388000000012345678.sratix-${event.id}` }],
          },
        })
        const other = generateKeyPairSync("rsa", { modulusLength: 2048 })
        const wrongKey = yield* Effect.promise(() =>
          importSPKI(other.publicKey.export({ format: "pem", type: "spki" }).toString(), "RS256"),
        )
        expect(yield* Effect.either(Effect.tryPromise(() => jwtVerify(jwt, wrongKey)))).toSatisfy(Either.isLeft)
      }).pipe(Effect.provide(layer)),
    )

    it.live("without certificates or keys, passes are reported as not configured", () =>
      Effect.gen(function* () {
        const wallet = yield* Wallet
        const { event } = yield* publishedEvent()
        const ticket = yield* issuedTicket(event)
        expect(yield* wallet.status()).toEqual({ apple: false, google: false })
        const apple = yield* Effect.either(wallet.applePass(ticket.id))
        const link = yield* Effect.either(wallet.googleSaveUrl(ticket.id))
        expect(Either.isLeft(apple) && apple.left._tag).toBe("WalletNotConfigured")
        expect(Either.isLeft(link) && link.left._tag).toBe("WalletNotConfigured")
      }).pipe(Effect.provide(systemLayer(engine))),
    )
  })
}
