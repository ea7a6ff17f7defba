const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
const VALUES = new Map([...ALPHABET].map((c, i) => [c, i]))

/** RFC 4648 §5 without padding; no Buffer, so it runs in the scanner too. */
export const encodeBase64url = (bytes: Uint8Array): string => {
  let out = ""
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6))
    for (let c = 0; c < chars; c++) out += ALPHABET[(n >> (18 - 6 * c)) & 63]
  }
  return out
}

/**
 * The bytes of a canonical unpadded base64url string, or null. Canonical means re-encoding gives
 * the same text: the unused low bits of the last character must be zero, so no two strings decode
 * to the same bytes and a changed character always changes the bytes.
 */
export const decodeBase64url = (text: string): Uint8Array | null => {
  if (text.length % 4 === 1) return null
  const bytes = new Uint8Array(Math.floor((text.length * 6) / 8))
  let bits = 0
  let value = 0
  let at = 0
  for (const c of text) {
    const v = VALUES.get(c)
    if (v === undefined) return null
    value = (value << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      bytes[at++] = (value >> bits) & 0xff
    }
  }
  if ((value & ((1 << bits) - 1)) !== 0) return null
  return bytes
}
