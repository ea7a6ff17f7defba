import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import {
  Conflict,
  CreatePromoCode,
  EventId,
  InvalidRequest,
  NotFound,
  PromoCode,
  PromoCodeId,
  UpdatePromoCode,
} from "@sratix/core"
import { Schema } from "effect"
import { permission, RequiredAccess } from "../http/Access.js"
import { Authorization } from "../http/Authorization.js"
import { Page, PageQuery } from "../http/Common.js"

const EventPath = Schema.Struct({ eventId: EventId })
const PromoPath = Schema.Struct({ eventId: EventId, promoCodeId: PromoCodeId })

export class PromoCodesApi extends HttpApiGroup.make("promoCodes")
  .add(
    HttpApiEndpoint.get("list", "/events/:eventId/promo-codes")
      .setPath(EventPath)
      .setUrlParams(PageQuery)
      .addSuccess(Page(PromoCode, "PromoCodePage"))
      .annotate(RequiredAccess, permission("promo-codes.read")),
  )
  .add(
    HttpApiEndpoint.post("create", "/events/:eventId/promo-codes")
      .setPath(EventPath)
      .setPayload(CreatePromoCode)
      .addSuccess(PromoCode, { status: 201 })
      .addError(Conflict)
      .addError(InvalidRequest)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("promo-codes.write")),
  )
  .add(
    HttpApiEndpoint.get("get", "/events/:eventId/promo-codes/:promoCodeId")
      .setPath(PromoPath)
      .addSuccess(PromoCode)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("promo-codes.read")),
  )
  .add(
    HttpApiEndpoint.patch("update", "/events/:eventId/promo-codes/:promoCodeId")
      .setPath(PromoPath)
      .setPayload(UpdatePromoCode)
      .addSuccess(PromoCode)
      .addError(NotFound)
      .addError(InvalidRequest)
      .annotate(RequiredAccess, permission("promo-codes.write")),
  )
  .middleware(Authorization)
  .annotate(OpenApi.Title, "Promo codes") {}
