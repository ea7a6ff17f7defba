import { generateKeyPairSync, X509Certificate } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { walletFromEnv } from "@sratix/core"
import { describe, expect, it } from "vitest"
import { makePassChain, walletEnv } from "../../core/test/support/PassCertificates.js"
import { appleWalletCheck, googleWalletCheck } from "../src/doctor/WalletChecks.js"

const chain = makePassChain()
const env = walletEnv(chain)
const wallet = walletFromEnv(env)
const signerExpiry = Date.parse(new X509Certificate(fs.readFileSync(path.join(chain.dir, "signer.pem"))).validTo)

describe("doctor: wallet checks", () => {
  it("passes a matching chain and key, naming the pass type and expiry but nothing secret", () => {
    const apple = appleWalletCheck(wallet, signerExpiry - 40 * 86_400_000)
    expect(apple).toMatchObject({ check: "wallet.apple", status: "PASS" })
    expect(apple.detail).toContain("pass.org.example.test")
    expect(apple.detail).toMatch(/valid until \d{4}-\d{2}-\d{2} \(\d+ days\)/)
    const google = googleWalletCheck(wallet)
    expect(google).toMatchObject({ check: "wallet.google", status: "PASS" })
    expect(google.detail).toContain("RSA 2048-bit key")
    for (const shown of [apple.detail, google.detail]) {
      expect(shown).not.toContain("PRIVATE")
      expect(shown).not.toContain("pass-phrase")
    }
  })

  it("warns within 30 days of expiry and fails after it", () => {
    expect(appleWalletCheck(wallet, signerExpiry - 10 * 86_400_000).status).toBe("WARN")
    const expired = appleWalletCheck(wallet, signerExpiry + 1000)
    expect(expired.status).toBe("FAIL")
    expect(expired.detail).toMatch(/expired on/)
  })

  it("fails a wrong passphrase, a key of another certificate, and a signer another CA issued", () => {
    const wrongPassphrase = walletFromEnv({ ...env, SRATIX_APPLE_PASS_SIGNER_KEY_PASSPHRASE: "not it" })
    expect(appleWalletCheck(wrongPassphrase)).toMatchObject({ status: "FAIL" })
    const otherKey = walletFromEnv({ ...env, SRATIX_APPLE_PASS_SIGNER_KEY: path.join(chain.dir, "wwdr.key") })
    expect(appleWalletCheck(otherKey).detail).toMatch(/does not belong/)
    const otherIssuer = walletFromEnv({ ...env, SRATIX_APPLE_PASS_WWDR_CERT: path.join(chain.dir, "root.pem") })
    expect(appleWalletCheck(otherIssuer).detail).toMatch(/did not issue/)
  })

  it("fails a Google key that cannot sign RS256, and skips wallets that are not configured", () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" })
    expect(googleWalletCheck(walletFromEnv({ ...env, SRATIX_GOOGLE_WALLET_PRIVATE_KEY: ec.toString() })).status).toBe(
      "FAIL",
    )
    const none = walletFromEnv({})
    expect(appleWalletCheck(none).status).toBe("SKIP")
    expect(googleWalletCheck(none).status).toBe("SKIP")
  })
})
