import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  type Answers,
  allFields,
  checkDefinition,
  ERROR_CODES,
  errorMessage,
  FORM_LOCALES,
  type FormDefinition,
  type FormField,
  validateAnswers,
  validateField,
  validateFile,
  visibleFieldIds,
  visibleFields,
} from "../../src/forms/index.js"

const VIP = "0190a000-0000-7000-8000-000000000001"
const GENERAL = "0190a000-0000-7000-8000-000000000002"

const registration: FormDefinition = {
  name: "Registration",
  sections: [
    { id: "personal", label: { en: "Personal" }, order: 1 },
    { id: "logistics", label: { en: "Logistics" }, order: 2 },
  ],
  fields: [
    {
      id: "name",
      type: "text",
      label: { en: "Full name", de: "Vollständiger Name" },
      required: true,
      requiredJustification: "Badge",
      validation: { minLength: 2, maxLength: 100 },
      section: "personal",
      order: 1,
    },
    {
      id: "email",
      type: "email",
      label: { en: "Email" },
      required: true,
      requiredJustification: "Ticket",
      section: "personal",
      order: 2,
    },
    { id: "phone", type: "phone", label: { en: "Phone" }, section: "personal", order: 3 },
    {
      id: "age",
      type: "number",
      label: { en: "Age" },
      validation: { min: 16, max: 120, integer: true },
      section: "personal",
      order: 4,
    },
    {
      id: "birthday",
      type: "date",
      label: { en: "Birthday" },
      validation: { min: "1900-01-01", max: "2010-12-31" },
      section: "personal",
      order: 5,
    },
    { id: "country", type: "country", label: { en: "Country" }, section: "personal", order: 6 },
    {
      id: "canton",
      type: "canton",
      label: { en: "Canton" },
      conditions: [{ field: "country", operator: "eq", value: "CH" }],
      section: "personal",
      order: 7,
    },
    {
      id: "role",
      type: "radio",
      label: { en: "Role" },
      options: [
        { value: "industry", label: { en: "Industry" } },
        { value: "academia", label: { en: "Academia" } },
      ],
      section: "personal",
      order: 8,
    },
    {
      id: "company",
      type: "group",
      label: { en: "Company" },
      conditions: [{ field: "role", operator: "eq", value: "industry" }],
      section: "personal",
      order: 9,
      fields: [
        { id: "company_name", type: "text", label: { en: "Company" }, required: true, requiredJustification: "Badge" },
        {
          id: "company_size",
          type: "select",
          label: { en: "Size" },
          options: [
            { value: "s", label: { en: "Small" } },
            { value: "l", label: { en: "Large" } },
          ],
        },
      ],
    },
    {
      id: "dietary",
      type: "multi-select",
      label: { en: "Dietary" },
      options: ["vegetarian", "vegan", "halal"].map((value) => ({ value, label: { en: value } })),
      validation: { maxItems: 2 },
      section: "logistics",
      order: 1,
    },
    {
      id: "notes",
      type: "textarea",
      label: { en: "Notes" },
      validation: { maxLength: 50 },
      section: "logistics",
      order: 2,
    },
    { id: "vip_dinner", type: "checkbox", label: { en: "Join the dinner" }, section: "logistics", order: 3 },
    {
      id: "photo",
      type: "file",
      label: { en: "Photo" },
      validation: { fileTypes: ["image/jpeg"], maxFileBytes: 1000 },
      section: "logistics",
      order: 4,
    },
    {
      id: "code",
      type: "text",
      label: { en: "Member number" },
      validation: { pattern: "SRA-[0-9]{4}" },
      conditions: [{ field: "ticket_type", operator: "in", value: [GENERAL] }],
      section: "logistics",
      order: 5,
    },
    {
      id: "consent_marketing",
      type: "consent",
      label: { en: "News by email" },
      consentPurpose: "marketing",
      legalBasis: "consent",
      section: "logistics",
      order: 6,
    },
  ],
  ticketTypeFieldMappings: { [VIP]: ["vip_dinner"] },
}

