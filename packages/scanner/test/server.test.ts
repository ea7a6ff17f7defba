import { CheckIns, Orders, Tickets, type TicketTypeId } from "@sratix/core"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { asBuyer, createTicketType, publishedEvent } from "../../core/test/support/Fixtures.js"
import { api, tokenFor } from "../../server/test/support/TestServer.js"
import { nextTicket, phaseOf, type ScannerStack, scanImage, startScannerStack } from "./support/Harness.js"
import { qrPng, Venue } from "./support/Venue.js"

/**
 * The scanner against the real check-in endpoints: tickets issued and refunded by the core
 * services, enrolment codes from the admin API, packs built and sealed by the server, sync merged
 * by `CheckIns.sync`, conflicts listed by `GET /events/:eventId/check-ins`.
 */
let stack: ScannerStack

beforeAll(async () => {
  stack = await startScannerStack()
}, 180_000)

afterAll(async () => {
  await stack?.stop()
})

const seed = () =>
  stack.server.run(
    Effect.gen(function* () {
      const { event } = yield* publishedEvent()
      const general = yield* createTicketType(event, { name: "General", priceMinor: 0 })
      const vip = yield* createTicketType(event, { name: "VIP", priceMinor: 0 })
      const placed = yield* Effect.flatMap(Orders, (o) =>
        o.place(event.id, {
          items: [
            { ticketTypeId: general.id, quantity: 2 },
            { ticketTypeId: vip.id, quantity: 1 },
          ],
          buyer: { email: "guest@example.org", name: "Guest Person" },
          locale: "en",
        }),
      ).pipe(asBuyer)
      const tickets = yield* Effect.flatMap(Tickets, (t) => t.issueForOrder(placed.order.id))
      const [first, refunded] = tickets.filter((t) => t.ticketTypeId === general.id)
      const vipTicket = tickets.find((t) => t.ticketTypeId === vip.id)!
      yield* Effect.flatMap(Tickets, (t) => t.void({ ticketIds: [refunded!.id] }, "refund"))
      const list = yield* Effect.flatMap(CheckIns, (c) =>
        c.createList(event, {
          name: "Main door",
          ticketTypeIds: null,
          validFrom: null,
          validUntil: null,
          reentry: false,
          attention: { ticketTypes: [{ ticketTypeId: vip.id as TicketTypeId, flag: "VIP" }], fields: [] },
        }),
      )
      return { eventId: event.id as string, listId: list.id as string, first: first!, refunded: refunded!, vipTicket }
    }).pipe(Effect.orDie),
  )

