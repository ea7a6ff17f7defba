import * as fs from "node:fs"
import { createRequire } from "node:module"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { seriousViolations } from "../../widgets/test/support/Harness.js"
import { ContractStandIn } from "./support/ContractStandIn.js"
import {
  nextTicket,
  offlineReady,
  phaseOf,
  type ScannerStack,
  scanImage,
  startScannerStack,
} from "./support/Harness.js"
import { qrPng, qrVideo, Venue } from "./support/Venue.js"

/**
 * The scanner as staff use it, in Debian's Chromium: the real build served by the real server at
 * `/scanner/`, enrolment and packs in the real formats (docs/checkin.md), QR codes decoded from
 * image files by html5-qrcode in the page.
 */
let stack: ScannerStack

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8")
/** The scanner's policy refuses inline scripts (axe's usual way in), so axe is evaluated through the driver. */
const accessibilityProblems = async (page: Page) => {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource)
  return seriousViolations(page)
}

beforeAll(async () => {
  stack = await startScannerStack()
}, 180_000)

afterAll(async () => {
  await stack?.stop()
})

const setUp = () => {
  const venue = new Venue({ admittedTypes: [0, 1] })
  const tickets = {
    ada: venue.addTicket("Ada Lovelace", "ada@example.org"),
    grace: venue.addTicket("Grace Hopper", "Grace.Hopper@example.org"),
    vip: venue.addTicket("Katherine Johnson", "kj@example.org", {
      typeIndex: 1,
      attention: [{ flag: "VIP", note: "Speaker" }],
    }),
    refunded: venue.addTicket("Refunded Person", "gone@example.org"),
    workshop: venue.addTicket("Workshop Only", "ws@example.org", { typeIndex: 2 }),
  }
  venue.revoked.add(tickets.refunded.ticketId)
  return { venue, tickets, desk: new ContractStandIn(venue) }
}

/** Flips one character of the signature part of a code: still well-formed, no longer authentic. */
const forge = (code: string) => {
  const at = code.length - 10
  return code.slice(0, at) + (code[at] === "A" ? "B" : "A") + code.slice(at + 1)
}

