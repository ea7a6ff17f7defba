import { randomUUID } from "node:crypto"
import { Effect, Layer, ManagedRuntime, Schedule } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BullmqQueueLive, DeliverWebhook, JobQueue, PermanentJobFailure } from "../../core/src/index.js"
import { assertBuilt, expectOneLineError, run, runJson, tempDir } from "./support/Cli.js"

const redisUrl = process.env.SRATIX_TEST_REDIS_URL

describe.runIf(redisUrl)("sratix jobs dead and retry, on the test suite's real Redis", () => {
  let env: Record<string, string>
  const runtime = ManagedRuntime.make(BullmqQueueLive({ url: redisUrl ?? "" }).pipe(Layer.orDie))
  const jobId = `cli-dead-${randomUUID()}`

  beforeAll(async () => {
    assertBuilt()
    env = {
      SRATIX_DATA_DIR: tempDir(),
      SRATIX_SECRET: "cli-test-secret-0123456789abcdef-0123456789",
      REDIS_URL: redisUrl!,
    }
    // A delivery that fails for good on its first run lands in the dead-letter list at once.
    await runtime.runPromise(
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue(DeliverWebhook, { outboxId: jobId, generation: 1 }, { id: jobId })
        yield* Effect.scoped(
          Effect.gen(function* () {
            yield* queue.work(DeliverWebhook, (payload) =>
              payload.outboxId === jobId
                ? Effect.fail(new PermanentJobFailure({ message: "the site answered 410 Gone" }))
                : Effect.void,
            )
            yield* queue
              .status(DeliverWebhook, jobId)
              .pipe(
                Effect.repeat({ until: (job) => job?.state === "dead", schedule: Schedule.spaced("100 millis") }),
                Effect.timeout("30 seconds"),
                Effect.orDie,
              )
          }),
        )
      }),
    )
  }, 120_000)
  afterAll(() => runtime.dispose())

  it("lists the dead job with its error, retries it once, and refuses what is not dead", async () => {
    const dead = await runJson<{
      deadLetters: Array<{ id: string; type: string; error: string; attemptsMade: number }>
    }>(["jobs", "dead", "--type", "webhooks.deliver"], env)
    expect(dead.code).toBe(0)
    expect(dead.json.deadLetters.find((d) => d.id === jobId)).toMatchObject({
      type: "webhooks.deliver",
      attemptsMade: 1,
      error: expect.stringContaining("410 Gone"),
    })
    const human = await run(["jobs", "dead"], env)
    expect(human.stdout).toContain(jobId)

    const retried = await runJson(["jobs", "retry", "--type", "webhooks.deliver", "--id", jobId], env)
    expect(retried.json).toEqual({ type: "webhooks.deliver", id: jobId, retried: true })
    const after = await runJson<{ deadLetters: Array<{ id: string }> }>(
      ["jobs", "dead", "--type", "webhooks.deliver"],
      env,
    )
    expect(after.json.deadLetters.map((d) => d.id)).not.toContain(jobId)
    expect((await runtime.runPromise(Effect.flatMap(JobQueue, (q) => q.status(DeliverWebhook, jobId))))?.state).toBe(
      "waiting",
    )

    const again = await run(["jobs", "retry", "--type", "webhooks.deliver", "--id", jobId], env)
    expect(again.code).toBe(4)
    expect(expectOneLineError(again)).toMatch(/No dead webhooks.deliver job/)
    expect((await run(["jobs", "retry", "--type", "no.such", "--id", jobId], env)).code).toBe(2)
  }, 120_000)

  it("says why without Redis: the in-process queue lives inside the server", async () => {
    const { REDIS_URL: _, ...withoutRedis } = env
    const result = await run(["jobs", "dead"], withoutRedis)
    expect(result.code).toBe(3)
    expect(expectOneLineError(result)).toMatch(/set REDIS_URL/)
  })
})
