import type { Server } from "node:http"
import type { Duplex } from "node:stream"
import { PROBLEM_BASE } from "@sratix/core"
import { PROBLEM_CONTENT_TYPE } from "./Problems.js"

/** Node's parser codes for requests it refuses before any handler runs, with the answer each gets. */
const refusals: Record<string, readonly [status: number, slug: string, title: string, detail: string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    "headers-too-large",
    "Request headers too large",
    "The request's headers exceed the server's limit; send fewer or shorter headers",
  ],
  HPE_URI_TOO_LONG: [414, "uri-too-long", "URI too long", "The request line exceeds the server's limit"],
}
const malformed = [400, "bad-request", "Bad request", "The request is not valid HTTP"] as const

const reasonPhrases: Record<number, string> = {
  400: "Bad Request",
  414: "URI Too Long",
  431: "Request Header Fields Too Large",
}

/** The raw HTTP/1.1 response for a request Node refused while parsing. */
export const clientErrorResponse = (code: string | undefined) => {
  const [status, slug, title, detail] = (code && refusals[code]) || malformed
  const body = JSON.stringify({ type: `${PROBLEM_BASE}${slug}`, title, status, detail })
  return (
    `HTTP/1.1 ${status} ${reasonPhrases[status]}\r\n` +
    `content-type: ${PROBLEM_CONTENT_TYPE}\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    "x-content-type-options: nosniff\r\n" +
    "connection: close\r\n\r\n" +
    body
  )
}

/**
 * Requests Node's parser refuses (oversized headers, garbage) never reach the API, so without this
 * they get Node's bare status line: answer them as problem+json like every other error.
 */
export const answerClientErrors = (server: Server) =>
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A reset or timed-out connection has no one left to answer.
    if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy()
      return
    }
    socket.end(clientErrorResponse(error.code))
  })
