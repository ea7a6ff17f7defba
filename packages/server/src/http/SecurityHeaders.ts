import { HttpServerResponse } from "@effect/platform"

const common = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
const apiPolicy = "default-src 'none'; frame-ancestors 'none'"
const pagePolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"

/**
 * Adds the common headers. A route that sets its own `content-security-policy` or
 * `permissions-policy` keeps it (the scanner app needs the camera and `blob:` images); every
 * other response gets the strict defaults.
 */
export const withSecurityHeaders = (response: HttpServerResponse.HttpServerResponse) => {
  const contentType =
    response.headers["content-type"] ?? (response.body._tag === "Uint8Array" ? response.body.contentType : "")
  const own = response.headers
  return HttpServerResponse.setHeaders(response, {
    ...common,
    "permissions-policy": own["permissions-policy"] ?? common["permissions-policy"],
    "content-security-policy":
      own["content-security-policy"] ?? (contentType.startsWith("text/html") ? pagePolicy : apiPolicy),
  })
}
