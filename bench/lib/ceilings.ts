/**
 * Database ceilings measured beside the HTTP rush, on the same database:
 * (a) a transaction that decrements one capacity row and inserts one order row;
 * (b) a single-row conditional decrement, autocommit.
 * Both use the raw drivers the server's @effect/sql clients wrap (mysql2 prepared statements,
 * better-sqlite3), so the gap to the HTTP figures is what the server adds.
 */
import type Database from "better-sqlite3"
import type { Pool, ResultSetHeader } from "mysql2/promise"
import { hammer, hammerSync, type LoadResult } from "./load.js"

const HUGE = 1_000_000_000

let serial = 0
/** Time-ordered ids like the server's UUIDv7 keys (so inserts append to the primary key). */
const orderId = () => {
  const n = (++serial).toString(16).padStart(12, "0")
  return `${Date.now().toString(16).padStart(12, "0")}-7000-8000-${n}`.padEnd(36, "0")
}

const orderRow = (i: number) => [orderId(), 1, `buyer${i}@example.com`, `Buyer ${i}`, 7900, Date.now()]

export const mysqlSetup = async (pool: Pool, rows: number) => {
  await pool.query("DROP TABLE IF EXISTS bench_orders")
  await pool.query("DROP TABLE IF EXISTS bench_capacity")
  await pool.query(
    "CREATE TABLE bench_capacity (id INT PRIMARY KEY, remaining INT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
  )
  await pool.query(`CREATE TABLE bench_orders (id CHAR(36) PRIMARY KEY, capacity_id INT NOT NULL,
    buyer_email VARCHAR(254) NOT NULL, buyer_name VARCHAR(200) NOT NULL, total_minor BIGINT NOT NULL,
    created_at BIGINT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`)
  const values = Array.from({ length: rows }, (_, i) => `(${i + 1}, ${HUGE})`).join(", ")
  await pool.query(`INSERT INTO bench_capacity (id, remaining) VALUES ${values}`)
}

/** (a) on MariaDB: BEGIN; UPDATE … WHERE remaining > 0; INSERT order; COMMIT — over `rows` capacity rows. */
export const mysqlTransactions = async (
  pool: Pool,
  options: { concurrency: number; total: number; maxMs: number; rows: number },
): Promise<LoadResult> => {
  await mysqlSetup(pool, options.rows)
  return hammer({
    ...options,
    isSuccess: (o) => o === 1,
    op: async (i) => {
      const conn = await pool.getConnection()
      try {
        await conn.query("START TRANSACTION")
        const row = options.rows === 1 ? 1 : 1 + Math.floor(Math.random() * options.rows)
        const [result] = await conn.execute<ResultSetHeader>(
          "UPDATE bench_capacity SET remaining = remaining - 1 WHERE id = ? AND remaining > 0",
          [row],
        )
        if (result.affectedRows !== 1) {
          await conn.query("ROLLBACK")
          return 0
        }
        await conn.execute(
          "INSERT INTO bench_orders (id, capacity_id, buyer_email, buyer_name, total_minor, created_at) VALUES (?, ?, ?, ?, ?, ?)",
          orderRow(i),
        )
        await conn.query("COMMIT")
        return 1
      } catch (e) {
        await conn.query("ROLLBACK").catch(() => undefined)
        throw e
      } finally {
        conn.release()
      }
    },
  })
}

/** (b) on MariaDB: one autocommit `UPDATE … SET remaining = remaining - 1 WHERE remaining > 0`. */
export const mysqlUpdates = async (
  pool: Pool,
  options: { concurrency: number; total: number; maxMs: number },
): Promise<LoadResult> => {
  await mysqlSetup(pool, 1)
  return hammer({
    ...options,
    isSuccess: (o) => o === 1,
    op: async () => {
      const [result] = await pool.execute<ResultSetHeader>(
        "UPDATE bench_capacity SET remaining = remaining - 1 WHERE id = ? AND remaining > 0",
        [1],
      )
      return result.affectedRows
    },
  })
}

export const sqliteSetup = (db: Database.Database) => {
  db.exec("DROP TABLE IF EXISTS bench_orders; DROP TABLE IF EXISTS bench_capacity")
  db.exec("CREATE TABLE bench_capacity (id INTEGER PRIMARY KEY, remaining INTEGER NOT NULL)")
  db.exec(`CREATE TABLE bench_orders (id TEXT PRIMARY KEY, capacity_id INTEGER NOT NULL, buyer_email TEXT NOT NULL,
    buyer_name TEXT NOT NULL, total_minor INTEGER NOT NULL, created_at INTEGER NOT NULL)`)
  db.prepare("INSERT INTO bench_capacity (id, remaining) VALUES (1, ?)").run(HUGE)
}

/** (a) on SQLite: BEGIN IMMEDIATE; UPDATE; INSERT; COMMIT on one connection (SQLite has one writer). */
export const sqliteTransactions = (db: Database.Database, options: { total: number; maxMs: number }): LoadResult => {
  sqliteSetup(db)
  const take = db.prepare("UPDATE bench_capacity SET remaining = remaining - 1 WHERE id = ? AND remaining > 0")
  const insert = db.prepare(
    "INSERT INTO bench_orders (id, capacity_id, buyer_email, buyer_name, total_minor, created_at) VALUES (?, ?, ?, ?, ?, ?)",
  )
  const transaction = db.transaction((i: number) => {
    if (take.run(1).changes !== 1) return 0
    insert.run(...orderRow(i))
    return 1
  })
  return hammerSync({ ...options, op: (i) => transaction.immediate(i) })
}

