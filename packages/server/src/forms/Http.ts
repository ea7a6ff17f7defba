import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { FormSchemas, Submissions } from "@sratix/core"
import { Effect } from "effect"
import { SratixApi } from "../Api.js"
import { DEFAULT_PAGE_SIZE } from "../http/Common.js"

/** RFC 6266: an ASCII fallback plus the UTF-8 name, so no header can be split or spoofed. */
const attachment = (filename: string | null) => {
  const name = filename ?? "upload"
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_")
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

export const FormsLive = HttpApiBuilder.group(SratixApi, "forms", (handlers) =>
  Effect.gen(function* () {
    const forms = yield* FormSchemas
    const submissions = yield* Submissions
    return handlers
      .handle("create", ({ path, payload }) => forms.create(path.eventId, payload))
      .handle("list", ({ path }) => Effect.map(forms.list(path.eventId), (items) => ({ items })))
      .handle("get", ({ path }) => forms.get(path.eventId, path.version))
      .handle("activate", ({ path }) => forms.activate(path.eventId, path.version))
      .handle("submissions", ({ path, urlParams }) =>
        submissions.list(path.eventId, { ...urlParams, limit: urlParams.limit ?? DEFAULT_PAGE_SIZE }),
      )
      .handle("download", ({ path }) =>
        Effect.map(submissions.download(path.eventId, path.uploadId), (file) =>
          HttpServerResponse.uint8Array(file.bytes, {
            contentType: file.contentType,
            headers: {
              "content-disposition": attachment(file.filename),
              "x-content-type-options": "nosniff",
              "content-security-policy": "sandbox; default-src 'none'",
              "cache-control": "private, no-store",
            },
          }),
        ),
      )
  }),
)
