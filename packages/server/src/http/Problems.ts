import { HttpServerResponse } from "@effect/platform"
import { PROBLEM_BASE } from "@sratix/core"

export const PROBLEM_CONTENT_TYPE = "application/problem+json"

export const problemResponse = (
  status: number,
  slug: string,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) =>
  HttpServerResponse.unsafeJson(
    { type: `${PROBLEM_BASE}${slug}`, title, status, detail, ...extra },
    { status, headers, contentType: PROBLEM_CONTENT_TYPE },
  )

const decodeBody = (response: HttpServerResponse.HttpServerResponse): Record<string, unknown> | null => {
  if (response.body._tag !== "Uint8Array") return null
  try {
    const parsed = JSON.parse(new TextDecoder().decode(response.body.body))
    return typeof parsed === "object" && parsed !== null ? parsed : null
  } catch {
    return null
  }
}

const fallbackTitles: Record<number, readonly [string, string]> = {
  400: ["bad-request", "Bad request"],
  401: ["unauthorized", "Authentication required"],
  403: ["forbidden", "Forbidden"],
  404: ["not-found", "Not found"],
  405: ["method-not-allowed", "Method not allowed"],
  413: ["payload-too-large", "Payload too large"],
  415: ["unsupported-media-type", "Unsupported media type"],
}

/**
 * Every error leaves the server as RFC 9457 problem+json with a stable `type`: our domain errors
 * already carry the members; request-decoding errors, unknown routes and defects are translated
 * here, just before the response is written. Defects never leak internals to the client.
 */
export const toProblem = (response: HttpServerResponse.HttpServerResponse): HttpServerResponse.HttpServerResponse => {
  if (response.status < 400) return response
  if (response.headers["content-type"] === PROBLEM_CONTENT_TYPE) return response
  const { "content-type": _, ...headers } = response.headers
  const body = decodeBody(response)
  if (body !== null && typeof body.type === "string") {
    return HttpServerResponse.unsafeJson(body, { status: response.status, headers, contentType: PROBLEM_CONTENT_TYPE })
  }
  if (body?._tag === "HttpApiDecodeError") {
    return problemResponse(
      response.status,
      "validation-failed",
      "Request validation failed",
      typeof body.message === "string" ? body.message : "The request does not match the API contract",
      { issues: body.issues ?? [] },
      headers,
    )
  }
  if (response.status >= 500) {
    return problemResponse(
      response.status,
      "internal-error",
      "Internal error",
      "Something went wrong on our side; it has been logged",
      {},
      headers,
    )
  }
  const [slug, title] = fallbackTitles[response.status] ?? ["client-error", "Request refused"]
  return problemResponse(
    response.status,
    slug,
    title,
    response.status === 400 ? "The request could not be read (is the body valid JSON?)" : title,
    {},
    headers,
  )
}
