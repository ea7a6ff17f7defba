import { describe, expect, it } from "vitest"
import {
  ehloExtensions,
  encodeCommand,
  parseResp,
  parseSmtpReply,
  RespError,
  redisVersion,
} from "../../src/doctor/Probes.js"

describe("RESP", () => {
  it("encodes commands as arrays of bulk strings, measuring bytes", () => {
    expect(encodeCommand(["PING"])).toBe("*1\r\n$4\r\nPING\r\n")
    expect(encodeCommand(["AUTH", "pässword"])).toBe("*2\r\n$4\r\nAUTH\r\n$9\r\npässword\r\n")
  })

  it("parses every reply type and keeps what follows", () => {
    expect(parseResp("+PONG\r\n+OK\r\n")).toEqual({ value: "PONG", rest: "+OK\r\n" })
    expect(parseResp("-NOAUTH Authentication required.\r\n")?.value).toEqual(
      new RespError("NOAUTH Authentication required."),
    )
    expect(parseResp(":42\r\n")?.value).toBe(42)
    expect(parseResp("$5\r\nhello\r\n")).toEqual({ value: "hello", rest: "" })
    expect(parseResp("$-1\r\n")?.value).toBeNull()
    expect(parseResp("*2\r\n$1\r\na\r\n:1\r\n")?.value).toEqual(["a", 1])
    expect(parseResp("$6\r\na\r\nb\r\n\r\n")?.value).toBe("a\r\nb\r\n")
  })

  it("waits for incomplete replies", () => {
    for (const partial of ["", "+PON", "$5\r\nhel", "$5\r\nhello", "*2\r\n$1\r\na\r\n"]) {
      expect(parseResp(partial)).toBeUndefined()
    }
  })

  it("rejects what is not RESP (e.g. an HTTP proxy answering)", () => {
    expect(() => parseResp("HTTP/1.1 400 Bad Request\r\n")).toThrow(/not a Redis reply/)
  })

  it("finds the server version in INFO", () => {
    expect(redisVersion("# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\n")).toBe("7.2.4")
    expect(redisVersion(new RespError("ERR"))).toBeUndefined()
  })
})

describe("SMTP replies", () => {
  it("parses single and multi-line replies", () => {
    expect(parseSmtpReply("220 mail.example ESMTP\r\n")).toEqual({
      value: { code: 220, lines: ["mail.example ESMTP"] },
      rest: "",
    })
    const ehlo = parseSmtpReply("250-mail.example\r\n250-STARTTLS\r\n250-auth plain login\r\n250 SIZE 1000\r\nrest")
    expect(ehlo?.value.code).toBe(250)
    expect(ehlo?.rest).toBe("rest")
    expect(ehloExtensions(ehlo!.value)).toEqual(["STARTTLS", "AUTH PLAIN LOGIN", "SIZE 1000"])
  })

  it("waits for the last line of a reply", () => {
    expect(parseSmtpReply("250-mail.example\r\n250-STARTTLS\r\n")).toBeUndefined()
    expect(parseSmtpReply("220 mail")).toBeUndefined()
  })

  it("accepts bare LF line ends and rejects non-SMTP", () => {
    expect(parseSmtpReply("220 hi\n")?.value.code).toBe(220)
    expect(() => parseSmtpReply("SSH-2.0-OpenSSH_9.2\r\n")).toThrow(/not an SMTP reply/)
  })
})