/** (b) on SQLite: one autocommit conditional decrement. */
export const sqliteUpdates = (db: Database.Database, options: { total: number; maxMs: number }): LoadResult => {
  sqliteSetup(db)
  const take = db.prepare("UPDATE bench_capacity SET remaining = remaining - 1 WHERE id = ? AND remaining > 0")
  return hammerSync({ ...options, op: () => take.run(1).changes })
}

/**
 * (s) The server's own statement sequence for one order, replayed with raw mysql2 and no
 * framework: what the database allows for exactly the SQL `Orders.place` sends. With
 * `decrementLast`, the capacity UPDATE moves to just before COMMIT (inserts first), so the hot row
 * is locked for one round trip instead of five.
 */
export const mysqlServerSequence = async (
  pool: Pool,
  target: { eventId: string; ticketTypeId: string },
  options: { concurrency: number; total: number; maxMs: number; decrementLast: boolean },
): Promise<LoadResult> => {
  await pool.query("UPDATE inventory_buckets SET remaining = ? WHERE ticket_type_id = ?", [HUGE, target.ticketTypeId])
  const [events] = await pool.query("SELECT org_id FROM events WHERE id = ?", [target.eventId])
  const orgId = (events as Array<{ org_id: string }>)[0]!.org_id
  const { eventId, ticketTypeId } = target
  const scope = "(org_id IN (?) OR event_id IN (?))"
  return hammer({
    ...options,
    isSuccess: (o) => o === 1,
    op: async (i) => {
      const now = Date.now()
      const id = orderId()
      const stamps = [orgId, eventId, now, now]
      await pool.execute("SELECT * FROM events WHERE id = ? AND status = 'published'", [eventId])
      await pool.execute(
        `SELECT t.*, COALESCE((SELECT SUM(b.remaining) FROM inventory_buckets b WHERE b.ticket_type_id = t.id), 0)
          AS available FROM ticket_types t WHERE t.event_id = ? AND (t.org_id IN (?) OR t.event_id IN (?))
          ORDER BY t.sort_order, t.id`,
        [eventId, orgId, eventId],
      )
      const conn = await pool.getConnection()
      try {
        await conn.query("START TRANSACTION")
        const [candidates] = await conn.execute(
          "SELECT bucket FROM inventory_buckets WHERE ticket_type_id = ? AND remaining >= ?",
          [ticketTypeId, 1],
        )
        const pick = (candidates as Array<{ bucket: number }>)[0]?.bucket ?? 0
        const decrement = async () => {
          const [result] = await conn.execute<ResultSetHeader>(
            `UPDATE inventory_buckets SET remaining = remaining - ?, updated_at = ?
              WHERE ticket_type_id = ? AND bucket = ? AND remaining >= ?`,
            [1, now, ticketTypeId, pick, 1],
          )
          return result.affectedRows === 1
        }
        if (!options.decrementLast && !(await decrement())) throw new Error("sold out")
        await conn.execute(
          `INSERT INTO orders (id, org_id, event_id, created_at, updated_at, status, currency, buyer_email, buyer_name,
            locale, promo_code_id, subtotal_minor, discount_minor, total_minor, vat_minor, vat_breakdown, expires_at,
            paid_at, cancelled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            id,
            ...stamps,
            "pending_payment",
            "CHF",
            `buyer${i}@example.com`,
            `Buyer ${i}`,
            "en",
            null,
            7900,
            0,
            7900,
            592,
            JSON.stringify([{ rateBp: 810, vatMinor: 592 }]),
            now + 900_000,
            null,
            null,
          ],
        )
        await conn.execute(
          `INSERT INTO order_items (id, org_id, event_id, created_at, updated_at, order_id, ticket_type_id, quantity,
            unit_price_minor, discount_minor, total_minor, vat_rate_bp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [orderId(), ...stamps, id, ticketTypeId, 1, 7900, 0, 7900, 810],
        )
        await conn.execute(
          `INSERT INTO holds (id, org_id, event_id, created_at, updated_at, order_id, ticket_type_id, bucket, quantity,
            state, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [orderId(), ...stamps, id, ticketTypeId, pick, 1, "active", now + 900_000],
        )
        await conn.execute(
          `INSERT INTO audit_log (id, org_id, event_id, actor_type, actor_id, action, target_type, target_id, ip_hash,
            user_agent, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            orderId(),
            orgId,
            eventId,
            "anonymous",
            null,
            "order.placed",
            "order",
            id,
            null,
            null,
            '{"tickets":1}',
            now,
            now,
          ],
        )
        if (options.decrementLast && !(await decrement())) throw new Error("sold out")
        await conn.query("COMMIT")
      } catch (e) {
        await conn.query("ROLLBACK").catch(() => undefined)
        throw e
      } finally {
        conn.release()
      }
      await pool.execute(`SELECT * FROM orders WHERE id = ? AND ${scope}`, [id, orgId, eventId])
      await pool.execute(
        `SELECT order_id, ticket_type_id, quantity, unit_price_minor, discount_minor, total_minor, vat_rate_bp
          FROM order_items WHERE order_id IN (?) ORDER BY id`,
        [id],
      )
      return 1
    },
  })
}
