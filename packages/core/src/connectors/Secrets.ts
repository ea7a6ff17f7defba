import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto"

const VERSION = "v1"

/**
 * Seals connector secrets at rest. They must be usable in clear (an HMAC key cannot be checked
 * against a hash), so they are encrypted with AES-256-GCM under a key derived (HKDF-SHA256) from the
 * server secret and bound to the site and the secret's purpose as associated data: a value copied
 * to another row or column does not open.
 */
export const secretSealer = (serverSecret: Uint8Array) => {
  const key = Buffer.from(hkdfSync("sha256", serverSecret, "sratix", "connector-secrets/v1", 32))
  const aad = (siteId: string, purpose: string) => Buffer.from(`${siteId}.${purpose}`, "utf8")
  return {
    seal: (siteId: string, purpose: string, secret: string) => {
      const iv = randomBytes(12)
      const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(aad(siteId, purpose))
      const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()])
      return `${VERSION}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url")}`
    },
    open: (siteId: string, purpose: string, sealed: string) => {
      const [version, text] = sealed.split(".")
      if (version !== VERSION || text === undefined) throw new Error(`unknown secret encryption ${version}`)
      const bytes = Buffer.from(text, "base64url")
      const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, 12))
        .setAAD(aad(siteId, purpose))
        .setAuthTag(bytes.subarray(bytes.length - 16))
      return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString("utf8")
    },
  }
}

/** A new random secret with a readable prefix (`wpk_` for the plugin's key, `whs_` for webhooks). */
export const newSecret = (prefix: string) => `${prefix}${randomBytes(32).toString("base64url")}`