describe("scanner PWA with the server's check-in endpoints", () => {
  it("two doors enrol by link, scan offline, sync, agree on the first admission; the server lists one conflict", async () => {
    const seeded = await seed()
    const admin = await tokenFor(stack.server, "super_admin", { orgId: null, eventId: null })
    const enrolUrl = async (deviceName: string) => {
      const issued = await api(stack.server, "POST", `/events/${seeded.eventId}/check-in-devices/enrolment-codes`, {
        token: admin,
        body: { listId: seeded.listId, deviceName },
      })
      expect(issued.status).toBe(201)
      const { code, enrolUrl } = issued.body as { code: string; enrolUrl: string }
      expect(enrolUrl).toMatch(new RegExp(`/scanner/#enrol=${code}$`))
      return `${stack.server.url}/scanner/#enrol=${code}`
    }
    const contexts = [await stack.device(), await stack.device()] as const
    const doors = [await contexts[0].newPage(), await contexts[1].newPage()] as const
    await doors[0].goto(await enrolUrl("Door A"))
    await phaseOf(doors[0], "ready")
    await doors[1].goto(await enrolUrl("Door B"))
    await phaseOf(doors[1], "ready")

    for (const context of contexts) await context.setOffline(true)
    const png = await qrPng(seeded.first.code)
    expect((await scanImage(doors[0], png)).tone).toBe("valid")
    await nextTicket(doors[0])
    expect((await scanImage(doors[1], png)).tone).toBe("valid")
    await nextTicket(doors[1])

    // Offline refusals at Door B: the refunded ticket, a forged code, a code of another event.
    const refunded = await scanImage(doors[1], await qrPng(seeded.refunded.code))
    expect(refunded).toMatchObject({ tone: "invalid" })
    expect(refunded.text).toContain("Ticket cancelled or refunded")
    await nextTicket(doors[1])
    const code = seeded.vipTicket.code
    const forged = `${code.slice(0, -8)}${code.at(-8) === "A" ? "B" : "A"}${code.slice(-7)}`
    expect((await scanImage(doors[1], await qrPng(forged))).text).toContain("Invalid code")
    await nextTicket(doors[1])
    const elsewhere = new Venue().addTicket("Someone Else", "else@example.org")
    expect((await scanImage(doors[1], await qrPng(elsewhere.code))).text).toContain("Ticket for another event")
    await nextTicket(doors[1])
    const vip = await scanImage(doors[1], await qrPng(seeded.vipTicket.code))
    expect(vip.tone).toBe("attention")
    expect(vip.text).toContain("VIP")
    await nextTicket(doors[1])
    await doors[1].getByText("2 waiting to sync").waitFor()

    // The later door reconnects first; the server must still keep the earlier admission as the winner.
    await contexts[1].setOffline(false)
    await doors[1].getByText("All check-ins synced").waitFor({ timeout: 30_000 })
    await contexts[0].setOffline(false)
    await doors[0].getByText("All check-ins synced").waitFor({ timeout: 30_000 })
    await doors[1].getByRole("button", { name: "Sync now" }).click()
    await doors[1].getByText("All check-ins synced").waitFor()

    for (const page of doors) {
      const verdict = await scanImage(page, png)
      expect(verdict.tone).toBe("invalid")
      expect(verdict.text).toMatch(/Already in at \d\d:\d\d on “Door A”/)
      await nextTicket(page)
    }
    // Reconnecting also fetched a delta pack from the server, opened it and kept it beside the full pack.
    const envelopes = await doors[0].evaluate(
      () =>
        new Promise<ReadonlyArray<number | null>>((resolve) => {
          const open = indexedDB.open("sratix-scanner")
          open.onsuccess = () => {
            const all = open.result.transaction("packs").objectStore("packs").getAll()
            all.onsuccess = () => resolve(all.result.map((p: { baseVersion: number | null }) => p.baseVersion))
          }
        }),
    )
    expect(envelopes[0]).toBeNull()
    expect(envelopes.length).toBeGreaterThanOrEqual(2)
    expect(envelopes.slice(1).every((base) => typeof base === "number")).toBe(true)
    expect(await doors[0].locator("sratix-scanner-app .notice").count()).toBe(0)
    const listed = await api(stack.server, "GET", `/events/${seeded.eventId}/check-ins`, { token: admin })
    expect(listed.status).toBe(200)
    const entries = listed.body as unknown as ReadonlyArray<{
      checkIn: { ticketId: string }
      winner: boolean
      conflict: boolean
    }>
    expect(entries.filter((e) => e.checkIn.ticketId === seeded.first.id)).toHaveLength(2)
    expect(entries.filter((e) => e.conflict)).toHaveLength(1)
  })

  it("a revoked device loses its token at once and wipes its guest list at the next contact", async () => {
    const seeded = await seed()
    const admin = await tokenFor(stack.server, "super_admin", { orgId: null, eventId: null })
    const issued = await api(stack.server, "POST", `/events/${seeded.eventId}/check-in-devices/enrolment-codes`, {
      token: admin,
      body: { listId: seeded.listId, deviceName: "Lost phone" },
    })
    const context = await stack.device()
    const page = await context.newPage()
    await page.goto(`${stack.server.url}/scanner/#enrol=${(issued.body as { code: string }).code}`)
    await phaseOf(page, "ready")
    const devices = await api(stack.server, "GET", `/events/${seeded.eventId}/check-in-devices`, { token: admin })
    const device = (devices.body as unknown as ReadonlyArray<{ id: string; name: string }>).find(
      (d) => d.name === "Lost phone",
    )!
    expect(
      (await api(stack.server, "DELETE", `/events/${seeded.eventId}/check-in-devices/${device.id}`, { token: admin }))
        .status,
    ).toBeLessThan(300)
    await page.getByRole("button", { name: "Sync now" }).click()
    await phaseOf(page, "unenrolled")
    await page.getByText("An administrator removed this scanner").waitFor()
    const left = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const open = indexedDB.open("sratix-scanner")
          open.onsuccess = () => {
            const count = open.result.transaction("packs").objectStore("packs").count()
            count.onsuccess = () => resolve(count.result)
          }
        }),
    )
    expect(left).toBe(0)
  })
})
