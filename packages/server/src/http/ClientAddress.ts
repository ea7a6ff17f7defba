import type { HttpServerRequest } from "@effect/platform"
import { Option } from "effect"

/** The client's IP: the socket peer, or the first X-Forwarded-For hop when behind a trusted proxy. */
export const clientAddress = (request: HttpServerRequest.HttpServerRequest, trustProxy: boolean): string | null => {
  if (trustProxy) {
    const forwarded = request.headers["x-forwarded-for"]?.split(",")[0]?.trim()
    if (forwarded) return forwarded
  }
  return Option.getOrNull(request.remoteAddress)
}
