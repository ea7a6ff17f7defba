import { randomBytes, randomUUID } from "node:crypto"
import { type CheckIn, CheckInState, encodeBase64url } from "@sratix/core/offline"
import type { BrowserContext, Route } from "playwright-core"
import type { Venue } from "./Venue.js"

interface Device {
  readonly deviceId: string
  readonly deviceName: string
  readonly token: string
  readonly key: Uint8Array
}

/**
 * The device side of the check-in HTTP contract (docs/checkin.md: enrol, pack, sync), answered in
 * the browser context's network layer from a `Venue`, with the core merge rule for sync. It stands
 * in for the server's check-in endpoints, which are built on another branch; the scanner under test
 * is the real build, served by the real server. A context marked offline gets network errors here
 * too, whatever Chromium's emulation does with intercepted requests.
 */
export class ContractStandIn {
  private readonly codes = new Map<string, string>()
  private readonly devices = new Map<string, Device>()
  private readonly stored: Array<CheckIn & { seq: number }> = []
  private readonly offline = new WeakSet<BrowserContext>()
  /** When set, every pack served has one byte changed at this offset from the end. */
  tamperByte: number | null = null
  syncCalls = 0
  /** When set, sync answers this status with a problem (a server in trouble). */
  failSyncWith: number | null = null

  constructor(readonly venue: Venue) {}

  enrolmentCode(deviceName: string): string {
    const code = encodeBase64url(randomBytes(24))
    this.codes.set(code, deviceName)
    return code
  }

  /** Cuts (or restores) the network of one browser context. */
  async setOffline(context: BrowserContext, offline: boolean) {
    if (offline) this.offline.add(context)
    else this.offline.delete(context)
    await context.setOffline(offline)
  }

  /** The raw pack keys handed out, in enrolment order (what a benchmark's baseline decrypts with). */
  deviceKeys(): ReadonlyArray<Uint8Array> {
    return [...this.devices.values()].map((d) => d.key)
  }

  /** Check-ins the "server" holds. */
  checkIns(): ReadonlyArray<CheckIn> {
    return this.stored
  }

  /** Check-ins that lost to an earlier one of the same ticket (the list has no re-entry). */
  conflicts(): ReadonlyArray<CheckIn> {
    return CheckInState.of(this.stored)
      .snapshot()
      .flatMap(([, t]) => t.later)
  }

  async attach(context: BrowserContext) {
    const guard = (handler: (route: Route) => Promise<void>) => async (route: Route) => {
      if (this.offline.has(context)) return route.abort("internetdisconnected")
      return handler(route)
    }
    await context.route(
      "**/api/v1/check-in/enrol",
      guard((route) => this.enrol(route)),
    )
    await context.route(
      "**/api/v1/events/*/check-in-lists/*/pack*",
      guard((route) => this.pack(route)),
    )
    await context.route(
      "**/api/v1/events/*/check-ins/sync",
      guard((route) => this.sync(route)),
    )
  }

  private problem(route: Route, status: number, slug: string) {
    return route.fulfill({
      status,
      contentType: "application/problem+json",
      body: JSON.stringify({ type: `https://sratix.org/problems/${slug}`, title: slug, status, detail: slug }),
    })
  }

  private device(route: Route): Device | undefined {
    const token = (route.request().headers().authorization ?? "").replace(/^Bearer /, "")
    return this.devices.get(token)
  }

  private async enrol(route: Route) {
    const { code } = route.request().postDataJSON() as { code: string }
    const deviceName = this.codes.get(code)
    if (deviceName === undefined) return this.problem(route, 400, "enrolment-code-invalid")
    this.codes.delete(code)
    const device: Device = {
      deviceId: randomUUID(),
      deviceName,
      token: encodeBase64url(randomBytes(32)),
      key: new Uint8Array(randomBytes(32)),
    }
    this.devices.set(device.token, device)
    return route.fulfill({
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({
        deviceId: device.deviceId,
        deviceName,
        token: device.token,
        orgId: randomUUID(),
        eventId: this.venue.eventId,
        listId: this.venue.listId,
        packKey: encodeBase64url(device.key),
      }),
    })
  }

  private async pack(route: Route) {
    const device = this.device(route)
    if (device === undefined) return this.problem(route, 401, "unauthorized")
    // Deltas are the server's business; the stand-in has nothing newer after the full pack.
    if (new URL(route.request().url()).searchParams.has("since")) return route.fulfill({ status: 304 })
    const pack = await this.venue.pack({
      version: 1,
      devices: [...this.devices.values()].map((d) => ({ id: d.deviceId, name: d.deviceName })),
    })
    const bytes = await this.venue.sealFor(pack, device)
    if (this.tamperByte !== null) bytes[bytes.length - 1 - this.tamperByte]! ^= 0x01
    return route.fulfill({
      status: 200,
      contentType: "application/octet-stream",
      headers: { "cache-control": "no-store" },
      body: Buffer.from(bytes),
    })
  }

  private async sync(route: Route) {
    const device = this.device(route)
    if (device === undefined) return this.problem(route, 401, "unauthorized")
    this.syncCalls++
    if (this.failSyncWith !== null) return this.problem(route, this.failSyncWith, "unavailable")
    const body = route.request().postDataJSON() as {
      cursor: number
      checkIns: ReadonlyArray<Omit<CheckIn, "deviceId" | "deviceTime"> & { deviceTime: string }>
    }
    const before = this.conflicts().length
    let accepted = 0
    let alreadyKnown = 0
    for (const c of body.checkIns) {
      if (this.stored.some((s) => s.id === c.id)) alreadyKnown++
      else {
        const deviceTime = Date.parse(c.deviceTime)
        if (!Number.isFinite(deviceTime)) return this.problem(route, 400, "validation-failed")
        this.stored.push({ ...c, deviceTime, deviceId: device.deviceId, seq: this.stored.length + 1 })
        accepted++
      }
    }
    const since = this.stored.filter((s) => s.seq > body.cursor)
    return route.fulfill({
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({
        accepted,
        alreadyKnown,
        rejected: [],
        conflicts: this.conflicts().length - before,
        checkIns: since
          .filter((s) => s.deviceId !== device.deviceId)
          .map((s) => ({ ...s, deviceTime: new Date(s.deviceTime).toISOString() })),
        cursor: since.length === 0 ? body.cursor : since[since.length - 1]!.seq,
        more: false,
      }),
    })
  }
}
