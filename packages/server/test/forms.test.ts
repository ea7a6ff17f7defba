import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { engines } from "../../core/test/support/Databases.js"
import { fingerprint, settledFingerprint, tableColumns } from "./support/Fixtures.js"
import { api, startTestServer, type TestServer, tokenFor } from "./support/TestServer.js"

/** The forms API as a buyer's browser and an organiser meet it: problem+json naming the field, nothing stored. */

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4])

describe.each(engines)("forms over HTTP on %s", (engine) => {
  let server: TestServer
  let token: string
  let eventId: string
  let general: string
  let member: string
  beforeAll(async () => {
    server = await startTestServer(engine)
    token = await tokenFor(server, "super_admin", { orgId: null, eventId: null })
    const org = await api(server, "POST", "/orgs", { token, body: { name: "Forms", slug: "forms" } })
    eventId = (
      await api(server, "POST", `/orgs/${org.body.id}/events`, {
        token,
        body: {
          slug: "robotics",
          name: "Robotics Day",
          startsAt: "2027-05-01T08:00:00Z",
          endsAt: "2027-05-01T18:00:00Z",
        },
      })
    ).body.id
    const type = (name: string) =>
      api(server, "POST", `/events/${eventId}/ticket-types`, { token, body: { name, priceMinor: 0, capacity: 50 } })
    general = (await type("General")).body.id
    member = (await type("Member")).body.id
    await api(server, "PATCH", `/events/${eventId}`, { token, body: { status: "published" } })
  }, 60_000)
  afterAll(() => server?.stop())

  const form = () => ({
    name: "Registration",
    sections: [{ id: "you", label: { en: "About you", de: "Über Sie" }, order: 1 }],
    fields: [
      {
        id: "name",
        type: "text",
        label: { en: "Name" },
        required: true,
        requiredJustification: "Badge",
        section: "you",
      },
      { id: "age", type: "number", label: { en: "Age" }, validation: { min: 16 }, section: "you" },
      {
        id: "member_no",
        type: "text",
        label: { en: "Member number" },
        required: true,
        requiredJustification: "Member price",
        conditions: [{ field: "ticket_type", operator: "eq", value: member }],
      },
      { id: "photo", type: "file", label: { en: "Photo" }, validation: { fileTypes: ["image/png"], maxFileBytes: 64 } },
      {
        id: "terms",
        type: "consent",
        label: { en: "Terms" },
        required: true,
        requiredJustification: "Contract",
        consentPurpose: "terms",
        legalBasis: "contract",
      },
    ],
  })

  const buy = (
    attendees: Array<{ ticketTypeId: string; answers: Record<string, unknown> }>,
    headers: Record<string, string> = {},
    extra: Record<string, unknown> = {},
  ) =>
    api(server, "POST", `/public/events/${eventId}/orders`, {
      headers,
      body: {
        ...extra,
        items: [...new Set(attendees.map((a) => a.ticketTypeId))].map((ticketTypeId) => ({
          ticketTypeId,
          quantity: attendees.filter((a) => a.ticketTypeId === ticketTypeId).length,
        })),
        buyer: { email: "buyer@example.com", name: "Buyer" },
        locale: "de",
        attendees,
      },
    })

  it("has no public form until one is activated", async () => {
    const none = await api(server, "GET", `/public/events/${eventId}/form`)
    expect(none.status).toBe(404)
    expect(none.headers.get("content-type")).toBe("application/problem+json")
  })

  it("refuses a definition with a missing justification, naming the field", async () => {
    const bad = form()
    bad.fields.push({ id: "passport", type: "text", label: { en: "Passport" }, required: true } as never)
    const refused = await api(server, "POST", `/events/${eventId}/forms`, { token, body: bad })
    expect(refused.status).toBe(422)
    expect(refused.body).toMatchObject({
      type: "https://sratix.org/problems/form-definition-invalid",
      field: "passport",
      issues: [{ field: "passport" }],
    })
    const typo = await api(server, "POST", `/events/${eventId}/forms`, {
      token,
      body: { ...form(), fields: [{ ...form().fields[0], requird: true }] },
    })
    // A misspelt key is refused by the request schema, not dropped: `requird` would make a field optional.
    expect(typo.status).toBe(400)
    expect(typo.body.type).toBe("https://sratix.org/problems/validation-failed")
    expect(JSON.stringify(typo.body)).toContain("requird")
    expect((await api(server, "GET", `/events/${eventId}/forms`, { token })).body.items).toEqual([])
  })

  it("saves, activates and serves versions", async () => {
    const created = await api(server, "POST", `/events/${eventId}/forms`, { token, body: form() })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ version: 1, active: false })
    const activated = await api(server, "POST", `/events/${eventId}/forms/1/activate`, { token })
    expect(activated.body).toMatchObject({ version: 1, active: true })
    const served = await api(server, "GET", `/public/events/${eventId}/form`)
    expect(served.status).toBe(200)
    expect(served.body).toMatchObject({ version: 1, schemaId: created.body.id, definition: { name: "Registration" } })
  })

  it("refuses bad answers with problem+json naming attendee and field, in the buyer's language, storing nothing", async () => {
    const columns = await tableColumns(server)
    const before = await settledFingerprint(server, columns)
    const cases: Array<[string, Array<{ ticketTypeId: string; answers: Record<string, unknown> }>, string]> = [
      [
        "a field not in the schema",
        [{ ticketTypeId: general, answers: { name: "Ada", terms: true, shoe: 44 } }],
        "shoe:unknown_field",
      ],
      [
        "a wrong type",
        [{ ticketTypeId: general, answers: { name: "Ada", terms: true, age: "old" } }],
        "age:not_a_number",
      ],
      [
        "a field hidden by its condition",
        [{ ticketTypeId: general, answers: { name: "Ada", terms: true, member_no: "7" } }],
        "member_no:hidden_field",
      ],
      [
        "a missing condition-revealed field",
        [{ ticketTypeId: member, answers: { name: "Ada", terms: true } }],
        "member_no:required",
      ],
      [
        "a refused consent",
        [{ ticketTypeId: general, answers: { name: "Ada", terms: false } }],
        "terms:consent_required",
      ],
      [
        "an invented upload",
        [{ ticketTypeId: general, answers: { name: "Ada", terms: true, photo: "upl_aaaaaaaaaaaaaaaaaaaaaaaa" } }],
        "photo:invalid_file",
      ],
    ]
    for (const [what, attendees, expected] of cases) {
      const response = await buy(attendees)
      expect(response.status, what).toBe(422)
      expect(response.headers.get("content-type"), what).toBe("application/problem+json")
      expect(response.body.type, what).toBe("https://sratix.org/problems/form-invalid")
      const [error] = response.body.errors as Array<{ attendee: number; field: string; code: string; message: string }>
      expect(`${error?.field}:${error?.code}`, what).toBe(expected)
      expect(error?.attendee, what).toBe(0)
      expect(response.body.field, what).toBe(expected.split(":")[0])
    }
    const german = await buy([{ ticketTypeId: general, answers: { terms: true } }])
    expect(german.body.errors[0].message).toBe("Dieses Feld ist erforderlich.")
    expect(await fingerprint(server, columns)).toEqual(before)
  })

  it("takes files only in a recognised type within the field's size, and never a disguised one", async () => {
    const upload = (data: Uint8Array | string, contentType: string, field = "photo") =>
      api(server, "POST", `/public/events/${eventId}/uploads`, {
        headers: { "x-sratix-field": field, "accept-language": "fr-CH, fr;q=0.9" },
        raw: { contentType, data: typeof data === "string" ? data : new Uint8Array(data) },
      })
    const html = await upload("<html><script>alert(1)</script></html>", "text/html")
    expect(html.status).toBe(415)
    expect(html.body.type).toBe("https://sratix.org/problems/unsupported-media-type")
    const disguised = await upload("<html><script>alert(1)</script></html>", "image/png")
    expect(disguised.status).toBe(422)
    expect(disguised.body).toMatchObject({ field: "photo", errors: [{ code: "file_type" }] })
    expect(disguised.body.errors[0].message).toMatch(/n’est pas accepté/)
    const big = new Uint8Array(65)
    big.set(PNG)
    expect((await upload(big, "image/png")).body).toMatchObject({ errors: [{ code: "file_too_large" }] })
    expect((await upload(PNG, "image/png", "name")).body).toMatchObject({ errors: [{ code: "unknown_field" }] })
    const huge = await upload(new Uint8Array(21 * 1024 * 1024), "image/png")
    expect(huge.status).toBe(413)

    const ok = await upload(PNG, "image/png")
    expect(ok.status).toBe(201)
    expect(ok.body).toMatchObject({ contentType: "image/png", sizeBytes: PNG.byteLength })
    const placed = await buy([
      { ticketTypeId: general, answers: { name: "Ada", terms: true, photo: ok.body.uploadId } },
    ])
    expect(placed.status).toBe(201)
    const again = await buy([{ ticketTypeId: general, answers: { name: "Bob", terms: true, photo: ok.body.uploadId } }])
    expect(again.body).toMatchObject({ errors: [{ field: "photo", code: "invalid_file" }] })

    const file = await fetch(`${server.url}/api/v1/events/${eventId}/uploads/${ok.body.uploadId}`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(file.status).toBe(200)
    expect(file.headers.get("content-type")).toBe("image/png")
    expect(file.headers.get("content-disposition")).toMatch(/^attachment;/)
    expect(file.headers.get("x-content-type-options")).toBe("nosniff")
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(PNG)
    const anonymous = await fetch(`${server.url}/api/v1/events/${eventId}/uploads/${ok.body.uploadId}`)
    expect(anonymous.status).toBe(401)
  })

  it("lists submissions with the version seen and the consent time; a retried order replays, not repeats", async () => {
    const key = { "idempotency-key": "forms-retry-1" }
    const first = await buy(
      [{ ticketTypeId: member, answers: { name: "Grace", terms: true, member_no: "SRA-1" } }],
      key,
    )
    const retry = await buy(
      [{ ticketTypeId: member, answers: { name: "Grace", terms: true, member_no: "SRA-1" } }],
      key,
    )
    expect(first.status).toBe(201)
    expect(retry.body.order.id).toBe(first.body.order.id)
    const listed = await api(server, "GET", `/events/${eventId}/submissions?orderId=${first.body.order.id}`, { token })
    expect(listed.status).toBe(200)
    expect(listed.body.items).toHaveLength(1)
    expect(listed.body.items[0]).toMatchObject({
      schemaVersion: 1,
      ticketTypeId: member,
      locale: "de",
      answers: { name: "Grace", terms: true, member_no: "SRA-1" },
      consents: [{ fieldId: "terms", purpose: "terms", legalBasis: "contract", granted: true }],
    })
    expect(Date.parse(listed.body.items[0].consents[0].decidedAt)).toBeGreaterThan(Date.parse("2026-01-01T00:00:00Z"))
  })

  it("refuses answers given for a version that is no longer active, so nobody's answers are stored against the wrong questions", async () => {
    const answers = [{ ticketTypeId: general, answers: { name: "Lin", terms: true } }]
    const current = await buy(answers, {}, { formVersion: 1 })
    expect(current.status, JSON.stringify(current.body)).toBe(201)
    const v2 = await api(server, "POST", `/events/${eventId}/forms`, { token, body: form() })
    expect(v2.body.version, JSON.stringify(v2.body)).toBe(2)
    expect((await api(server, "POST", `/events/${eventId}/forms/2/activate`, { token })).status).toBe(200)
    const served = await api(server, "GET", `/public/events/${eventId}/form`)
    expect(served.body.version).toBe(2)
    const columns = await tableColumns(server)
    const before = await settledFingerprint(server, columns)
    const stale = await buy(answers, {}, { formVersion: 1 })
    expect(stale.status, JSON.stringify(stale.body)).toBe(422)
    expect(stale.body).toMatchObject({ field: "formVersion", errors: [{ code: "form_outdated" }] })
    expect(await fingerprint(server, columns)).toEqual(before)
    expect((await buy(answers, {}, { formVersion: 2 })).status).toBe(201)
  })
})
