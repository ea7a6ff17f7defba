import { execFileSync } from "node:child_process"
import { createHash, generateKeyPairSync, type KeyPairKeyObjectResult } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { walletFromEnv } from "../../src/index.js"

export interface PassChain {
  readonly dir: string
  /** The WWDR-like intermediate and the root, the `-CAfile` a pass signature verifies against. */
  readonly chainFile: string
}

/**
 * A root CA, a WWDR-like intermediate under it and a pass signer (key with a passphrase) under that,
 * as Apple's chain is built, made with the openssl CLI in a fresh folder.
 */
export const makePassChain = (): PassChain => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-wallet-"))
  const openssl = (...args: Array<string>) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" })

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
  return { dir, chainFile: path.join(dir, "chain.pem") }
}

export const PASS_TYPE_ID = "pass.org.example.test"
export const GOOGLE_ISSUER_ID = "3388000000012345678"

/** The environment that configures both wallets: the Apple chain of `chain` and a Google service account key. */
export const walletEnv = (
  chain: PassChain,
  google: KeyPairKeyObjectResult = generateKeyPairSync("rsa", { modulusLength: 2048 }),
): Record<string, string> => ({
  SRATIX_APPLE_PASS_SIGNER_CERT: path.join(chain.dir, "signer.pem"),
  SRATIX_APPLE_PASS_SIGNER_KEY: path.join(chain.dir, "signer.key"),
  SRATIX_APPLE_PASS_SIGNER_KEY_PASSPHRASE: "pass-phrase",
  SRATIX_APPLE_PASS_WWDR_CERT: path.join(chain.dir, "wwdr.pem"),
  SRATIX_APPLE_PASS_TYPE_ID: PASS_TYPE_ID,
  SRATIX_APPLE_TEAM_ID: "TEAM123456",
  SRATIX_GOOGLE_WALLET_ISSUER_ID: GOOGLE_ISSUER_ID,
  SRATIX_GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL: "wallet@example-project.iam.gserviceaccount.com",
  SRATIX_GOOGLE_WALLET_PRIVATE_KEY: google.privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
})

export const walletSettings = (chain: PassChain, google?: KeyPairKeyObjectResult) =>
  walletFromEnv(walletEnv(chain, google))

let shared: Record<string, string> | undefined
/** One test chain and key per process, for servers that need wallets on but do not inspect passes. */
export const sharedWalletEnv = () => {
  shared ??= walletEnv(makePassChain())
  return shared
}

export interface OpenedPass {
  readonly dir: string
  readonly manifest: Record<string, string>
  /** The files of the pass other than manifest.json and signature. */
  readonly files: ReadonlyArray<string>
  readonly pass: Record<string, unknown>
  /** Throws unless the PKCS#7 signature verifies over manifest.json against `caFile` (openssl smime). */
  readonly verifySignature: (caFile: string) => void
  /** The files whose SHA-1 differs from the manifest's, or that the manifest misses or invents. */
  readonly manifestMismatches: () => ReadonlyArray<string>
}

/** Unzips a .pkpass into a fresh folder, for the checks a wallet app makes. */
export const openPass = (pkpass: Uint8Array): OpenedPass => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-pass-"))
  fs.writeFileSync(path.join(dir, "ticket.pkpass"), pkpass)
  execFileSync("unzip", ["-q", "ticket.pkpass"], { cwd: dir })
  fs.rmSync(path.join(dir, "ticket.pkpass"))
  const manifest: Record<string, string> = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"))
  const files = fs.readdirSync(dir).filter((f) => !["manifest.json", "signature"].includes(f))
  return {
    dir,
    manifest,
    files,
    pass: JSON.parse(fs.readFileSync(path.join(dir, "pass.json"), "utf8")),
    verifySignature: (caFile) =>
      void execFileSync(
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
          // A pass signer is not an S/MIME certificate; without this openssl refuses its purpose.
          "-purpose",
          "any",
          "-out",
          "/dev/null",
        ],
        { cwd: dir, stdio: "pipe" },
      ),
    manifestMismatches: () => {
      const listed = Object.keys(manifest)
      const wrong = files.filter(
        (f) =>
          manifest[f] !==
          createHash("sha1")
            .update(fs.readFileSync(path.join(dir, f)))
            .digest("hex"),
      )
      return [...wrong, ...listed.filter((f) => !files.includes(f))]
    },
  }
}
