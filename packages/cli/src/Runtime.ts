import { Caller, CoreServices, Database, type Environment, environmentLayer } from "@sratix/core"
import { Layer } from "effect"

/** The database alone: for commands that manage the schema itself (`migrate up`, `migrate status`). */
export const databaseLayer = (environment: Environment) =>
  Database.layer({ url: environment.databaseUrl, maxConnections: 2 })

export type DatabaseServices = Layer.Layer.Success<ReturnType<typeof databaseLayer>>

/**
 * Every core service on the configured database, acting as the system caller `cli`: the CLI is
 * an operator's tool with direct database access, and the audit log records it as `system:cli`.
 */
export const coreLayer = (environment: Environment, secret: Uint8Array) =>
  CoreServices.pipe(
    Layer.provideMerge(Layer.mergeAll(environmentLayer(environment, secret), Caller.layerSystem("cli"))),
  )

export type CliServices = Layer.Layer.Success<ReturnType<typeof coreLayer>>
