import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import jsQRModule from "jsqr"
import { PNG } from "pngjs"

// A UMD bundle: Node hands the function itself to a default import, which TypeScript types as the module.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default

/** The text of a PDF, as `pdftotext` (poppler) extracts it. */
export const pdfText = (pdf: Uint8Array): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-pdf-"))
  try {
    const file = path.join(dir, "doc.pdf")
    fs.writeFileSync(file, pdf)
    return execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" })
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** The QR codes of each page of a PDF (sorted: zbarimg lists a page's codes in no fixed order), read from a 300 dpi render. */
export const qrCodesPerPage = (pdf: Uint8Array): Array<Array<string>> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-qr-"))
  try {
    fs.writeFileSync(path.join(dir, "in.pdf"), pdf)
    execFileSync("pdftoppm", ["-r", "300", "-png", path.join(dir, "in.pdf"), path.join(dir, "page")])
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".png"))
      .sort()
      .map((f) =>
        execFileSync("zbarimg", ["--quiet", "--raw", path.join(dir, f)], { encoding: "utf8" })
          .split("\n")
          .filter((l) => l !== "")
          .sort(),
      )
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

export const qrCodesIn = (pdf: Uint8Array) => qrCodesPerPage(pdf).flat()

/**
 * The Swiss QR code on the last page of a PDF, decoded as a bank app would from a print: the page
 * rasterised at 200 dpi (`pdftoppm`), its bottom third (where the payment part sits) read by jsQR.
 * zbarimg cannot read these codes: the Swiss cross in the middle defeats it.
 */
export const decodeQrBill = (pdf: Uint8Array): string | null => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-qr-"))
  try {
    const file = path.join(dir, "doc.pdf")
    fs.writeFileSync(file, pdf)
    execFileSync("pdftoppm", ["-r", "200", "-png", file, path.join(dir, "page")])
    const pages = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".png"))
      .sort()
    const image = PNG.sync.read(fs.readFileSync(path.join(dir, pages[pages.length - 1]!)))
    const top = Math.floor(image.height * (190 / 297))
    const rows = image.height - top
    const crop = new Uint8ClampedArray(
      image.data.buffer,
      image.data.byteOffset + top * image.width * 4,
      rows * image.width * 4,
    )
    return jsQR(crop, image.width, rows)?.data ?? null
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** The Swiss Payment Code's fields by name (Swiss Implementation Guidelines QR-bill, version 2.x). */
export const spcFields = (payload: string) => {
  const f = payload.split(/\r?\n/)
  return {
    qrType: f[0],
    version: f[1],
    coding: f[2],
    iban: f[3],
    creditor: {
      addressType: f[4],
      name: f[5],
      street: f[6],
      building: f[7],
      postcode: f[8],
      town: f[9],
      country: f[10],
    },
    amount: f[18],
    currency: f[19],
    debtor: {
      addressType: f[20],
      name: f[21],
      street: f[22],
      building: f[23],
      postcode: f[24],
      town: f[25],
      country: f[26],
    },
    referenceType: f[27],
    reference: f[28],
    message: f[29],
    trailer: f[30],
  }
}
