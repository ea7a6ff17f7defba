import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import {
  AccountLocked,
  Email,
  InvalidCredentials,
  NotFound,
  RateLimited,
  TokenPair,
  Unauthorized,
  User,
} from "@sratix/core"
import { Schema } from "effect"
import { publicAccess, RequiredAccess, signedIn } from "../http/Access.js"
import { Authorization } from "../http/Authorization.js"

const RefreshToken = Schema.Struct({ refreshToken: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)) })

export class AuthApi extends HttpApiGroup.make("auth")
  .add(
    HttpApiEndpoint.post("login", "/auth/login")
      .setPayload(
        Schema.Struct({ email: Email, password: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(256)) }),
      )
      .addSuccess(TokenPair)
      .addError(InvalidCredentials)
      .addError(AccountLocked)
      .addError(RateLimited)
      .annotate(RequiredAccess, publicAccess)
      .annotate(OpenApi.Description, "Password login for server-native admins. Locks after repeated failures."),
  )
  .add(
    HttpApiEndpoint.post("refresh", "/auth/refresh")
      .setPayload(RefreshToken)
      .addSuccess(TokenPair)
      .addError(Unauthorized)
      .annotate(RequiredAccess, publicAccess)
      .annotate(
        OpenApi.Description,
        "Rotates a refresh token. Presenting one that was already used revokes every token of its login.",
      ),
  )
  .add(
    HttpApiEndpoint.post("logout", "/auth/logout")
      .setPayload(RefreshToken)
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(RequiredAccess, publicAccess),
  )
  .add(
    HttpApiEndpoint.get("me", "/auth/me")
      .addSuccess(User)
      .addError(NotFound)
      .annotate(RequiredAccess, signedIn)
      .annotate(OpenApi.Description, "The signed-in user with their role grants (API keys have no profile: 404)."),
  )
  .middleware(Authorization)
  .annotate(OpenApi.Title, "Authentication") {}
