import * as fs from "node:fs"
import { Context, Layer } from "effect"

export interface AppleWalletConfig {
  /** PEM of the pass type certificate Apple issued. */
  readonly signerCert: string
  /** PEM of its private key, encrypted with `signerKeyPassphrase` or not. */
  readonly signerKey: string
  readonly signerKeyPassphrase: string | null
  /** PEM of Apple's Worldwide Developer Relations intermediate certificate. */
  readonly wwdr: string
  readonly passTypeIdentifier: string
  readonly teamIdentifier: string
  readonly organizationName: string
}

export interface GoogleWalletConfig {
  readonly issuerId: string
  /** The class suffix all events share; null: one class per event (`sratix-<event id>`). */
  readonly classSuffix: string | null
  readonly serviceAccountEmail: string
  /** PEM (PKCS#8) of the service account's RSA key. */
  readonly privateKey: string
  /** Origins the "Save to Google Wallet" button is shown on. */
  readonly origins: ReadonlyArray<string>
}

export interface WalletConfigShape {
  /** Null: Apple Wallet passes are not configured (reported as such, never a crash). */
  readonly apple: AppleWalletConfig | null
  readonly google: GoogleWalletConfig | null
}

export class WalletConfig extends Context.Tag("sratix/wallet/WalletConfig")<WalletConfig, WalletConfigShape>() {
  static readonly layer = (config: Partial<WalletConfigShape> = {}) =>
    Layer.succeed(WalletConfig, { apple: config.apple ?? null, google: config.google ?? null })
}

/** A PEM given inline, or the path of a file holding it. */
const pemOrFile = (name: string, value: string) => {
  if (value.includes("-----BEGIN")) return value.replace(/\\n/g, "\n")
  try {
    return fs.readFileSync(value, "utf8")
  } catch (e) {
    throw new Error(`${name}: cannot read ${value} (${(e as NodeJS.ErrnoException).code ?? "error"})`)
  }
}

const APPLE = {
  signerCert: "SRATIX_APPLE_PASS_SIGNER_CERT",
  signerKey: "SRATIX_APPLE_PASS_SIGNER_KEY",
  wwdr: "SRATIX_APPLE_PASS_WWDR_CERT",
  passTypeIdentifier: "SRATIX_APPLE_PASS_TYPE_ID",
  teamIdentifier: "SRATIX_APPLE_TEAM_ID",
} as const

const GOOGLE = {
  issuerId: "SRATIX_GOOGLE_WALLET_ISSUER_ID",
  serviceAccountEmail: "SRATIX_GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL",
  privateKey: "SRATIX_GOOGLE_WALLET_PRIVATE_KEY",
} as const

/** All of a group's required settings, none of them, or an error naming the missing ones. */
const group = <K extends string>(env: NodeJS.ProcessEnv, names: Record<K, string>, what: string) => {
  const values = Object.fromEntries(
    Object.entries<string>(names).map(([key, name]) => [key, env[name] || undefined]),
  ) as Record<K, string | undefined>
  const missing = Object.entries<string>(names).filter(([key]) => values[key as K] === undefined)
  if (missing.length === Object.keys(names).length) return null
  if (missing.length > 0) {
    throw new Error(`${what} is half configured: set ${missing.map(([, n]) => n).join(", ")} too, or none of them`)
  }
  return values as Record<K, string>
}

/** Wallet settings from the environment; throws a one-line message for a partial or unreadable one. */
export const walletFromEnv = (env: NodeJS.ProcessEnv): WalletConfigShape => {
  const apple = group(env, APPLE, "Apple Wallet")
  const google = group(env, GOOGLE, "Google Wallet")
  if (google !== null && !/^\d+$/.test(google.issuerId)) {
    throw new Error(`${GOOGLE.issuerId} must be the numeric issuer id (got "${google.issuerId}")`)
  }
  return {
    apple:
      apple === null
        ? null
        : {
            signerCert: pemOrFile(APPLE.signerCert, apple.signerCert),
            signerKey: pemOrFile(APPLE.signerKey, apple.signerKey),
            signerKeyPassphrase: env.SRATIX_APPLE_PASS_SIGNER_KEY_PASSPHRASE || null,
            wwdr: pemOrFile(APPLE.wwdr, apple.wwdr),
            passTypeIdentifier: apple.passTypeIdentifier,
            teamIdentifier: apple.teamIdentifier,
            organizationName: env.SRATIX_APPLE_PASS_ORGANIZATION || "SRAtix",
          },
    google:
      google === null
        ? null
        : {
            issuerId: google.issuerId,
            classSuffix: env.SRATIX_GOOGLE_WALLET_CLASS_SUFFIX || null,
            serviceAccountEmail: google.serviceAccountEmail,
            privateKey: pemOrFile(GOOGLE.privateKey, google.privateKey),
            origins: (env.SRATIX_CORS_ORIGINS || "")
              .split(",")
              .map((o) => o.trim())
              .filter((o) => o !== ""),
          },
  }
}
