import * as net from "node:net"
import { parseResp, type RespValue } from "../../src/doctor/Probes.js"

export interface FakeServer {
  readonly port: number
  readonly received: Array<string>
  readonly close: () => Promise<void>
}

const listen = (handle: (socket: net.Socket, received: Array<string>) => void): Promise<FakeServer> =>
  new Promise((resolve) => {
    const received: Array<string> = []
    const sockets = new Set<net.Socket>()
    const server = net.createServer((socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
      socket.on("error", () => {})
      handle(socket, received)
    })
    server.listen({ port: 0, host: "127.0.0.1" }, () => {
      const { port } = server.address() as net.AddressInfo
      resolve({
        port,
        received,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy()
            server.close(() => done())
          }),
      })
    })
  })

/** Speaks enough RESP for `doctor`: AUTH, PING, INFO server, QUIT. */
export const fakeRedis = (options: { password?: string; version?: string } = {}) =>
  listen((socket, received) => {
    let buffer = ""
    let authenticated = options.password === undefined
    socket.setEncoding("latin1")
    socket.on("data", (chunk: string) => {
      buffer += chunk
      for (;;) {
        const parsed = parseResp(buffer)
        if (parsed === undefined) return
        buffer = parsed.rest
        const [command = "", ...args] = (parsed.value as ReadonlyArray<RespValue>).map(String)
        received.push(command.toUpperCase())
        switch (command.toUpperCase()) {
          case "AUTH":
            authenticated = args[args.length - 1] === options.password
            socket.write(authenticated ? "+OK\r\n" : "-WRONGPASS invalid username-password pair\r\n")
            break
          case "PING":
            socket.write(authenticated ? "+PONG\r\n" : "-NOAUTH Authentication required.\r\n")
            break
          case "INFO": {
            const info = `# Server\r\nredis_version:${options.version ?? "7.2.4"}\r\nredis_mode:standalone\r\n`
            socket.write(`$${Buffer.byteLength(info)}\r\n${info}\r\n`)
            break
          }
          case "QUIT":
            socket.end("+OK\r\n")
            break
          default:
            socket.write(`-ERR unknown command '${command}'\r\n`)
        }
      }
    })
  })

/** Greets, answers EHLO with the given extensions, and says goodbye. */
export const fakeSmtp = (options: { greeting?: string; extensions?: ReadonlyArray<string> } = {}) =>
  listen((socket, received) => {
    const extensions = options.extensions ?? ["PIPELINING", "STARTTLS", "AUTH PLAIN LOGIN"]
    socket.write(options.greeting ?? "220-fake.example ESMTP\r\n220 ready\r\n")
    let buffer = ""
    socket.setEncoding("latin1")
    socket.on("data", (chunk: string) => {
      buffer += chunk
      let end = buffer.indexOf("\r\n")
      while (end >= 0) {
        const line = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        received.push(line)
        if (/^EHLO /i.test(line)) {
          const lines = ["fake.example greets you", ...extensions]
          socket.write(lines.map((l, i) => `250${i === lines.length - 1 ? " " : "-"}${l}\r\n`).join(""))
        } else if (/^QUIT/i.test(line)) socket.end("221 bye\r\n")
        else socket.write("502 5.5.2 command not recognised\r\n")
        end = buffer.indexOf("\r\n")
      }
    })
  })
