import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import { SMTPServer } from "smtp-server"

export interface LoopbackSmtp {
  readonly url: string
  /** Raw RFC 5322 messages as received, in order. */
  readonly received: Array<Buffer>
  /** The next `count` recipients are refused with this reply (e.g. 451 then a retry succeeds). */
  readonly refuseNext: (count: number, code: number, text: string) => void
  /**
   * The next message's final reply waits until `release()`: `arrived` resolves once its data is in.
   * A message whose client hung up before the reply was never accepted, and is not in `received`.
   */
  readonly holdNext: () => { readonly arrived: Promise<void>; readonly release: () => void }
}

/**
 * A real SMTP peer on loopback (smtp-server): AUTH PLAIN with fixed credentials, no STARTTLS (a
 * loopback test has no certificate), closed when the scope ends.
 */
export const loopbackSmtp = Effect.acquireRelease(
  Effect.async<{ server: SMTPServer; smtp: LoopbackSmtp }>((resume) => {
    const received: Array<Buffer> = []
    const refusals: Array<{ code: number; text: string }> = []
    const holds: Array<{ arrived: () => void; released: Promise<void> }> = []
    const closed = new Set<string>()
    const server = new SMTPServer({
      disabledCommands: ["STARTTLS"],
      allowInsecureAuth: true,
      logger: false,
      onAuth: (auth, _session, callback) =>
        auth.username === "mailer" && auth.password === "s3cret"
          ? callback(null, { user: "mailer" })
          : callback(Object.assign(new Error("bad credentials"), { responseCode: 535 })),
      onRcptTo: (_address, _session, callback) => {
        const refusal = refusals.shift()
        if (refusal === undefined) return callback()
        callback(Object.assign(new Error(refusal.text), { responseCode: refusal.code }))
      },
      onClose: (session) => void closed.add(session.id),
      onData: (stream, session, callback) => {
        const chunks: Array<Buffer> = []
        const hold = holds.shift()
        stream.on("data", (c: Buffer) => chunks.push(c))
        stream.on("end", async () => {
          if (hold !== undefined) {
            hold.arrived()
            await hold.released
          }
          if (closed.has(session.id)) return
          received.push(Buffer.concat(chunks))
          callback()
        })
      },
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.server.address() as AddressInfo
      resume(
        Effect.succeed({
          server,
          smtp: {
            url: `smtp://mailer:s3cret@127.0.0.1:${port}`,
            received,
            refuseNext: (count, code, text) => {
              for (let i = 0; i < count; i++) refusals.push({ code, text })
            },
            holdNext: () => {
              let arrived!: () => void
              let release!: () => void
              const arrival = new Promise<void>((done) => (arrived = done))
              const released = new Promise<void>((done) => (release = done))
              holds.push({ arrived, released })
              return { arrived: arrival, release }
            },
          },
        }),
      )
    })
  }),
  ({ server }) => Effect.promise(() => new Promise<void>((done) => server.close(() => done()))),
).pipe(Effect.map(({ smtp }) => smtp))
