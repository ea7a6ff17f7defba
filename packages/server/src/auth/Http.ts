import { HttpApiBuilder } from "@effect/platform"
import { Identity } from "@sratix/core"
import { Effect } from "effect"
import { SratixApi } from "../Api.js"

export const AuthLive = HttpApiBuilder.group(SratixApi, "auth", (handlers) =>
  Effect.gen(function* () {
    const identity = yield* Identity
    return handlers
      .handle("login", ({ payload }) => identity.login(payload.email, payload.password))
      .handle("refresh", ({ payload }) => identity.refresh(payload.refreshToken))
      .handle("logout", ({ payload }) => identity.logout(payload.refreshToken))
      .handle("me", () => identity.me())
  }),
)