const valid: Answers = { name: "Ada Lovelace", email: "ada@example.com" }
const errorsOf = (answers: Answers, ticketTypeId = GENERAL, locale: "en" | "de" = "en") =>
  validateAnswers(registration, answers, { ticketTypeId, locale })
const codes = (answers: Answers, ticketTypeId = GENERAL) =>
  errorsOf(answers, ticketTypeId).map((e) => `${e.field}:${e.code}`)

describe("the form format", () => {
  it("the sample definition passes the definition check", () => {
    expect(checkDefinition(registration)).toEqual([])
  })

  it("refuses a required field without a justification, naming it", () => {
    const issues = checkDefinition({
      ...registration,
      fields: [...registration.fields, { id: "passport", type: "text", label: { en: "Passport" }, required: true }],
    })
    expect(issues).toEqual([{ field: "passport", message: expect.stringContaining("requiredJustification") }])
  })

  it("refuses a consent without purpose or legal basis, naming it", () => {
    const issues = checkDefinition({
      ...registration,
      fields: [...registration.fields, { id: "photos_ok", type: "consent", label: { en: "Photos" } }],
    })
    expect(issues.map((i) => i.field)).toEqual(["photos_ok", "photos_ok"])
    expect(issues.map((i) => i.message).join(" ")).toMatch(/consentPurpose.*legalBasis/)
  })

  it("refuses condition cycles, unknown targets, duplicate ids, broken patterns and foreign file types", () => {
    const issues = checkDefinition({
      name: "Broken",
      sections: [],
      fields: [
        { id: "a", type: "text", label: { en: "A" }, conditions: [{ field: "b", operator: "exists" }] },
        { id: "b", type: "text", label: { en: "B" }, conditions: [{ field: "a", operator: "exists" }] },
        { id: "c", type: "text", label: { en: "C" }, conditions: [{ field: "nope", operator: "eq", value: 1 }] },
        { id: "c", type: "text", label: { en: "C again" }, validation: { pattern: "(" } },
        { id: "d", type: "file", label: { en: "D" }, validation: { fileTypes: ["text/html"] } },
        { id: "e", type: "select", label: { en: "E" } },
      ],
    })
    const text = issues.map((i) => `${i.field}: ${i.message}`).join("\n")
    expect(text).toMatch(/a: Field "a" depends on itself/)
    expect(text).toMatch(/b: Field "b" depends on itself/)
    expect(text).toMatch(/c: .*"nope", which is not a field/)
    expect(text).toMatch(/c: Field id "c" is used twice/)
    expect(text).toMatch(/c: .*pattern that is not a valid regular expression/)
    expect(text).toMatch(/d: .*"text\/html"/)
    expect(text).toMatch(/e: Field "e" needs options/)
  })
})

describe("visibility", () => {
  it("follows conditions on other fields, groups and the ticket type", () => {
    const ids = (answers: Answers, ticketTypeId = GENERAL) => [...visibleFieldIds(registration, answers, ticketTypeId)]
    expect(ids({})).not.toContain("canton")
    expect(ids({ country: "CH" })).toContain("canton")
    expect(ids({ role: "academia" })).not.toContain("company_name")
    expect(ids({ role: "industry" })).toEqual(expect.arrayContaining(["company", "company_name", "company_size"]))
    expect(ids({}, GENERAL)).toContain("code")
    expect(ids({}, VIP)).not.toContain("code")
    expect(ids({}, VIP)).toContain("vip_dinner")
    expect(ids({}, GENERAL)).not.toContain("vip_dinner")
  })

  it("orders fields by section, then order, and keeps only visible group children", () => {
    const top = visibleFields(registration, { role: "industry" }, VIP).map((f) => f.id)
    expect(top.slice(0, 3)).toEqual(["name", "email", "phone"])
    expect(top.indexOf("company")).toBeLessThan(top.indexOf("dietary"))
    const group = visibleFields(registration, { role: "industry" }, VIP).find((f) => f.id === "company")
    expect(group?.fields?.map((f) => f.id)).toEqual(["company_name", "company_size"])
  })

  it("a condition on a hidden field reads it as unanswered, so hiding cascades", () => {
    const chained: FormDefinition = {
      name: "Chain",
      sections: [],
      fields: [
        { id: "a", type: "checkbox", label: { en: "A" } },
        { id: "b", type: "text", label: { en: "B" }, conditions: [{ field: "a", operator: "eq", value: true }] },
        { id: "c", type: "text", label: { en: "C" }, conditions: [{ field: "b", operator: "exists" }] },
      ],
    }
    expect([...visibleFieldIds(chained, { a: true, b: "x" }, GENERAL)]).toEqual(["a", "b", "c"])
    expect([...visibleFieldIds(chained, { a: false, b: "x" }, GENERAL)]).toEqual(["a"])
  })
})

