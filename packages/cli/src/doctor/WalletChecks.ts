import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto"
import type { Environment } from "@sratix/core"
import type { CheckResult } from "./Checks.js"

/** Renew before this: an expired pass certificate stops every new pass, with no grace. */
export const EXPIRY_WARNING_DAYS = 30
const DAY = 86_400_000

const messageOf = (e: unknown) => (e instanceof Error ? e.message.split("\n")[0]! : String(e))

const privateKey = (pem: string, passphrase: string | null): KeyObject =>
  createPrivateKey(passphrase === null ? { key: pem } : { key: pem, passphrase })

/**
 * The Apple pass certificates: both parse, the signer key opens and belongs to the signer
 * certificate, the WWDR certificate issued it, and how long it has left. Names and dates only:
 * nothing of the keys is shown.
 */
export const appleWalletCheck = (wallet: Environment["wallet"], now = Date.now()): CheckResult => {
  const check = "wallet.apple"
  const apple = wallet.apple
  if (apple === null) return { check, status: "SKIP", detail: "not configured: no Apple Wallet passes" }
  let signer: X509Certificate
  let wwdr: X509Certificate
  try {
    signer = new X509Certificate(apple.signerCert)
  } catch (e) {
    return { check, status: "FAIL", detail: `SRATIX_APPLE_PASS_SIGNER_CERT is not a certificate (${messageOf(e)})` }
  }
  try {
    wwdr = new X509Certificate(apple.wwdr)
  } catch (e) {
    return { check, status: "FAIL", detail: `SRATIX_APPLE_PASS_WWDR_CERT is not a certificate (${messageOf(e)})` }
  }
  let key: KeyObject
  try {
    key = privateKey(apple.signerKey, apple.signerKeyPassphrase)
  } catch (e) {
    return {
      check,
      status: "FAIL",
      detail: `SRATIX_APPLE_PASS_SIGNER_KEY does not open (${messageOf(e)}): a wrong or missing passphrase?`,
    }
  }
  if (!signer.checkPrivateKey(key)) {
    return { check, status: "FAIL", detail: "the signer key does not belong to the signer certificate" }
  }
  if (!signer.checkIssued(wwdr) || !signer.verify(wwdr.publicKey)) {
    return { check, status: "FAIL", detail: "the WWDR certificate did not issue the signer certificate" }
  }
  const expiry = (cert: X509Certificate, name: string) => {
    const until = Date.parse(cert.validTo)
    const days = Math.floor((until - now) / DAY)
    return { name, until, days, date: new Date(until).toISOString().slice(0, 10) }
  }
  const dates = [expiry(signer, "signer"), expiry(wwdr, "WWDR")]
  const expired = dates.find((d) => d.until <= now)
  if (expired !== undefined) {
    return { check, status: "FAIL", detail: `the ${expired.name} certificate expired on ${expired.date}` }
  }
  const soonest = dates.reduce((a, b) => (b.until < a.until ? b : a))
  const detail =
    `${apple.passTypeIdentifier} (team ${apple.teamIdentifier}): key matches, issued by WWDR; ` +
    `${soonest.name} certificate valid until ${soonest.date} (${soonest.days} days)`
  return soonest.days < EXPIRY_WARNING_DAYS
    ? { check, status: "WARN", detail: `${detail}: renew it` }
    : { check, status: "PASS", detail }
}

/** The Google Wallet issuer: the service account key opens and is an RSA key fit for RS256. */
export const googleWalletCheck = (wallet: Environment["wallet"]): CheckResult => {
  const check = "wallet.google"
  const google = wallet.google
  if (google === null) return { check, status: "SKIP", detail: "not configured: no Google Wallet links" }
  let key: KeyObject
  try {
    key = privateKey(google.privateKey, null)
  } catch (e) {
    return { check, status: "FAIL", detail: `SRATIX_GOOGLE_WALLET_PRIVATE_KEY does not open (${messageOf(e)})` }
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
  if (key.asymmetricKeyType !== "rsa" || bits < 2048) {
    return {
      check,
      status: "FAIL",
      detail:
        `the service account key must be RSA of 2048 bits or more for RS256 (got ${key.asymmetricKeyType} ${bits || ""})`.trim(),
    }
  }
  return {
    check,
    status: "PASS",
    detail: `issuer ${google.issuerId}, service account ${google.serviceAccountEmail}, RSA ${bits}-bit key`,
  }
}
