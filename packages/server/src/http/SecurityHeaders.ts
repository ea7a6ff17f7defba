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

export const withSecurityHeaders = (response: HttpServerResponse.HttpServerResponse) => {
  const contentType =
    response.headers["content-type"] ?? (response.body._tag === "Uint8Array" ? response.body.contentType : "")
  return HttpServerResponse.setHeaders(response, {
    ...common,
    "content-security-policy": contentType.startsWith("text/html") ? pagePolicy : apiPolicy,
  })
}
