import { HttpApiBuilder } from "@effect/platform"
import { Events, PromoCodes } from "@sratix/core"
import { Effect } from "effect"
import { SratixApi } from "../Api.js"
import { DEFAULT_PAGE_SIZE } from "../http/Common.js"

export const PromoCodesLive = HttpApiBuilder.group(SratixApi, "promoCodes", (handlers) =>
  Effect.gen(function* () {
    const events = yield* Events
    const promoCodes = yield* PromoCodes
    return handlers
      .handle("list", ({ path, urlParams }) =>
        promoCodes.list(path.eventId, { ...urlParams, limit: urlParams.limit ?? DEFAULT_PAGE_SIZE }),
      )
      .handle("create", ({ path, payload }) =>
        Effect.flatMap(events.get(path.eventId), (event) => promoCodes.create(event, payload)),
      )
      .handle("get", ({ path }) => promoCodes.get(path.eventId, path.promoCodeId))
      .handle("update", ({ path, payload }) => promoCodes.update(path.eventId, path.promoCodeId, payload))
  }),
)
