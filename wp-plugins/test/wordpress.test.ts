import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { signatureHeaders } from "../../packages/core/src/index.js"
import { api, startTestServer, type TestServer } from "../../packages/server/test/support/TestServer.js"
import { launchChromium } from "../../packages/widgets/test/support/Chromium.js"
import {
  buildBundle,
  placeOrderAs,
  type Shop,
  seedShop,
  ticketsReady,
} from "../../packages/widgets/test/support/Harness.js"
import { createWordPress, logIn, phpFiles, type WordPressSite, wpPluginsDir } from "./WordPress.js"

const run = promisify(execFile)
const mysqlUrl = process.env.SRATIX_TEST_MYSQL_URL
if (!mysqlUrl && process.env.CI) throw new Error("SRATIX_TEST_MYSQL_URL is not set: run the suite through `npm test`")

/** WordPress's PHP server port: the first free one from this base (the loopback range this suite owns). */
const WP_PORT_BASE = Number(process.env.SRATIX_TEST_WP_PORT ?? 38180)
const freePort = async (from: number) => {
  for (let port = from; port < from + 50; port++) {
    const taken = await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    )
    if (!taken) return port
  }
  throw new Error("no free port for WordPress")
}

const waitUntil = async <A>(probe: () => Promise<A>, done: (a: A) => boolean, timeoutMs = 60_000): Promise<A> => {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (done(value)) return value
    if (Date.now() > until) throw new Error(`condition not reached in ${timeoutMs} ms: ${JSON.stringify(value)}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

describe("PHP sources", () => {
  it("pass php -l, every file", async () => {
    const files = phpFiles()
    expect(files.length).toBeGreaterThan(15)
    const failures: Array<string> = []
    for (const file of files) {
      const result = await run("php", ["-l", file]).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? "error" }))
      if (!result.stdout.includes("No syntax errors")) failures.push(`${file}: ${result.stdout}`)
    }
    expect(failures).toEqual([])
  })

  it("pass the PHPUnit signature tests on the shared vectors", async () => {
    const { stdout } = await run("phpunit", ["--colors=never", "--do-not-cache-result", `${wpPluginsDir}shared/tests`])
    expect(stdout).toMatch(/OK \(\d+ tests/)
  })
})

describe.skipIf(!mysqlUrl)("the plugins in a real WordPress against a running SRAtix", () => {
  let server: TestServer
  let serverStopped = false
  let wp: WordPressSite
  let shop: Shop
  let browser: Awaited<ReturnType<typeof launchChromium>>
  let installed: { ticketsUrl: string; aboutUrl: string; blockUrl: string; memberId: number }
  let control: { keyId: string; apiSecret: string; webhookSecret: string }

  const memberMeta = async (key: string) => {
    const [rows] = await wp.db.query("SELECT meta_value FROM wp_usermeta WHERE user_id = ? AND meta_key = ?", [
      installed.memberId,
      key,
    ])
    return ((rows as Array<{ meta_value: string }>)[0]?.meta_value ?? "") as string
  }

  beforeAll(async () => {
    const port = await freePort(WP_PORT_BASE)
    const wpUrl = `http://127.0.0.1:${port}`
    process.env.SRATIX_WIDGETS_DIR = await buildBundle()
    server = await startTestServer("sqlite", { env: { SRATIX_CORS_ORIGINS: wpUrl } })
    shop = await seedShop(server)
    const site = async (kind: "control" | "client") => {
      const created = await api(server, "POST", `/orgs/${shop.orgId}/wp-sites`, {
        token: shop.token,
        body: { kind, sourceSite: `${kind}.example.org`, baseUrl: wpUrl, eventId: shop.eventId },
      })
      if (created.status !== 201) throw new Error(`site: ${created.status} ${JSON.stringify(created.body)}`)
      return created.body as { keyId: string; apiSecret: string; webhookSecret: string }
    }
    control = await site("control")
    const client = await site("client")
    wp = await createWordPress(mysqlUrl!, port)
    installed = (await wp.install({
      SRATIX_URL: server.url.replace("localhost", "127.0.0.1"),
      SRATIX_EVENT_ID: shop.eventId,
      SRATIX_CONTROL_KEY_ID: control.keyId,
      SRATIX_CONTROL_API_SECRET: control.apiSecret,
      SRATIX_CONTROL_WEBHOOK_SECRET: control.webhookSecret,
      SRATIX_CLIENT_KEY_ID: client.keyId,
      SRATIX_CLIENT_API_SECRET: client.apiSecret,
      SRATIX_CLIENT_WEBHOOK_SECRET: client.webhookSecret,
    })) as typeof installed
    await wp.start()
    browser = await launchChromium()
  }, 180_000)

  afterAll(async () => {
    await browser?.dispose()
    await wp?.dispose()
    if (!serverStopped) await server?.stop()
  })

  it("stores the plugin secrets sealed, never in clear", async () => {
    const [rows] = await wp.db.query("SELECT option_value FROM wp_options WHERE option_name LIKE 'sratix_%settings'")
    const text = (rows as Array<{ option_value: string }>).map((r) => r.option_value).join("\n")
    expect(text).toContain("sbx1:")
    expect(text).not.toContain(control.apiSecret)
    expect(text).not.toContain(control.webhookSecret)
    const [tables] = await wp.db.query("SHOW TABLES LIKE 'wp_sratix_mappings'")
    expect(tables).toHaveLength(1)
  })

  it("embeds the checkout by shortcode and block with escaped attributes, and the bundle only on pages that use it", async () => {
    const tickets = await (await fetch(installed.ticketsUrl)).text()
    expect(tickets).toContain(`<sratix-checkout event-id="${shop.eventId}" api-base="http://127.0.0.1:`)
    expect(tickets).toMatch(
      /<script type="module" crossorigin="anonymous" src='http:\/\/127\.0\.0\.1:\d+\/widgets\/sratix\.js'/,
    )
    const block = await (await fetch(installed.blockUrl)).text()
    expect(block).toContain(`<sratix-checkout event-id="${shop.eventId}"`)
    expect(block).toContain('theme="dark"')
    expect(block).toContain("/widgets/sratix.js")
    const about = await (await fetch(installed.aboutUrl)).text()
    expect(about).not.toContain("sratix.js")
    expect(about).not.toContain("<sratix-")
  })

  it("the dashboard link exchanges a signed request for a working token limited to the mapped role", async () => {
    const cookie = await logIn(wp, "ada", wp.adminPassword)
    const page = await (
      await fetch(`${wp.url}/wp-admin/admin.php?page=sratix_dashboard`, { headers: { cookie } })
    ).text()
    const nonce = /name="_wpnonce" value="([0-9a-f]+)"/.exec(page)?.[1]
    expect(nonce).toBeDefined()
    const forged = await fetch(`${wp.url}/wp-admin/admin-post.php`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ action: "sratix_dashboard", _wpnonce: "0000000000" }).toString(),
    })
    expect(forged.status).toBe(403)
    const opened = await fetch(`${wp.url}/wp-admin/admin-post.php`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ action: "sratix_dashboard", _wpnonce: nonce! }).toString(),
    })
    expect(opened.status).toBe(302)
    const location = new URL(opened.headers.get("location")!)
    expect(location.pathname).toBe("/dashboard/")
    expect(location.search).toBe("")
    const token = new URLSearchParams(location.hash.slice(1)).get("access_token")!
    expect(token.split(".")).toHaveLength(3)
    expect((await api(server, "GET", `/events/${shop.eventId}`, { token })).status).toBe(200)
    expect((await api(server, "GET", `/orgs/${shop.orgId}/api-keys`, { token })).status).toBe(403)
    expect(await memberMeta("sratix_actor_id")).toMatch(/^[0-9a-f-]{36}$/)
  })

  it("refuses a replayed token request and one re-signed with the wrong key (signed by the plugin's PHP code)", async () => {
    const body = JSON.stringify({
      wpUserId: installed.memberId,
      roles: ["administrator"],
      email: "ada@example.org",
      name: "Ada",
    })
    const sign = async (secret: string) => {
      const script = `require '${wpPluginsDir}shared/Signature.php'; echo json_encode(Sratix\\Connector\\Signature::headers($argv[1], $argv[2], 'POST', '/api/v1/auth/token-exchange', $argv[3]));`
      const { stdout } = await run("php", ["-r", script, control.keyId, secret, body])
      return JSON.parse(stdout) as Record<string, string>
    }
    const send = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/v1/auth/token-exchange`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      }).then(async (r) => ({
        status: r.status,
        type: r.headers.get("content-type"),
        body: (await r.json()) as Record<string, unknown>,
      }))
    const headers = await sign(control.apiSecret)
    expect((await send(headers)).status).toBe(200)
    const replayed = await send(headers)
    expect(replayed).toMatchObject({ status: 401, type: "application/problem+json" })
    expect(replayed.body).toMatchObject({ type: "https://sratix.org/problems/signature-refused", reason: "replayed" })
    const wrongKey = await send(await sign(`${control.apiSecret}x`))
    expect(wrongKey.status).toBe(401)
    expect(wrongKey.body).toMatchObject({ reason: "bad-signature" })
  })

  it("sells a free ticket through the widget on the WordPress page; the registration reaches the member's user meta", async () => {
    const page = await browser.newPage()
    await page.goto(installed.ticketsUrl)
    await ticketsReady(page)
    await page.getByRole("button", { name: "One more Student" }).click()
    await page.getByRole("button", { name: "Continue" }).click()
    await placeOrderAs(page, { name: "Ada Lovelace", email: "ada@example.org" }, "Confirmation")
    const orders = await api(server, "GET", `/events/${shop.eventId}/orders`, { token: shop.token })
    const order = (orders.body.items as Array<{ id: string; status: string }>)[0]!
    expect(order.status).toBe("paid")
    const meta = await waitUntil(
      () => memberMeta("sratix_registrations"),
      (m) => m.includes(order.id),
    )
    expect(meta).toContain(shop.eventId)
    // One to the Control site (the member), one to the Client site of the event; each on its own job.
    const delivered = await waitUntil(
      async () => {
        const hooks = await api(server, "GET", `/orgs/${shop.orgId}/webhooks`, { token: shop.token })
        return (hooks.body as unknown as Array<{ subjectId: string; status: string }>).filter(
          (h) => h.subjectId === order.id,
        )
      },
      (hooks) => hooks.length === 2 && hooks.every((h) => h.status === "delivered"),
    )
    expect(delivered).toHaveLength(2)
    const [last] = await wp.db.query(
      "SELECT option_value FROM wp_options WHERE option_name = 'sratix_client_last_webhook'",
    )
    expect((last as Array<{ option_value: string }>)[0]?.option_value).toContain("registration.confirmed")
    await page.close()
  })

  it("refuses a forged webhook; applies a signed one once", async () => {
    const path = "/wp-json/sratix-control/v1/webhook"
    const body = JSON.stringify({
      id: "manual-1",
      type: "registration.confirmed",
      data: { orderId: "forged-order", eventId: shop.eventId, wpUserId: installed.memberId, tickets: 9 },
    })
    const send = (secret: string, headers?: Record<string, string>) => {
      const signed =
        headers ??
        signatureHeaders(control.keyId, secret, {
          method: "POST",
          path,
          timestamp: Math.floor(Date.now() / 1000),
          nonce: `n${Date.now()}${Math.random().toString(36).slice(2)}`,
          body,
        })
      return fetch(`${wp.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...signed },
        body,
      }).then((r) => ({ status: r.status, headers: signed }))
    }
    expect((await send(`${control.webhookSecret}x`)).status).toBe(401)
    expect((await send(control.apiSecret)).status).toBe(401)
    expect(await memberMeta("sratix_registrations")).not.toContain("forged-order")
    const accepted = await send(control.webhookSecret)
    expect(accepted.status).toBe(200)
    expect(await memberMeta("sratix_registrations")).toContain("forged-order")
    expect((await send(control.webhookSecret, accepted.headers)).status).toBe(401)
  })

  it("queues deliveries while WordPress is down and delivers them when it returns", async () => {
    await wp.stop()
    const placed = await api(server, "POST", `/public/events/${shop.eventId}/orders`, {
      body: {
        items: [{ ticketTypeId: shop.freeTypeId, quantity: 1 }],
        buyer: { email: "ada@example.org", name: "Ada Lovelace" },
        attendees: [{ ticketTypeId: shop.freeTypeId, answers: {} }],
      },
      headers: { "idempotency-key": `down-${Date.now()}` },
    })
    expect(placed.status).toBe(201)
    const orderId = placed.body.order.id as string
    const forOrder = async () => {
      const hooks = await api(server, "GET", `/orgs/${shop.orgId}/webhooks`, { token: shop.token })
      return (
        hooks.body as unknown as Array<{ subjectId: string; status: string; attempts: number; id: string }>
      ).filter((h) => h.subjectId === orderId)
    }
    const failing = await waitUntil(forOrder, (hooks) => hooks.length === 2 && hooks.every((h) => h.attempts >= 1))
    expect(failing.map((h) => h.status)).toEqual(["pending", "pending"])
    const log = await api(server, "GET", `/orgs/${shop.orgId}/webhooks/${failing[0]!.id}/deliveries`, {
      token: shop.token,
    })
    expect((log.body as unknown as Array<{ outcome: string; statusCode: number | null }>)[0]).toMatchObject({
      outcome: "failed",
      statusCode: null,
    })
    await wp.start()
    const done = await waitUntil(forOrder, (hooks) => hooks.every((h) => h.status === "delivered"), 90_000)
    expect(done).toHaveLength(2)
    expect(await memberMeta("sratix_registrations")).toContain(orderId)
  }, 120_000)

  it("shows a friendly 'temporarily unavailable' state when SRAtix is down", async () => {
    await server.stop()
    serverStopped = true
    await wp.db.query("DELETE FROM wp_options WHERE option_name LIKE '%sratix_client_server_up%'")
    const html = await (await fetch(installed.ticketsUrl)).text()
    expect(html).toContain("Ticketing is temporarily unavailable.")
    expect(html).not.toContain("sratix.js")
    expect(html).not.toContain("<sratix-checkout")
  })
})
