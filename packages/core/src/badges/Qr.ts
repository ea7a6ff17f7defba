import { Effect } from "effect"
import QRCode from "qrcode"

/**
 * A ticket code as a QR code image (SVG, as a data URL). Level M and a 4-module quiet zone: the
 * 121-character code then decodes reliably from a printed A7 badge and from a phone screen.
 */
export const qrDataUrl = (code: string): Effect.Effect<string> =>
  Effect.promise(() => QRCode.toString(code, { type: "svg", errorCorrectionLevel: "M", margin: 4 })).pipe(
    Effect.map((svg) => `data:image/svg+xml;base64,${Buffer.from(svg, "utf8").toString("base64")}`),
  )
