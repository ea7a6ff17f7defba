import { HttpApiBuilder } from "@effect/platform"
import {
  BillingProfiles,
  Caller,
  type InvoiceId,
  Invoices,
  NotFound,
  Orders,
  type OrgId,
  withCaller,
} from "@sratix/core"
import { Effect } from "effect"
import { SratixApi } from "../Api.js"
import { DEFAULT_PAGE_SIZE } from "../http/Common.js"

const noSuchInvoice = () => new NotFound({ detail: "No such invoice", resource: "invoice" })

export const InvoicesLive = HttpApiBuilder.group(SratixApi, "invoices", (handlers) =>
  Effect.gen(function* () {
    const invoices = yield* Invoices
    const orders = yield* Orders
    const billingProfiles = yield* BillingProfiles

    /**
     * The invoice if it belongs to the org in the path. The middleware has checked the caller's
     * right to read that org's invoices, so a refusal from the core means the invoice is someone
     * else's: it answers as missing, never revealing that it exists.
     */
    const ofOrg = (orgId: OrgId, invoiceId: InvoiceId) =>
      invoices.get(invoiceId).pipe(
        Effect.catchTag("Forbidden", () => Effect.fail(noSuchInvoice())),
        Effect.filterOrFail((invoice) => invoice.orgId === orgId, noSuchInvoice),
      )

    return handlers
      .handle("billingProfile", ({ path }) => billingProfiles.get(path.orgId))
      .handle("setBillingProfile", ({ path, payload }) => billingProfiles.set(path.orgId, payload))
      .handle("list", ({ path, urlParams }) =>
        invoices.list({
          orgId: path.orgId,
          eventId: urlParams.eventId,
          orderId: urlParams.orderId,
          kind: urlParams.kind,
          cursor: urlParams.cursor,
          limit: urlParams.limit ?? DEFAULT_PAGE_SIZE,
        }),
      )
      .handle("get", ({ path }) => ofOrg(path.orgId, path.invoiceId))
      .handle("pdf", ({ path }) =>
        Effect.flatMap(ofOrg(path.orgId, path.invoiceId), (invoice) => invoices.renderPdf(invoice.id)),
      )
      .handle("publicPdf", ({ path, headers }) =>
        Effect.gen(function* () {
          const order = yield* orders.getWithToken(path.orderId, headers["x-order-token"])
          // The token proves the order; the invoice is read for it, and only if it is that order's.
          return yield* Effect.gen(function* () {
            const invoice = yield* invoices.get(path.invoiceId)
            if (invoice.orderId !== order.id) return yield* noSuchInvoice()
            return yield* invoices.renderPdf(invoice.id)
          }).pipe(
            Effect.catchTag("NotFound", () => Effect.fail(noSuchInvoice())),
            withCaller(Caller.system("buyer-invoice")),
          )
        }),
      )
  }),
)
