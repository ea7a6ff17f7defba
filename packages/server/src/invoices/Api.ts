import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import {
  BillingProfile,
  EventId,
  InvalidIban,
  InvalidRequest,
  InvalidVatNumber,
  Invoice,
  InvoiceId,
  InvoiceKind,
  NotFound,
  OrderId,
  OrgId,
  RenderFailed,
  SetBillingProfile,
} from "@sratix/core"
import { Schema } from "effect"
import { permission, publicAccess, RequiredAccess } from "../http/Access.js"
import { Authorization } from "../http/Authorization.js"
import { Page, PageQuery } from "../http/Common.js"

const InvoicePath = Schema.Struct({ orgId: OrgId, invoiceId: InvoiceId })
const Pdf = HttpApiSchema.Uint8Array({ contentType: "application/pdf" })

export class InvoicesApi extends HttpApiGroup.make("invoices")
  .add(
    HttpApiEndpoint.get("billingProfile", "/orgs/:orgId/billing-profile")
      .setPath(Schema.Struct({ orgId: OrgId }))
      .addSuccess(BillingProfile)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("orders.read"))
      .annotate(OpenApi.Description, "The seller details printed on the organisation's invoices; 404 until set."),
  )
  .add(
    HttpApiEndpoint.put("setBillingProfile", "/orgs/:orgId/billing-profile")
      .setPath(Schema.Struct({ orgId: OrgId }))
      .setPayload(SetBillingProfile)
      .addSuccess(BillingProfile)
      .addError(NotFound)
      .addError(InvalidRequest)
      .addError(InvalidIban)
      .addError(InvalidVatNumber)
      .annotate(RequiredAccess, permission("orders.write"))
      .annotate(
        OpenApi.Description,
        "Creates or replaces the seller details (legal name, address, IBAN or QR-IBAN, VAT number, terms). " +
          "Needed before the event can offer payment by invoice; issued invoices keep the details they were " +
          "issued with. Only an organisation-level grant may change where the money goes.",
      ),
  )
  .add(
    HttpApiEndpoint.get("list", "/orgs/:orgId/invoices")
      .setPath(Schema.Struct({ orgId: OrgId }))
      .setUrlParams(
        Schema.Struct({
          ...PageQuery.fields,
          eventId: Schema.optional(EventId),
          orderId: Schema.optional(OrderId),
          kind: Schema.optional(InvoiceKind),
        }),
      )
      .addSuccess(Page(Invoice, "InvoicePage"))
      .annotate(RequiredAccess, permission("orders.read"))
      .annotate(
        OpenApi.Description,
        "Invoices, proforma invoices and credit notes of the organisation, in issue order.",
      ),
  )
  .add(
    HttpApiEndpoint.get("get", "/orgs/:orgId/invoices/:invoiceId")
      .setPath(InvoicePath)
      .addSuccess(Invoice)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("orders.read")),
  )
  .add(
    HttpApiEndpoint.get("pdf", "/orgs/:orgId/invoices/:invoiceId/pdf")
      .setPath(InvoicePath)
      .addSuccess(Pdf)
      .addError(NotFound)
      .addError(RenderFailed)
      .annotate(RequiredAccess, permission("orders.read"))
      .annotate(OpenApi.Description, "The invoice as PDF, with its Swiss QR-bill when it is payable by bank transfer."),
  )
  .add(
    HttpApiEndpoint.get("publicPdf", "/public/orders/:orderId/invoices/:invoiceId/pdf")
      .setPath(Schema.Struct({ orderId: OrderId, invoiceId: InvoiceId }))
      .setHeaders(Schema.Struct({ "x-order-token": Schema.String.pipe(Schema.maxLength(200)) }))
      .addSuccess(Pdf)
      .addError(NotFound)
      .addError(RenderFailed)
      .annotate(RequiredAccess, publicAccess)
      .annotate(
        OpenApi.Description,
        "The buyer's invoice (with its QR-bill) as PDF, proving ownership with the order's access token; " +
          "only invoices of that order.",
      ),
  )
  .middleware(Authorization)
  .annotate(OpenApi.Title, "Invoices") {}