describe("scanner PWA", () => {
  it("is served at /scanner/ as an installable app with its own page policy", async () => {
    const page = await fetch(`${stack.server.url}/scanner/`)
    expect(page.status).toBe(200)
    expect(page.headers.get("content-type")).toContain("text/html")
    expect(page.headers.get("content-security-policy")).toContain("img-src 'self' data: blob:")
    expect(page.headers.get("permissions-policy")).toContain("camera=(self)")
    const manifest = await fetch(`${stack.server.url}/scanner/manifest.webmanifest`)
    expect(manifest.headers.get("content-type")).toBe("application/manifest+json")
    expect((await manifest.json()).start_url).toBe("/scanner/")
    const worker = await fetch(`${stack.server.url}/scanner/sw.js`)
    expect(await worker.text()).toContain("sratix-scanner-")
    expect((await fetch(`${stack.server.url}/scanner`, { redirect: "manual" })).headers.get("location")).toBe(
      "/scanner/",
    )
    const missing = await fetch(`${stack.server.url}/scanner/../package.json`)
    expect(missing.status).toBe(404)
    // The API keeps its strict policy: the scanner's exception is its own.
    const api = await fetch(`${stack.server.url}/api/v1/openapi.json`)
    expect(api.headers.get("permissions-policy")).toContain("camera=()")
  })

  it("enrols from the link, keeps the pack encrypted, works offline and syncs when the network returns", async () => {
    const { venue, tickets, desk } = setUp()
    const device = await stack.device()
    await desk.attach(device)
    const page = await device.newPage()
    await page.goto(`${stack.server.url}/scanner/#enrol=${desk.enrolmentCode("Door 1")}`)
    await phaseOf(page, "ready")
    // The code left the address bar (and the history) once redeemed.
    expect(new URL(page.url()).hash).toBe("")
    await page.getByText("Main entrance · 5 attendees · pack 1").waitFor()
    await offlineReady(page)

    // At rest: a non-extractable device key, the pack only as ciphertext, no attendee name anywhere.
    const stored = await page.evaluate(async () => {
      const db: IDBDatabase = await new Promise((resolve, reject) => {
        const request = indexedDB.open("sratix-scanner")
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error)
      })
      const all = (store: string) =>
        new Promise<any[]>((resolve) => {
          const request = db.transaction(store).objectStore(store).getAll()
          request.onsuccess = () => resolve(request.result)
        })
      const [keys, devices, packs] = await Promise.all([all("secrets"), all("device"), all("packs")])
      const text = new TextDecoder("latin1").decode(packs[0].bytes)
      db.close()
      return {
        keyExtractable: (keys[0] as CryptoKey).extractable,
        keyUsages: (keys[0] as CryptoKey).usages,
        tokenIsSealed: devices[0].token.data instanceof ArrayBuffer && !("length" in devices[0].token),
        packCount: packs.length,
        packHasMagic: text.startsWith("SXP1"),
        packLeaksName: text.includes("Ada Lovelace"),
      }
    })
    expect(stored).toMatchObject({
      keyExtractable: false,
      tokenIsSealed: true,
      packCount: 1,
      packHasMagic: true,
      packLeaksName: false,
    })

    await desk.setOffline(device, true)
    // Fully offline after the first load: the service worker serves the shell, IndexedDB the pack.
    await page.reload()
    await phaseOf(page, "ready")
    await page.getByText("Offline — scanning continues").waitFor()

    const valid = await scanImage(page, await qrPng(tickets.ada.code))
    expect(valid).toMatchObject({ tone: "valid" })
    expect(valid.text).toContain("Valid — let in")
    expect(valid.text).toContain("Ada Lovelace")
    expect(await page.locator("#verdict-announcement").textContent()).toContain("Valid — let in")
    await nextTicket(page)

    const again = await scanImage(page, await qrPng(tickets.ada.code))
    expect(again.tone).toBe("invalid")
    expect(again.text).toMatch(/Already in at \d\d:\d\d on “Door 1”/)
    await nextTicket(page)

    const vip = await scanImage(page, await qrPng(tickets.vip.code))
    expect(vip.tone).toBe("attention")
    expect(vip.text).toContain("VIP: Speaker")
    await nextTicket(page)

    const forged = await scanImage(page, await qrPng(forge(tickets.grace.code)))
    expect(forged.tone).toBe("invalid")
    expect(forged.text).toContain("invalid signature")
    await nextTicket(page)

    const foreign = await scanImage(page, await qrPng(venue.codeFor(tickets.grace.ticketId, 0, crypto.randomUUID())))
    expect(foreign.tone).toBe("invalid")
    expect(foreign.text).toContain("Ticket for another event")
    await nextTicket(page)

    const refunded = await scanImage(page, await qrPng(tickets.refunded.code))
    expect(refunded.tone).toBe("invalid")
    expect(refunded.text).toContain("Ticket cancelled or refunded")
    await nextTicket(page)

    const workshop = await scanImage(page, await qrPng(tickets.workshop.code))
    expect(workshop.tone).toBe("invalid")
    expect(workshop.text).toContain("Not valid at this entrance (Main entrance)")
    await nextTicket(page)

    // Two admissions wait; nothing reached the server while offline.
    await page.getByText("2 waiting to sync").waitFor()
    expect(desk.checkIns()).toHaveLength(0)

    // The network is back but the server is in trouble: staff see it, the queue stays, scanning goes on.
    desk.failSyncWith = 503
    await desk.setOffline(device, false)
    await page.getByText(/Sync failed \(unavailable\); it will be retried/).waitFor({ timeout: 20_000 })
    await page.getByText("2 waiting to sync").waitFor()
    expect(desk.checkIns()).toHaveLength(0)
    desk.failSyncWith = null
    await page.getByRole("button", { name: "Sync now" }).click()
    await page.getByText("All check-ins synced").waitFor({ timeout: 20_000 })
    expect(await page.getByText(/Sync failed/).count()).toBe(0)
    expect(
      desk
        .checkIns()
        .map((c) => c.ticketId)
        .sort(),
    ).toEqual([tickets.ada.ticketId, tickets.vip.ticketId].sort())
    expect(await page.locator("sratix-scanner-app").getAttribute("data-queued")).toBe("0")
  })

  it("two scanners that admitted one ticket offline agree on the first after both sync; the server keeps one conflict", async () => {
    const { tickets, desk } = setUp()
    const [first, second] = [await stack.device(), await stack.device()]
    await desk.attach(first)
    await desk.attach(second)
    const doors = [await first.newPage(), await second.newPage()] as const
    await doors[0].goto(`${stack.server.url}/scanner/#enrol=${desk.enrolmentCode("Door A")}`)
    await phaseOf(doors[0], "ready")
    await doors[1].goto(`${stack.server.url}/scanner/#enrol=${desk.enrolmentCode("Door B")}`)
    await phaseOf(doors[1], "ready")

    await desk.setOffline(first, true)
    await desk.setOffline(second, true)
    const png = await qrPng(tickets.grace.code)
    expect((await scanImage(doors[0], png)).tone).toBe("valid")
    await nextTicket(doors[0])
    expect((await scanImage(doors[1], png)).tone).toBe("valid")
    await nextTicket(doors[1])

    // The later door syncs first: the server must still pick the earlier admission.
    await desk.setOffline(second, false)
    await doors[1].getByText("All check-ins synced").waitFor({ timeout: 20_000 })
    await desk.setOffline(first, false)
    await doors[0].getByText("All check-ins synced").waitFor({ timeout: 20_000 })
    // Door B learns of Door A's check-in on its next sync.
    await doors[1].getByRole("button", { name: "Sync now" }).click()
    await doors[1].getByText("All check-ins synced").waitFor()

    for (const page of doors) {
      const verdict = await scanImage(page, png)
      expect(verdict.tone).toBe("invalid")
      expect(verdict.text).toMatch(/Already in at \d\d:\d\d on “Door A”/)
      await nextTicket(page)
    }
    expect(desk.checkIns()).toHaveLength(2)
    expect(desk.conflicts()).toHaveLength(1)
    const doorB = desk.checkIns().find((c) => c.id === desk.conflicts()[0]!.id)!
    expect(doorB.deviceTime).toBeGreaterThan(desk.checkIns().find((c) => c.id !== doorB.id)!.deviceTime)
  })

  it("scans with the camera (Chromium's fake camera playing a QR code)", async () => {
    const { tickets, desk } = setUp()
    const device = await stack.deviceWithCamera(qrVideo(tickets.vip.code))
    await desk.attach(device)
    const page = await device.newPage()
    await page.goto(`${stack.server.url}/scanner/#enrol=${desk.enrolmentCode("Camera door")}`)
    await phaseOf(page, "ready")
    await page.getByRole("button", { name: "Start camera" }).click()
    const verdict = page.locator("sratix-scanner-result section.verdict")
    // Decoding frames is slow on a loaded machine: the first read may take a while.
    await verdict.waitFor({ timeout: 45_000 })
    expect(await verdict.getAttribute("data-tone")).toBe("attention")
    expect(await verdict.textContent()).toContain("Katherine Johnson")
    // The verdict screen pauses reading: the camera keeps seeing the code, yet one admission is recorded.
    await page.getByText("All check-ins synced").waitFor({ timeout: 20_000 })
    await page.waitForTimeout(1500)
    expect(desk.checkIns().map((c) => c.ticketId)).toEqual([tickets.vip.ticketId])
  })

  it("refuses a pack altered by one byte, whole, and stores nothing of it", async () => {
    const { desk } = setUp()
    desk.tamperByte = 40
    const device = await stack.device()
    await desk.attach(device)
    const page = await device.newPage()
    await page.goto(`${stack.server.url}/scanner/#enrol=${desk.enrolmentCode("Door 3")}`)
    await phaseOf(page, "not_ready")
    await page.getByText("The check-in pack was refused (altered or damaged)").waitFor()
    expect(await page.locator("sratix-scanner-scan").count()).toBe(0)
    const packs = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const open = indexedDB.open("sratix-scanner")
          open.onsuccess = () => {
            const count = open.result.transaction("packs").objectStore("packs").count()
            count.onsuccess = () => resolve(count.result)
          }
        }),
    )
    expect(packs).toBe(0)
    // The same envelope unaltered is accepted: the refusal was the one byte.
    desk.tamperByte = null
    await page.getByRole("button", { name: "Download pack" }).click()
    await phaseOf(page, "ready")
  })

  it("finds guests by name or e-mail, speaks four languages and has no serious accessibility violations", async () => {
    const { desk } = setUp()
    const device = await stack.device()
    await desk.attach(device)
    const page = await device.newPage()
    await page.goto(`${stack.server.url}/scanner/`)
    await phaseOf(page, "unenrolled")
    expect(await accessibilityProblems(page)).toEqual([])
    await page.getByLabel("Enrolment code").fill(desk.enrolmentCode("Info desk"))
    await page.getByRole("button", { name: "Set up" }).click()
    await phaseOf(page, "ready")
    expect(await accessibilityProblems(page)).toEqual([])

    await page.getByLabel("Name or e-mail address").fill("grace.hopper@EXAMPLE.org")
    await page.getByRole("button", { name: "Search", exact: true }).click()
    await page.getByRole("button", { name: "Check in Grace Hopper" }).click()
    await page.locator("sratix-scanner-result section.verdict[data-tone='valid']").waitFor()
    expect(await accessibilityProblems(page)).toEqual([])
    await nextTicket(page)

    await page.getByLabel("Language").selectOption("de")
    await page.getByLabel("Name oder E-Mail-Adresse").fill("hopper")
    await page.getByRole("button", { name: "Suchen" }).click()
    await page.getByRole("button", { name: "Grace Hopper einchecken" }).click()
    const verdict = page.locator("sratix-scanner-result section.verdict")
    expect(await verdict.getAttribute("data-tone")).toBe("invalid")
    expect(await verdict.textContent()).toMatch(/Bereits um \d\d:\d\d an «Info desk» eingecheckt/)
    await nextTicket(page)

    for (const [locale, words] of [
      ["fr", "Chercher par nom ou e-mail"],
      ["it", "Cerca per nome o e-mail"],
    ] as const) {
      await page.getByLabel(/Sprache|Langue|Lingua/).selectOption(locale)
      await page.getByText(words).waitFor()
    }
  })
})
