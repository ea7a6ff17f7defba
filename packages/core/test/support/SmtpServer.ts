import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import { SMTPServer } from "smtp-server"

export interface LoopbackSmtp {
  readonly url: string
  /** Raw RFC 5322 messages as received, in order. */
  readonly received: Array<Buffer>
  /** The next `count` recipients are refused with this reply (e.g. 451 then a retry succeeds). */
  readonly refuseNext: (count: number, code: number, text: string) => void
}

/**
 * A real SMTP peer on loopback (smtp-server): AUTH PLAIN with fixed credentials, no STARTTLS (a
 * loopback test has no certificate), closed when the scope ends.
 */
export const loopbackSmtp = Effect.acquireRelease(
  Effect.async<{ server: SMTPServer; smtp: LoopbackSmtp }>((resume) => {
    const received: Array<Buffer> = []
    const refusals: Array<{ code: number; text: string }> = []
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
      onData: (stream, _session, callback) => {
        const chunks: Array<Buffer> = []
        stream.on("data", (c: Buffer) => chunks.push(c))
        stream.on("end", () => {
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
          },
        }),
      )
    })
  }),
  ({ server }) => Effect.promise(() => new Promise<void>((done) => server.close(() => done()))),
).pipe(Effect.map(({ smtp }) => smtp))
