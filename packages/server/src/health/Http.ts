import { HttpApiBuilder } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Database } from "@sratix/core"
import { Effect } from "effect"
import { API_VERSION, SratixApi } from "../Api.js"

export const HealthLive = HttpApiBuilder.group(SratixApi, "health", (handlers) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const info = yield* Database.DatabaseInfo
    return handlers.handle("health", () =>
      sql`SELECT 1 AS ok`.pipe(
        Effect.timeout("2 seconds"),
        Effect.match({
          onSuccess: () => ({
            status: "ok" as const,
            version: API_VERSION,
            database: { status: "ok" as const, engine: info.dialect },
          }),
          onFailure: () => ({
            status: "degraded" as const,
            version: API_VERSION,
            database: { status: "unreachable" as const, engine: info.dialect },
          }),
        }),
        Effect.flatMap((health) => (health.status === "ok" ? Effect.succeed(health) : Effect.fail(health))),
      ),
    )
  }),
)
