/**
 * The command and flag surface of `sratix`, as oclif loads it from the compiled commands: ids,
 * arguments and flags with the properties scripts depend on (not the help texts). The committed
 * `command-surface.json` is compared with it in `surface.test.ts`, so renaming or dropping a flag
 * is a reviewed change. Update with `npm run -w @sratix/cli surface:update`.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Config, toConfiguredId } from "@oclif/core"

export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
export const surfaceFile = path.join(packageRoot, "test", "command-surface.json")

export interface CommandSurface {
  readonly id: string
  readonly args: Record<string, { readonly required: boolean }>
  readonly flags: Record<
    string,
    {
      readonly type: "boolean" | "option"
      readonly char?: string
      readonly required?: boolean
      readonly multiple?: boolean
      readonly options?: ReadonlyArray<string>
      readonly default?: unknown
    }
  >
}

const byName = <A>(record: Record<string, A>) =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)))

export const liveSurface = async (): Promise<ReadonlyArray<CommandSurface>> => {
  const config = await Config.load({ root: packageRoot, userPlugins: false })
  return config.commands
    .map((command) => ({
      id: toConfiguredId(command.id, config),
      args: byName(
        Object.fromEntries(
          Object.entries(command.args).map(([name, arg]) => [name, { required: arg.required ?? false }]),
        ),
      ),
      flags: byName(
        Object.fromEntries(
          Object.entries(command.flags).map(([name, flag]) => [
            name,
            {
              type: flag.type,
              ...(flag.char ? { char: flag.char } : {}),
              ...(flag.required ? { required: true } : {}),
              ...(flag.type === "option" && flag.multiple ? { multiple: true } : {}),
              ...(flag.type === "option" && flag.options ? { options: [...flag.options] } : {}),
              ...(flag.default !== undefined && typeof flag.default !== "function" ? { default: flag.default } : {}),
            },
          ]),
        ),
      ),
    }))
    .sort((a, b) => a.id.localeCompare(b.id))
}

export const serialise = (surface: ReadonlyArray<CommandSurface>) => `${JSON.stringify(surface, null, 2)}\n`

if (process.argv.includes("--write")) {
  fs.writeFileSync(surfaceFile, serialise(await liveSurface()))
  console.log(`wrote ${path.relative(process.cwd(), surfaceFile)}`)
}
