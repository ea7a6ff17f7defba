import { Errors, Flags } from "@oclif/core"
import { CreateUser, Identity, User } from "@sratix/core"
import { Effect, Schema } from "effect"
import { BaseCommand } from "../../BaseCommand.js"
import { ExitCode, formatParseError } from "../../Failures.js"
import { obtainPassword } from "../../Password.js"

export interface AdminCreateResult {
  readonly user: typeof User.Encoded
}

export default class AdminCreate extends BaseCommand<typeof AdminCreate> {
  static override summary = "Create a platform administrator (super_admin)."
  static override description =
    "Creates a user and grants super_admin at platform scope. The password is read from " +
    "--password, else prompted for twice (hidden) when stdin is a terminal, else taken from " +
    "SRATIX_ADMIN_PASSWORD. Prefer the prompt or the variable: a --password value stays in the shell history. " +
    "The password is never printed."
  static override examples = [
    "<%= config.bin %> <%= command.id %> --email ops@example.org --name 'Ops Team'",
    "SRATIX_ADMIN_PASSWORD=$(cat /run/secrets/admin) <%= config.bin %> <%= command.id %> --email ops@example.org --name 'Ops Team' --json",
  ]
  static override flags = {
    email: Flags.string({ description: "Login email (stored lower-case)", required: true }),
    name: Flags.string({ description: "Display name", required: true }),
    password: Flags.string({ description: "Password, 12+ characters (see the description for safer ways)" }),
  }

  async run(): Promise<AdminCreateResult> {
    const password = await obtainPassword(this.flags.password)
    const input = Schema.decodeUnknownEither(CreateUser)({
      email: this.flags.email,
      name: this.flags.name,
      password,
    })
    if (input._tag === "Left") {
      throw new Errors.CLIError(
        formatParseError(input.left, { email: "--email", name: "--name", password: "password" }),
        { exit: ExitCode.invalidInput },
      )
    }
    const user = await this.withCore(
      Effect.gen(function* () {
        const identity = yield* Identity
        return yield* identity.createAdmin(input.right)
      }),
      { hints: { Conflict: "use another --email, or sign in with the existing account" } },
    )
    this.log(`Created super admin ${user.email} (${user.id}).`)
    return { user: Schema.encodeSync(User)(user) }
  }
}
