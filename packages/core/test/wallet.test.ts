import { execFileSync } from "node:child_process"
import { createHash, generateKeyPairSync } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import { importSPKI, jwtVerify } from "jose"
import { type Event, Orders, Tickets, Wallet, WalletConfig, walletFromEnv } from "../src/index.js"
import { engines } from "./support/Databases.js"
import { asBuyer, createTicketType, orderInput, publishedEvent, systemLayer } from "./support/Fixtures.js"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-wallet-"))
const openssl = (...args: Array<string>) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" })

/** A root CA, a WWDR-like intermediate under it and a pass signer under that, as Apple's chain is built. */
const makeChain = () => {
  const ext = path.join(dir, "ca.ext")
  fs.writeFileSync(ext, "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "root.key",
    "-out",
    "root.pem",
    "-days",
    "2",
    "-subj",
    "/CN=Test Root",
  )
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "wwdr.key", "-out", "wwdr.csr", "-subj", "/CN=Test WWDR")
  openssl(
    "x509",
    "-req",
    "-in",
    "wwdr.csr",
    "-CA",
    "root.pem",
    "-CAkey",
    "root.key",
    "-CAcreateserial",
    "-out",
    "wwdr.pem",
    "-days",
    "2",
    "-extfile",
    "ca.ext",
  )
  openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-keyout",
    "signer.key",
    "-passout",
    "pass:pass-phrase",
    "-out",
    "signer.csr",
    "-subj",
    "/UID=pass.org.example.test/CN=Pass Type ID: pass.org.example.test",
  )
  openssl(
    "x509",
    "-req",
    "-in",
    "signer.csr",
    "-CA",
    "wwdr.pem",
    "-CAkey",
    "wwdr.key",
    "-CAcreateserial",
    "-out",
    "signer.pem",
    "-days",
    "2",
  )
  fs.writeFileSync(
    path.join(dir, "chain.pem"),
    fs.readFileSync(path.join(dir, "wwdr.pem"), "utf8") + fs.readFileSync(path.join(dir, "root.pem"), "utf8"),
  )
}

const google = generateKeyPairSync("rsa", { modulusLength: 2048 })

const walletEnv = () =>
  walletFromEnv({
    SRATIX_APPLE_PASS_SIGNER_CERT: path.join(dir, "signer.pem"),
    SRATIX_APPLE_PASS_SIGNER_KEY: path.join(dir, "signer.key"),
    SRATIX_APPLE_PASS_SIGNER_KEY_PASSPHRASE: "pass-phrase",
    SRATIX_APPLE_PASS_WWDR_CERT: path.join(dir, "wwdr.pem"),
    SRATIX_APPLE_PASS_TYPE_ID: "pass.org.example.test",
    SRATIX_APPLE_TEAM_ID: "TEAM123456",
    SRATIX_GOOGLE_WALLET_ISSUER_ID: "3388000000012345678",
    SRATIX_GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL: "wallet@example-project.iam.gserviceaccount.com",
    SRATIX_GOOGLE_WALLET_PRIVATE_KEY: google.privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
  })

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

makeChain()

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
          const pkpass = yield* wallet.applePass(ticket.id)
          const out = fs.mkdtempSync(path.join(dir, "pass-"))
          fs.writeFileSync(path.join(out, "ticket.pkpass"), pkpass)
          execFileSync("unzip", ["-q", "ticket.pkpass"], { cwd: out })
          const manifest: Record<string, string> = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"))
          const files = fs.readdirSync(out).filter((f) => !["manifest.json", "signature", "ticket.pkpass"].includes(f))
          expect(Object.keys(manifest).sort()).toEqual(files.sort())
          for (const [file, hash] of Object.entries(manifest)) {
            expect(
              createHash("sha1")
                .update(fs.readFileSync(path.join(out, file)))
                .digest("hex"),
            ).toBe(hash)
          }
          const verify = (caFile: string) =>
            execFileSync(
              "openssl",
              [
                "smime",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                "signature",
                "-content",
                "manifest.json",
                "-CAfile",
                caFile,
                "-purpose",
                "any",
                "-out",
                "/dev/null",
              ],
              { cwd: out, stdio: "pipe" },
            )
          verify(path.join(dir, "chain.pem"))
          // A manifest changed after signing no longer verifies.
          fs.writeFileSync(
            path.join(out, "manifest.json"),
            JSON.stringify({ ...manifest, "pass.json": "0".repeat(40) }),
          )
          expect(() => verify(path.join(dir, "chain.pem"))).toThrow()
          const pass = JSON.parse(fs.readFileSync(path.join(out, "pass.json"), "utf8"))
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