describe("answers", () => {
  it("accepts a complete valid attendee", () => {
    expect(
      codes({
        ...valid,
        phone: "+41 44 123 45 67",
        age: 37,
        birthday: "1989-02-28",
        country: "CH",
        canton: "ZH",
        role: "industry",
        company_name: "ETH",
        company_size: "l",
        dietary: ["vegan"],
        notes: "Wheelchair access",
        photo: "upl_abcdefghijklmnopqrstuvwx",
        code: "SRA-1234",
        consent_marketing: true,
      }),
    ).toEqual([])
  })

  it("names every wrong answer with its code", () => {
    expect(codes({})).toEqual(["name:required", "email:required"])
    expect(codes({ ...valid, name: "A" })).toEqual(["name:too_short"])
    expect(codes({ ...valid, email: "ada@" })).toEqual(["email:invalid_email"])
    expect(codes({ ...valid, phone: "call me" })).toEqual(["phone:invalid_phone"])
    expect(codes({ ...valid, age: 15 })).toEqual(["age:too_small"])
    expect(codes({ ...valid, age: 20.5 })).toEqual(["age:not_an_integer"])
    expect(codes({ ...valid, age: "20" })).toEqual(["age:not_a_number"])
    expect(codes({ ...valid, birthday: "2023-02-29" })).toEqual(["birthday:invalid_date"])
    expect(codes({ ...valid, birthday: "2011-01-01" })).toEqual(["birthday:date_too_late"])
    expect(codes({ ...valid, country: "XX" })).toEqual(["country:invalid_country"])
    expect(codes({ ...valid, country: "CH", canton: "XX" })).toEqual(["canton:invalid_canton"])
    expect(codes({ ...valid, role: "pirate" })).toEqual(["role:invalid_option"])
    expect(codes({ ...valid, role: "industry" })).toEqual(["company_name:required"])
    expect(codes({ ...valid, dietary: ["vegan", "vegan"] })).toEqual(["dietary:invalid_option"])
    expect(codes({ ...valid, dietary: ["vegan", "halal", "vegetarian"] })).toEqual(["dietary:too_many"])
    expect(codes({ ...valid, notes: "x".repeat(51) })).toEqual(["notes:too_long"])
    expect(codes({ ...valid, photo: "../../etc/passwd" })).toEqual(["photo:invalid_file"])
    expect(codes({ ...valid, code: "SRA-12345" })).toEqual(["code:pattern"])
    expect(codes({ ...valid, consent_marketing: "yes" })).toEqual(["consent_marketing:invalid_type"])
  })

  it("refuses answers to unknown fields and to fields the attendee cannot see", () => {
    expect(codes({ ...valid, shoe_size: 44 })).toEqual(["shoe_size:unknown_field"])
    expect(codes({ ...valid, canton: "ZH" })).toEqual(["canton:hidden_field"])
    expect(codes({ ...valid, vip_dinner: true }, GENERAL)).toEqual(["vip_dinner:hidden_field"])
    expect(codes({ ...valid, vip_dinner: true }, VIP)).toEqual([])
    expect(codes({ ...valid, company: "ETH" })).toEqual(["company:unknown_field"])
  })

  it("speaks the attendee's language, with the limit filled in", () => {
    const [de] = errorsOf({ ...valid, name: "A" }, GENERAL, "de")
    expect(de?.message).toBe("Bitte geben Sie mindestens 2 Zeichen ein.")
    const date = validateField(registration.fields[4]!, "2011-01-01", "fr")
    expect(date?.message).toMatch(/31 déc\. 2010/)
  })

  it("has every message in every language, each its own", () => {
    for (const code of ERROR_CODES) {
      const texts = FORM_LOCALES.map((l) => errorMessage(code, l, 3))
      expect(
        texts.every((t) => t.length > 5 && !t.includes("{limit}")),
        code,
      ).toBe(true)
      expect(new Set(texts).size, code).toBeGreaterThan(1)
    }
  })

  it("checks a chosen file's type and size before upload", () => {
    const photo = allFields(registration).find((f) => f.id === "photo")!
    expect(validateFile(photo, { type: "image/jpeg", size: 999 }, "en")).toBeNull()
    expect(validateFile(photo, { type: "image/png", size: 10 }, "en")?.code).toBe("file_type")
    expect(validateFile(photo, { type: "image/jpeg", size: 1001 }, "it")?.message).toMatch(/troppo grande/)
  })
})

