import { HttpApiBuilder } from "@effect/platform"
import { Events, Organizations } from "@sratix/core"
import { Effect } from "effect"
import { SratixApi } from "../Api.js"
import { DEFAULT_PAGE_SIZE } from "../http/Common.js"

export const EventsLive = HttpApiBuilder.group(SratixApi, "events", (handlers) =>
  Effect.gen(function* () {
    const events = yield* Events
    const orgs = yield* Organizations
    return handlers
      .handle("list", ({ path, urlParams }) =>
        events.list(path.orgId, { ...urlParams, limit: urlParams.limit ?? DEFAULT_PAGE_SIZE }),
      )
      .handle("create", ({ path, payload }) =>
        Effect.zipRight(orgs.get(path.orgId), events.create(path.orgId, payload)),
      )
      .handle("get", ({ path }) => events.get(path.eventId))
      .handle("update", ({ path, payload }) => events.update(path.eventId, payload))
  }),
)
