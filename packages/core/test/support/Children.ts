import { type ChildProcess, spawn } from "node:child_process"
import { Effect, type Layer, type Scope } from "effect"

/** For a child's entry: the environment variable the test sets, or a loud stop. */
export const requiredEnv = (name: string) => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is required`)
  return value
}

/**
 * For a child's entry: starts the workers `start` sets up, says `worker-ready` on stdout, then works
 * until it is killed (a test's SIGKILL is the point, so there is no graceful path to take).
 */
export const runWorkerChild = <E, R, LE>(start: Effect.Effect<void, E, R | Scope.Scope>, layer: Layer.Layer<R, LE>) =>
  Effect.runFork(
    Effect.gen(function* () {
      yield* start
      process.stdout.write("worker-ready\n")
      yield* Effect.never
    }).pipe(Effect.scoped, Effect.provide(layer)),
  )

/**
 * A TypeScript entry run as a process of its own (through tsx, as `sratix worker` runs), with
 * `env` over the test's environment; SIGKILLed when the scope closes if it still runs.
 */
export const spawnChild = (script: string, env: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn(process.execPath, ["--conditions", "source", "--import", "tsx", script], {
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "inherit"],
      }),
    ),
    (child) => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL")),
  )

/** Waits until the child has printed `line` on stdout (as a whole line). */
export const lineFrom = (child: ChildProcess, line: string, timeoutSeconds = 30) =>
  Effect.async<void>((resume) => {
    let buffered = ""
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8")
      if (buffered.split("\n").includes(line)) resume(Effect.void)
    })
  }).pipe(
    Effect.timeoutFail({
      duration: `${timeoutSeconds} seconds`,
      onTimeout: () => new Error(`no "${line}" from the child`),
    }),
  )

/** SIGKILL, as the OOM killer or a pulled plug would end it, and wait until it is gone. */
export const killHard = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
    child.kill("SIGKILL")
  })
