import { SqlClient } from "@effect/sql"
import { Clock, Effect, ParseResult, Schema } from "effect"
import { Audit } from "../audit/Audit.js"
import type { OrgId } from "../domain/Ids.js"
import { Forbidden, InvalidRequest, NotFound } from "../domain/Problems.js"
import { rowDecoder } from "../sql/Rows.js"
import { Caller, can } from "../tenancy/Caller.js"
import {
  BillingProfile,
  defaultPrefixes,
  InvalidIban,
  InvalidVatNumber,
  SetBillingProfile,
  type SetBillingProfile as SetBillingProfileInput,
} from "./Invoice.js"
import { compact, isValidIban, isValidSwissVatNumber } from "./References.js"

const decode = rowDecoder(BillingProfile, { json: ["addressLines", "numberPrefixes"] })
const decodeInput = Schema.decodeUnknown(SetBillingProfile)

/** A schema failure as the problem an API client can act on: the first offending field and why. */
export const invalidInput = (error: ParseResult.ParseError) => {
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
  const field = issue?.path.map(String).join(".") ?? ""
  return new InvalidRequest({
    detail: issue ? `${field === "" ? "" : `${field}: `}${issue.message}` : "Invalid input",
    ...(field === "" ? {} : { field }),
  })
}

/**
 * An organisation's seller details for invoices. Setting them needs `orders.write` on the
 * organisation itself: an event-level grant never reaches it, so an event admin cannot redirect an
 * organisation's payments to another account.
 */
export class BillingProfiles extends Effect.Service<BillingProfiles>()("sratix/invoices/BillingProfiles", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit

    const allowed = (orgId: OrgId, permission: "orders.read" | "orders.write") =>
      Effect.flatMap(Caller, (caller) =>
        can(caller, permission, { orgId, eventId: null })
          ? Effect.void
          : new Forbidden({ detail: "This organisation's billing profile is not accessible", permission }),
      )

    const select = (orgId: OrgId) =>
      Effect.gen(function* () {
        const rows = yield* sql<Record<string, unknown>>`SELECT * FROM org_billing_profiles
          WHERE org_id = ${orgId}`.pipe(Effect.orDie)
        return rows[0] === undefined ? null : yield* decode(rows[0])
      })

    /** The profile, or NotFound when the organisation has not set one. */
    const get = Effect.fn("BillingProfiles.get")(function* (orgId: OrgId) {
      yield* allowed(orgId, "orders.read")
      const profile = yield* select(orgId)
      if (profile === null) {
        return yield* new NotFound({ detail: "This organisation has no billing profile", resource: "billing-profile" })
      }
      return profile
    })

    /** Creates or replaces the profile; invoices issued before keep the details they were issued with. */
    const set = Effect.fn("BillingProfiles.set")(function* (orgId: OrgId, input: SetBillingProfileInput) {
      yield* allowed(orgId, "orders.write")
      const valid = yield* Effect.mapError(decodeInput(input), invalidInput)
      const iban = compact(valid.iban)
      if (!isValidIban(iban)) {
        return yield* new InvalidIban({
          detail: `"${valid.iban}" is not a valid IBAN (wrong length or check digits)`,
          field: "iban",
        })
      }
      const vatNumber = valid.vatNumber?.trim() || null
      if (vatNumber !== null && !isValidSwissVatNumber(vatNumber)) {
        return yield* new InvalidVatNumber({
          detail: `"${vatNumber}" is not a Swiss VAT number such as CHE-123.456.788 MWST (format or check digit)`,
          field: "vatNumber",
        })
      }
      const numberPrefixes = { ...defaultPrefixes, ...valid.numberPrefixes }
      if (new Set(Object.values(numberPrefixes)).size !== 3) {
        return yield* new InvalidRequest({ detail: "Each kind needs its own number prefix", field: "numberPrefixes" })
      }
      const organization = yield* sql`SELECT id FROM organizations WHERE id = ${orgId}`.pipe(Effect.orDie)
      if (organization.length === 0) {
        return yield* new NotFound({ detail: "No such organisation", resource: "organization" })
      }
      const now = yield* Clock.currentTimeMillis
      const existing = yield* select(orgId)
      const profile = new BillingProfile({
        orgId,
        legalName: valid.legalName,
        addressLines: valid.addressLines,
        postcode: valid.postcode,
        town: valid.town,
        country: valid.country,
        vatNumber,
        iban,
        footer: valid.footer?.trim() || null,
        paymentTermsDays: valid.paymentTermsDays ?? 30,
        numberPrefixes,
        timeZone: valid.timeZone ?? "Europe/Zurich",
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      })
      const row = {
        ...profile,
        addressLines: JSON.stringify(profile.addressLines),
        numberPrefixes: JSON.stringify(profile.numberPrefixes),
      }
      yield* Effect.gen(function* () {
        if (existing === null) yield* sql`INSERT INTO org_billing_profiles ${sql.insert(row)}`
        else {
          const { orgId: _, createdAt: __, ...changes } = row
          yield* sql`UPDATE org_billing_profiles SET ${sql.update(changes)} WHERE org_id = ${orgId}`
        }
        yield* audit.record({
          action: existing === null ? "billing_profile.created" : "billing_profile.updated",
          targetType: "organization",
          targetId: orgId,
          orgId,
        })
      }).pipe(sql.withTransaction, Effect.orDie)
      return profile
    })

    /** For the issuer, which has checked its own permission: the profile as the snapshot source. */
    const forIssue = (orgId: OrgId) => select(orgId)

    return { get, set, forIssue } as const
  }),
  dependencies: [Audit.Default],
}) {}