describe("properties", () => {
  const fields = allFields(registration).filter((f) => f.type !== "group")
  const anyValue = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 4 }),
  )
  const anyAnswers = fc.dictionary(
    fc.oneof(fc.constantFrom(...fields.map((f) => f.id), "company"), fc.string({ maxLength: 8 })),
    anyValue,
    { maxKeys: 12 },
  )

  it("never throws, and every error names a field of the form or of the answers", () => {
    fc.assert(
      fc.property(
        anyAnswers,
        fc.constantFrom(VIP, GENERAL),
        fc.constantFrom(...FORM_LOCALES),
        (answers, type, locale) => {
          const errors = validateAnswers(registration, answers, { ticketTypeId: type, locale })
          const known = new Set([...fields.map((f) => f.id), ...Object.keys(answers)])
          for (const error of errors) {
            expect(known.has(error.field)).toBe(true)
            expect(ERROR_CODES).toContain(error.code)
          }
        },
      ),
    )
  })

  it("an answer the validator accepts stays accepted field by field, and a refused field is refused alone", () => {
    fc.assert(
      fc.property(anyAnswers, fc.constantFrom(VIP, GENERAL), (answers, type) => {
        const errors = validateAnswers(registration, answers, { ticketTypeId: type, locale: "en" })
        const visible = visibleFieldIds(registration, answers, type)
        for (const field of fields) {
          if (!visible.has(field.id)) continue
          const alone = validateField(field as FormField, answers[field.id], "en")
          expect(errors.some((e) => e.field === field.id && e.code === alone?.code)).toBe(alone !== null)
        }
      }),
    )
  })

  it("pruning answers to hidden fields until nothing changes leaves no hidden answer", () => {
    // What a client does before submitting: drop what the person cannot see. Dropping can hide more
    // (a condition may have read a dropped answer), so it repeats; it must settle with nothing hidden.
    fc.assert(
      fc.property(anyAnswers, fc.constantFrom(VIP, GENERAL), (answers, type) => {
        let current: Answers = answers
        for (let round = 0; round <= fields.length; round++) {
          const visible = visibleFieldIds(registration, current, type)
          const kept = Object.fromEntries(Object.entries(current).filter(([id]) => visible.has(id)))
          if (Object.keys(kept).length === Object.keys(current).length) break
          current = kept
        }
        const errors = validateAnswers(registration, current, { ticketTypeId: type, locale: "en" })
        expect(errors.filter((e) => e.code === "hidden_field")).toEqual([])
      }),
    )
  })
})
