import * as net from "node:net"
import * as tls from "node:tls"
import { Effect } from "effect"

/**
 * Minimal clients for the two line protocols `doctor` speaks itself (Redis RESP and SMTP), so
 * the check needs no driver and shows exactly what the host answered.
 */

/** A reply parser: the value at the start of `buffer` and what follows it, or `undefined` if incomplete. */
export type ReplyParser<A> = (buffer: string) => { readonly value: A; readonly rest: string } | undefined

/** One TCP or TLS connection with a receive buffer; replies are read in order. */
export class Conversation {
  private buffer = ""
  private wake: (() => void) | undefined
  private failure: Error | undefined

  constructor(private readonly socket: net.Socket) {
    // latin1 maps bytes to characters one to one, so RESP byte lengths equal string lengths.
    socket.setEncoding("latin1")
    socket.on("data", (chunk: string) => {
      this.buffer += chunk
      this.wake?.()
    })
    socket.on("error", (error) => {
      this.failure = error
      this.wake?.()
    })
    socket.on("close", () => {
      this.failure ??= new Error("the server closed the connection")
      this.wake?.()
    })
  }

  write(data: string) {
    this.socket.write(data)
  }

  async read<A>(parse: ReplyParser<A>): Promise<A> {
    for (;;) {
      const parsed = parse(this.buffer)
      if (parsed !== undefined) {
        this.buffer = parsed.rest
        return parsed.value
      }
      if (this.failure) throw this.failure
      await new Promise<void>((resolve) => {
        this.wake = resolve
      })
      this.wake = undefined
    }
  }

  close() {
    this.socket.destroy()
  }
}

export interface Endpoint {
  readonly host: string
  readonly port: number
  /** TLS from the first byte (rediss://, smtps://). */
  readonly tls: boolean
}

/**
 * Opens a conversation that closes when the scope does. Connecting stays interruptible (a TLS
 * handshake with a plain-text server never completes), so a timeout around it takes effect.
 */
export const connect = (endpoint: Endpoint) =>
  Effect.acquireRelease(
    Effect.interruptible(
      Effect.async<Conversation, Error>((resume) => {
        const socket = endpoint.tls
          ? tls.connect({
              host: endpoint.host,
              port: endpoint.port,
              // SNI carries host names only (RFC 6066)
              ...(net.isIP(endpoint.host) === 0 ? { servername: endpoint.host } : {}),
            })
          : net.connect({ host: endpoint.host, port: endpoint.port })
        socket.once(endpoint.tls ? "secureConnect" : "connect", () => resume(Effect.succeed(new Conversation(socket))))
        socket.once("error", (error) => resume(Effect.fail(error)))
        return Effect.sync(() => socket.destroy())
      }),
    ),
    (conversation) => Effect.sync(() => conversation.close()),
  )

export const exchange = <A>(conversation: Conversation, data: string | null, parse: ReplyParser<A>) =>
  Effect.tryPromise({
    try: () => {
      if (data !== null) conversation.write(data)
      return conversation.read(parse)
    },
    catch: (e) => e as Error,
  })

// ---------------------------------------------------------------------------------------------
// Redis (RESP2)

export class RespError {
  constructor(readonly message: string) {}
}

export type RespValue = string | number | null | RespError | ReadonlyArray<RespValue>

/** A command as RESP: an array of bulk strings. */
export const encodeCommand = (args: ReadonlyArray<string>) =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`

export const parseResp: ReplyParser<RespValue> = (buffer) => {
  const end = buffer.indexOf("\r\n")
  if (end < 0) return undefined
  const line = buffer.slice(1, end)
  const after = buffer.slice(end + 2)
  switch (buffer[0]) {
    case "+":
      return { value: line, rest: after }
    case "-":
      return { value: new RespError(line), rest: after }
    case ":":
      return { value: Number(line), rest: after }
    case "$": {
      const length = Number(line)
      if (length < 0) return { value: null, rest: after }
      if (after.length < length + 2) return undefined
      return { value: after.slice(0, length), rest: after.slice(length + 2) }
    }
    case "*": {
      const count = Number(line)
      if (count < 0) return { value: null, rest: after }
      const items: Array<RespValue> = []
      let rest = after
      for (let i = 0; i < count; i++) {
        const item = parseResp(rest)
        if (item === undefined) return undefined
        items.push(item.value)
        rest = item.rest
      }
      return { value: items, rest }
    }
    default:
      throw new Error(`not a Redis reply: ${JSON.stringify(buffer.slice(0, 40))}`)
  }
}

/** `redis_version:7.0.15` out of an `INFO server` reply. */
export const redisVersion = (info: RespValue) =>
  typeof info === "string" ? /^redis_version:(.+)$/m.exec(info)?.[1]?.trim() : undefined

// ---------------------------------------------------------------------------------------------
// SMTP (RFC 5321 replies)

export interface SmtpReply {
  readonly code: number
  readonly lines: ReadonlyArray<string>
}

/** A complete, possibly multi-line reply (`250-…` continues, `250 …` ends). */
export const parseSmtpReply: ReplyParser<SmtpReply> = (buffer) => {
  const lines: Array<string> = []
  let position = 0
  for (;;) {
    const end = buffer.indexOf("\n", position)
    if (end < 0) return undefined
    const line = buffer.slice(position, end).replace(/\r$/, "")
    position = end + 1
    if (!/^\d{3}([ -]|$)/.test(line)) throw new Error(`not an SMTP reply: ${JSON.stringify(line.slice(0, 60))}`)
    lines.push(line.slice(4))
    if (line[3] !== "-") return { value: { code: Number(line.slice(0, 3)), lines }, rest: buffer.slice(position) }
  }
}

/** EHLO keywords the server offers, e.g. `STARTTLS`, `AUTH PLAIN LOGIN`, `SIZE 35882577`. */
export const ehloExtensions = (reply: SmtpReply) => reply.lines.slice(1).map((l) => l.trim().toUpperCase())
