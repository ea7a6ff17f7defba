import { type HttpApp, HttpIncomingMessage, HttpServerRequest } from "@effect/platform"
import { MAX_UPLOAD_BYTES, RECOGNISED_FILE_TYPES } from "@sratix/core"
import { Effect, Option } from "effect"
import { problemResponse } from "./Problems.js"

export const MAX_BODY_BYTES = 1024 * 1024
export const MAX_JSON_DEPTH = 32

/** Deepest nesting of arrays and objects in a JSON text, ignoring brackets inside strings. */
export const jsonDepth = (text: string): number => {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92)
        i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 91 || c === 123) deepest = Math.max(deepest, ++depth)
    else if (c === 93 || c === 125) depth--
  }
  return deepest
}

/**
 * The API speaks JSON only. Bodies in another media type, larger than MAX_BODY_BYTES, or nested
 * deeper than MAX_JSON_DEPTH (which no request of ours needs, and which would make validation
 * recurse without bound) are refused before any handler decodes them.
 */
export const requestGuard = (app: HttpApp.Default): HttpApp.Default =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (!["POST", "PUT", "PATCH", "DELETE"].includes(request.method) || !request.url.startsWith("/api/")) {
      return yield* app
    }
    if (request.method === "POST" && UPLOAD_PATH.test(request.url)) return yield* uploadGuard(app)
    if (request.method === "POST" && WEBHOOK_PATH.test(request.url)) return yield* webhookGuard(app)
    const contentType = request.headers["content-type"]?.toLowerCase()
    const length = Number(request.headers["content-length"] ?? "0")
    if (length > MAX_BODY_BYTES) {
      return problemResponse(
        413,
        "payload-too-large",
        "Payload too large",
        `Bodies are limited to ${MAX_BODY_BYTES} bytes`,
      )
    }
    // Exactly application/json: the body is read once, as text, which only that type reuses.
    if (contentType !== undefined && !/^application\/json\s*(?:;|$)/.test(contentType)) {
      return problemResponse(
        415,
        "unsupported-media-type",
        "Unsupported media type",
        "Send the body as application/json",
      )
    }
    const text = yield* Effect.either(request.text)
    if (text._tag === "Left") {
      return problemResponse(400, "bad-request", "Bad request", "The request body could not be read")
    }
    if (jsonDepth(text.right) > MAX_JSON_DEPTH) {
      return problemResponse(400, "bad-request", "Bad request", `JSON may nest at most ${MAX_JSON_DEPTH} levels`)
    }
    return yield* app
  }).pipe(HttpIncomingMessage.withMaxBodySize(Option.some(MAX_BODY_BYTES)))

/** The one route that takes a raw file body: a form field's upload. */
const UPLOAD_PATH = /^\/api\/v1\/public\/events\/[^/?]+\/uploads(?:\?|$)/

/** Provider webhooks: their signature covers the exact bytes, which the handler reads itself. */
const WEBHOOK_PATH = /^\/api\/v1\/webhooks\/[^/?]+(?:\?|$)/

/**
 * Only the size is limited here. The body is neither read nor judged by its media type: reading
 * it as text first would leave the handler a decoded copy, and a refusal here would be a refusal
 * the provider's signature check never saw.
 */
const webhookGuard = (app: HttpApp.Default): HttpApp.Default =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (Number(request.headers["content-length"] ?? "0") > MAX_BODY_BYTES) {
      return problemResponse(
        413,
        "payload-too-large",
        "Payload too large",
        `Bodies are limited to ${MAX_BODY_BYTES} bytes`,
      )
    }
    return yield* app
  })

/** Files come in their own media type (one we recognise by content), up to MAX_UPLOAD_BYTES. */
const uploadGuard = (app: HttpApp.Default): HttpApp.Default =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const contentType = request.headers["content-type"]?.split(";")[0]?.trim().toLowerCase() ?? ""
    if (Number(request.headers["content-length"] ?? "0") > MAX_UPLOAD_BYTES) {
      return problemResponse(
        413,
        "payload-too-large",
        "Payload too large",
        `Files are limited to ${MAX_UPLOAD_BYTES} bytes`,
      )
    }
    if (!RECOGNISED_FILE_TYPES.includes(contentType)) {
      return problemResponse(
        415,
        "unsupported-media-type",
        "Unsupported media type",
        `Send the file as its own media type, one of ${RECOGNISED_FILE_TYPES.join(", ")}`,
      )
    }
    return yield* app
  }).pipe(HttpIncomingMessage.withMaxBodySize(Option.some(MAX_UPLOAD_BYTES)))
