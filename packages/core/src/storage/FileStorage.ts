import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Context, Effect, Layer } from "effect"
import { NotFound } from "../domain/Problems.js"

export interface FileStorageShape {
  /** Stores bytes under a key made by `newStorageKey`; replaces nothing that is not its own. */
  readonly put: (key: string, bytes: Uint8Array) => Effect.Effect<void>
  readonly get: (key: string) => Effect.Effect<Uint8Array, NotFound>
  readonly remove: (key: string) => Effect.Effect<void>
}

const KEY = /^[a-f0-9]{64}$/

/** Random, unguessable and path-safe: the only kind of key storage accepts. */
export const newStorageKey = () => Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(32))).toString("hex")

/**
 * Where uploaded files live. Files are opaque blobs under random keys with no extension, written
 * with owner-only permissions and never served from a public path: nothing can execute or guess them.
 */
export class FileStorage extends Context.Tag("sratix/storage/FileStorage")<FileStorage, FileStorageShape>() {
  /** A local folder (the embedded default); S3-compatible storage implements the same shape. */
  static readonly local = (root: string) =>
    Layer.sync(FileStorage, () => {
      const locate = (key: string) => {
        if (!KEY.test(key)) throw new Error(`invalid storage key`)
        return path.join(root, key.slice(0, 2), key)
      }
      return {
        put: (key, bytes) =>
          Effect.promise(async () => {
            const file = locate(key)
            await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
            // Write then rename: a reader never sees half a file.
            const partial = `${file}.partial`
            await fs.writeFile(partial, bytes, { mode: 0o600 })
            await fs.rename(partial, file)
          }),
        get: (key) =>
          Effect.tryPromise({
            try: () => fs.readFile(locate(key)).then((b) => new Uint8Array(b)),
            catch: () => new NotFound({ detail: "No such file", resource: "file" }),
          }),
        remove: (key) => Effect.promise(() => fs.rm(locate(key), { force: true })),
      }
    })
}
