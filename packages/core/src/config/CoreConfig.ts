import { Context, Layer } from "effect"

export interface CoreConfigShape {
  /** How long seats stay held for an unpaid order. */
  readonly holdMinutes: number
  /**
   * Capacity rows per ticket type. One row serialises every sale of a type; several rows let
   * concurrent buyers decrement different rows (see docs/invariants.md).
   */
  readonly inventoryBuckets: number
  /** Server secret for tokens derived from ids (order access tokens). */
  readonly secret: Uint8Array
  /** Key for hashing IP addresses in the audit log, so the same IP maps to the same hash. */
  readonly ipHashKey: Uint8Array
}

export class CoreConfig extends Context.Tag("sratix/config/CoreConfig")<CoreConfig, CoreConfigShape>() {
  static readonly layer = (config: Partial<CoreConfigShape> & Pick<CoreConfigShape, "secret">) =>
    Layer.succeed(CoreConfig, {
      holdMinutes: 15,
      inventoryBuckets: 1,
      ipHashKey: config.secret,
      ...config,
    })
}
