import { Errors } from "@oclif/core"
import { ConfigError, Conflict, CreateEvent, InvalidRequest, NotFound } from "@sratix/core"
import { Cause, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { describeCause, describeFailure, ExitCode, formatParseError, oneLine } from "../src/Failures.js"

describe("describeFailure", () => {
  it("maps domain problems to their exit codes, with the command's hint", () => {
    expect(
      describeFailure(new NotFound({ detail: "No such event", resource: "event" }), { hints: { NotFound: "try X" } }),
    ).toEqual({ message: "No such event: try X", code: "not-found", exit: ExitCode.notFound })
    expect(describeFailure(new Conflict({ detail: "Taken" }))).toEqual({
      message: "Taken",
      code: "conflict",
      exit: ExitCode.conflict,
    })
    expect(describeFailure(new InvalidRequest({ detail: "Bad" })).exit).toBe(ExitCode.invalidInput)
  })

  it("maps configuration errors to exit 3", () => {
    expect(describeFailure(new ConfigError("PORT must be an integer"))).toMatchObject({
      code: "configuration",
      exit: ExitCode.configuration,
      message: expect.stringContaining("PORT must be an integer"),
    })
  })

  it("keeps oclif's exit code and flattens its multi-line messages", () => {
    const parse = new Errors.CLIError(
      "The following errors occurred:\n  Missing required flag a\n  Missing required flag b\nSee more help with --help",
      { exit: 2 },
    )
    expect(describeFailure(parse)).toEqual({
      message:
        "The following errors occurred: Missing required flag a; Missing required flag b. See more help with --help",
      code: "invalid-input",
      exit: 2,
    })
  })

  it("tells an unreachable database from a failing statement, redacting the URL", () => {
    const refused = {
      _tag: "SqlError",
      message: "MysqlClient: Failed to connect",
      cause: Object.assign(new AggregateError([new Error("connect ECONNREFUSED 127.0.0.1:3306")], ""), {
        code: "ECONNREFUSED",
      }),
    }
    expect(describeFailure(refused, { databaseUrl: "mysql://u:pw@db:3306/x" })).toEqual({
      message:
        "Cannot use the database at mysql://u:***@db:3306/x (connect ECONNREFUSED 127.0.0.1:3306): check DATABASE_URL and that the database server is running",
      code: "configuration",
      exit: ExitCode.configuration,
    })
    const statement = {
      _tag: "SqlError",
      message: "Failed to execute statement",
      cause: Object.assign(new Error("Table 'x' doesn't exist"), { code: "ER_NO_SUCH_TABLE" }),
    }
    expect(describeFailure(statement)).toEqual({
      message: "Database error: Table 'x' doesn't exist",
      code: "failure",
      exit: ExitCode.failure,
    })
  })

  it("reads typed failures before defects in a cause", () => {
    const cause = Cause.sequential(Cause.fail(new Conflict({ detail: "first" })), Cause.die(new Error("later")))
    expect(describeCause(cause).message).toBe("first")
    expect(describeCause(Cause.die(new Error("boom\n  at x")))).toMatchObject({ message: "boom at x", exit: 1 })
    expect(describeCause(Cause.interrupt("fiber" as never)).exit).toBe(ExitCode.interrupted)
  })
})

describe("formatParseError", () => {
  it("names flags rather than domain fields", () => {
    const decode = Schema.decodeUnknownEither(CreateEvent)
    const backwards = decode({
      slug: "s",
      name: "n",
      startsAt: "2026-09-10T18:00:00Z",
      endsAt: "2026-09-10T09:00:00Z",
    })
    const flags = { startsAt: "--starts", endsAt: "--ends", slug: "--slug" }
    if (backwards._tag !== "Left") throw new Error("expected a failure")
    expect(formatParseError(backwards.left, flags)).toBe("--ends must be after --starts")
    const badSlug = decode({
      slug: "Not A Slug",
      name: "n",
      startsAt: "2026-09-10T09:00:00Z",
      endsAt: "2026-09-10T18:00:00Z",
    })
    if (badSlug._tag !== "Left") throw new Error("expected a failure")
    expect(formatParseError(badSlug.left, flags)).toBe("--slug: must be lowercase letters, digits and single hyphens")
  })
})

describe("oneLine", () => {
  it("joins lines and drops blank ones", () => {
    expect(oneLine("a\n\n  b\r\nc")).toBe("a b c")
    expect(oneLine("single")).toBe("single")
  })
})
