import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { problemFields } from "./Problems.js"

export const WalletProvider = Schema.Literal("apple", "google")
export type WalletProvider = typeof WalletProvider.Type

/** The server has no certificates or keys for this wallet: passes are off, everything else works. */
export class WalletNotConfigured extends Schema.TaggedError<WalletNotConfigured>()(
  "WalletNotConfigured",
  { ...problemFields("wallet-not-configured", 503, "Wallet passes not configured"), provider: WalletProvider },
  HttpApiSchema.annotations<WalletNotConfigured>({ status: 503 }),
) {}

/** Where and how an event's passes show: coordinates make the pass appear on the lock screen nearby. */
export const WalletPassSettings = Schema.Struct({
  latitude: Schema.NullOr(Schema.Number.pipe(Schema.between(-90, 90))),
  longitude: Schema.NullOr(Schema.Number.pipe(Schema.between(-180, 180))),
  backgroundColor: Schema.NullOr(Schema.String.pipe(Schema.pattern(/^#[0-9a-fA-F]{6}$/))),
  foregroundColor: Schema.NullOr(Schema.String.pipe(Schema.pattern(/^#[0-9a-fA-F]{6}$/))),
}).annotations({ identifier: "WalletPassSettings" })
export type WalletPassSettings = typeof WalletPassSettings.Type
