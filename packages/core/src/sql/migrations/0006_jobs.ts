import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { DatabaseInfo } from "../Database.js"
import { columnTypes, tableOptions } from "../Ddl.js"

export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const { dialect } = yield* DatabaseInfo
  const t = columnTypes(dialect)
  // Steps of background jobs that are done: a job run again (retry, crashed worker, duplicate
  // delivery) finds its key here and skips the step. Written in the step's own transaction.
  yield* sql.unsafe(`CREATE TABLE job_runs (
    run_key ${t.exact(200)} PRIMARY KEY,
    job_type ${t.text(64)} NOT NULL,
    created_at ${t.bigint} NOT NULL,
    updated_at ${t.bigint} NOT NULL
  )${tableOptions(dialect)}`)
  yield* sql.unsafe(`CREATE INDEX job_runs_created ON job_runs (created_at)`)
})
