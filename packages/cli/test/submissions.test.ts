import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Layer, ManagedRuntime, Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  Caller,
  CoreServices,
  type EventId,
  environmentLayer,
  FormDefinitionSchema,
  FormSchemas,
  loadEnvironment,
  Orders,
  TicketTypes,
  withCaller,
} from "../../core/src/index.js"
import { assertBuilt, expectOneLineError, run, runJson, tempDir } from "./support/Cli.js"

const SECRET = "cli-test-secret-0123456789abcdef-0123456789"

/** Parses the CSV the export writes (RFC 4180, CRLF), enough to read it back in a test. */
const parseCsv = (text: string) => {
  const rows: Array<Array<string>> = []
  let row: Array<string> = []
  let cell = ""
  let quoted = false
  const endCell = () => {
    row.push(cell)
    cell = ""
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ",") endCell()
    else if (c === "\n") {
      endCell()
      rows.push(row)
      row = []
    } else if (c !== "\r") cell += c
  }
  const [header, ...body] = rows
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ""])))
}

describe("sratix submissions export", () => {
  let dataDir: string
  let env: Record<string, string>
  let eventId: EventId
  let runtime: ManagedRuntime.ManagedRuntime<Layer.Layer.Success<typeof CoreServices> | Caller, never>

  beforeAll(async () => {
    assertBuilt()
    dataDir = tempDir()
    env = { SRATIX_DATA_DIR: dataDir, SRATIX_SECRET: SECRET }
    const seeded = await runJson<{ eventId: EventId }>(["seed", "demo"], env)
    eventId = seeded.json.eventId
    const environment = loadEnvironment({ SRATIX_DATA_DIR: dataDir, SRATIX_SECRET: SECRET })
    runtime = ManagedRuntime.make(
      Layer.mergeAll(
        CoreServices.pipe(Layer.provideMerge(environmentLayer(environment, new TextEncoder().encode(SECRET)))),
        Caller.layerSystem("test"),
      ),
    )
    await runtime.runPromise(
      Effect.gen(function* () {
        const types = yield* Effect.flatMap(TicketTypes, (t) => t.listForEvent(eventId))
        const regular = types.find((t) => t.name === "Regular")!
        const orders = yield* Orders
        const buy = (n: number, answers: Record<string, unknown>) =>
          orders
            .place(eventId, {
              items: [{ ticketTypeId: regular.id, quantity: 1 }],
              buyer: { email: `buyer${n}@example.com`, name: "Buyer" },
              locale: "fr",
              attendees: [{ ticketTypeId: regular.id, answers }] as never,
            })
            .pipe(withCaller(Caller.anonymous))
        const person = { first_name: "Ada", last_name: "Lovelace", email: "ada@example.com", marketing: true }
        yield* buy(1, { ...person, organization: '=HYPERLINK("http://x")', dietary: ["vegan", "gluten_free"] })
        const forms = yield* FormSchemas
        const v1 = yield* forms.get(eventId, 1)
        const v2 = yield* forms.create(
          eventId,
          Schema.decodeUnknownSync(FormDefinitionSchema)({
            ...v1.definition,
            fields: [
              ...v1.definition.fields,
              { id: "tshirt", type: "select", label: { en: "T-shirt" }, options: [{ value: "m", label: { en: "M" } }] },
            ],
          }),
        )
        yield* forms.activate(eventId, v2.version)
        yield* buy(2, { ...person, first_name: "Grace", email: "grace@example.com", tshirt: "m", marketing: false })
      }).pipe(Effect.orDie),
    )
  }, 120_000)
  afterAll(async () => {
    await runtime?.dispose()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it("writes one row per attendee tied to the form version they saw, with consents and safe cells", async () => {
    const out = path.join(dataDir, "attendees.csv")
    const result = await runJson<{ rows: number; versions: Record<string, number>; format: string }>(
      ["submissions", "export", "--event", eventId, "--out", out],
      env,
    )
    expect(result.code).toBe(0)
    expect(result.json).toMatchObject({ rows: 2, format: "csv", versions: { "1": 1, "2": 1 } })
    const rows = parseCsv(fs.readFileSync(out, "utf8"))
    expect(rows.map((r) => [r.form_version, r["answer.first_name"], r["answer.tshirt"]])).toEqual([
      ["1", "Ada", ""],
      ["2", "Grace", "m"],
    ])
    expect(rows[0]).toMatchObject({
      email: "ada@example.com",
      full_name: "Ada Lovelace",
      dietary: "vegan; gluten_free",
      locale: "fr",
      "consent.marketing": "true",
      "answer.organization": `'=HYPERLINK("http://x")`,
    })
    expect(rows[1]?.["consent.marketing"]).toBe("false")
    expect(rows[0]?.["consent.marketing.at"]).toMatch(/^\d{4}-\d{2}-\d{2}T/)
  })

  it("filters by version and writes JSON", async () => {
    const out = path.join(dataDir, "v1.json")
    const result = await runJson<{ rows: number }>(
      ["submissions", "export", "--event", eventId, "--version", "1", "--format", "json", "--out", out],
      env,
    )
    expect(result.json.rows).toBe(1)
    const written = JSON.parse(fs.readFileSync(out, "utf8")) as Array<{ schemaVersion: number; answers: object }>
    expect(written.map((s) => s.schemaVersion)).toEqual([1])
    expect(written[0]?.answers).not.toHaveProperty("tshirt")
  })

  it("refuses a bad event id and an unknown event with one line and an exit code", async () => {
    const bad = await run(["submissions", "export", "--event", "nope", "--out", "x.csv"], env)
    expect(bad.code).toBe(2)
    expect(expectOneLineError(bad)).toMatch(/not an event id/)
    const unknown = await run(
      ["submissions", "export", "--event", "0193a4f2-7c1e-7d3a-9f00-2b1c3d4e5f60", "--out", "x.csv"],
      env,
    )
    expect(unknown.code).toBe(4)
    expect(expectOneLineError(unknown)).toMatch(/event/i)
  })
})
