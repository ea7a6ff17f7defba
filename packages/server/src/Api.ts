import { HttpApi, OpenApi } from "@effect/platform"
import { AuthApi } from "./auth/Api.js"
import { BadgesApi, TicketDocumentsApi } from "./badges/Api.js"
import { CheckInApi } from "./checkin/Api.js"
import { ConnectorsApi } from "./connectors/Api.js"
import { EventsApi } from "./events/Api.js"
import { FormsApi } from "./forms/Api.js"
import { HealthApi } from "./health/Api.js"
import { InvoicesApi } from "./invoices/Api.js"
import { OrdersApi } from "./orders/Api.js"
import { OrgsApi } from "./orgs/Api.js"
import { PaymentsApi, WebhooksApi } from "./payments/Api.js"
import { PromoCodesApi } from "./promoCodes/Api.js"
import { PublicApi } from "./public/Api.js"
import { TicketTypesApi } from "./ticketTypes/Api.js"

export const API_VERSION = "0.1.0"

/** The whole REST contract. The server, openapi.json and the SDK all come from this value. */
export class SratixApi extends HttpApi.make("sratix")
  .add(HealthApi)
  .add(AuthApi)
  .add(OrgsApi)
  .add(EventsApi)
  .add(TicketTypesApi)
  .add(PromoCodesApi)
  .add(OrdersApi)
  .add(FormsApi)
  .add(PublicApi)
  .add(PaymentsApi)
  .add(InvoicesApi)
  .add(WebhooksApi)
  .add(CheckInApi)
  .add(BadgesApi)
  .add(TicketDocumentsApi)
  .add(ConnectorsApi)
  .prefix("/api/v1")
  .annotate(OpenApi.Title, "SRAtix API")
  .annotate(OpenApi.Version, API_VERSION)
  .annotate(
    OpenApi.Description,
    "Event ticketing and registration. Errors are RFC 9457 problem+json with a stable `type`. " +
      "Authenticate with `Authorization: Bearer <access token or API key>`.",
  ) {}
