import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestServer } from "../../server/test/support/TestServer.js"
import { buildBundle, type Stack, startStack } from "./support/Harness.js"

/** How the server hands the bundle to host pages on other origins (packages/server/src/widgets/Static.ts). */
describe("GET /widgets/sratix.js", () => {
  let stack: Stack
  let built: Buffer
  beforeAll(async () => {
    stack = await startStack()
    built = fs.readFileSync(path.join(await buildBundle(), "sratix.js"))
  })
  afterAll(() => stack?.stop())

  it("serves the built module gzipped to any origin, with an ETag that answers 304", async () => {
    const url = `${stack.server.url}/widgets/sratix.js`
    const gzipped = await fetch(url, { headers: { "accept-encoding": "gzip", origin: "https://wp.example.org" } })
    expect(gzipped.status).toBe(200)
    expect(gzipped.headers.get("content-type")).toBe("text/javascript; charset=utf-8")
    expect(gzipped.headers.get("access-control-allow-origin")).toBe("*")
    expect(gzipped.headers.get("vary")).toContain("accept-encoding")
    // fetch decodes gzip itself: the body is the built file, byte for byte.
    expect(Buffer.from(await gzipped.arrayBuffer()).equals(built)).toBe(true)
    expect(gzipped.headers.get("content-encoding")).toBe("gzip")

    const plain = await fetch(url, { headers: { "accept-encoding": "identity" } })
    expect(plain.headers.get("content-encoding")).toBeNull()
    expect(Buffer.from(await plain.arrayBuffer()).equals(built)).toBe(true)

    const etag = plain.headers.get("etag")!
    const again = await fetch(url, { headers: { "if-none-match": etag } })
    expect(again.status).toBe(304)

    const map = await fetch(`${url}.map`)
    expect(map.status).toBe(200)
    expect(((await map.json()) as { version: number }).version).toBe(3)
  })

  it("answers 404 with the command that builds the bundle when it is missing", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-no-widgets-"))
    const previous = process.env.SRATIX_WIDGETS_DIR
    process.env.SRATIX_WIDGETS_DIR = empty
    const server = await startTestServer("sqlite")
    process.env.SRATIX_WIDGETS_DIR = previous
    try {
      const response = await fetch(`${server.url}/widgets/sratix.js`)
      expect(response.status).toBe(404)
      expect(response.headers.get("content-type")).toBe("application/problem+json")
      expect(((await response.json()) as { detail: string }).detail).toContain("npm run build")
    } finally {
      await server.stop()
      fs.rmSync(empty, { recursive: true, force: true })
    }
  })
})
