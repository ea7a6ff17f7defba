import { type ChildProcess, execFile, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import mysql from "mysql2/promise"

const run = promisify(execFile)
export const wpPluginsDir = fileURLToPath(new URL("../", import.meta.url))
const testDir = fileURLToPath(new URL("./", import.meta.url))

/** Debian's `wordpress` package (6.1): the tree a test site is copied from. */
export const WORDPRESS = "/usr/share/wordpress"

export interface WordPressSite {
  readonly url: string
  readonly dir: string
  readonly db: mysql.Pool
  readonly adminPassword: string
  /** Runs the site's PHP built-in server (again, after `stop`) on the same port. */
  readonly start: () => Promise<void>
  readonly stop: () => Promise<void>
  /** Installs WordPress, activates both plugins and configures them; returns install.php's JSON. */
  readonly install: (sratix: Record<string, string>) => Promise<Record<string, unknown>>
  readonly dispose: () => Promise<void>
}

const waitForHttp = async (url: string, timeoutMs = 15_000) => {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    try {
      await fetch(url, { redirect: "manual" })
      return
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  throw new Error(`${url} did not answer`)
}

/**
 * A real WordPress (STACK.md, "A real WordPress in a test"): Debian's package copied with its
 * symlinks resolved, our own wp-config.php reading the environment, both plugins symlinked in, a
 * fresh database on the test MariaDB, served by `php -S` on loopback through a router.
 */
export const createWordPress = async (mysqlUrl: string, port: number): Promise<WordPressSite> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-wp-"))
  await run("cp", ["-rL", `${WORDPRESS}/.`, dir])
  for (const file of ["wp-config.php", "router.php", "install.php"]) {
    fs.copyFileSync(path.join(testDir, file), path.join(dir, file))
  }
  for (const plugin of ["sratix-client", "sratix-control"]) {
    fs.symlinkSync(path.join(wpPluginsDir, plugin), path.join(dir, "wp-content", "plugins", plugin))
  }
  const parsed = new URL(mysqlUrl)
  const name = `wp_${randomBytes(5).toString("hex")}`
  const admin = await mysql.createConnection({
    host: parsed.hostname,
    port: Number(parsed.port),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  })
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  await admin.end()
  const db = mysql.createPool({
    host: parsed.hostname,
    port: Number(parsed.port),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: name,
    connectionLimit: 2,
  })
  const url = `http://127.0.0.1:${port}`
  const adminPassword = randomBytes(12).toString("base64url")
  const env = {
    ...process.env,
    WP_DB_NAME: name,
    WP_DB_USER: decodeURIComponent(parsed.username),
    WP_DB_PASSWORD: decodeURIComponent(parsed.password),
    WP_DB_HOST: `${parsed.hostname}:${parsed.port}`,
    WP_URL: url,
    WP_SALT: randomBytes(32).toString("hex"),
    WP_ADMIN_PASSWORD: adminPassword,
  }
  let server: ChildProcess | undefined
  const stop = async () => {
    const child = server
    server = undefined
    if (child === undefined || child.exitCode !== null) return
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
    child.kill("SIGTERM")
    await exited
  }
  return {
    url,
    dir,
    db,
    adminPassword,
    start: async () => {
      server = spawn("php", ["-S", `127.0.0.1:${port}`, "-t", dir, path.join(dir, "router.php")], {
        env,
        stdio: "ignore",
      })
      await waitForHttp(`${url}/wp-includes/images/blank.gif`)
    },
    stop,
    install: async (sratix) => {
      const { stdout } = await run("php", [path.join(dir, "install.php")], {
        env: { ...env, ...sratix },
        cwd: dir,
        maxBuffer: 10_000_000,
      })
      // WordPress 6.1 on PHP 8.2 prints deprecation notices before the JSON; the JSON is the last line.
      return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>
    },
    dispose: async () => {
      await stop()
      await db.query(`DROP DATABASE IF EXISTS ${name}`)
      await db.end()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Every PHP file of the plugins and this test folder, for `php -l`. */
export const phpFiles = (): ReadonlyArray<string> => {
  const out: Array<string> = []
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isSymbolicLink()) continue
      if (entry.isDirectory()) walk(full)
      else if (entry.name.endsWith(".php")) out.push(full)
    }
  }
  walk(wpPluginsDir)
  return out
}

/** A logged-in WordPress session over plain HTTP: the cookies wp-login.php sets. */
export const logIn = async (site: WordPressSite, user: string, password: string) => {
  const response = await fetch(`${site.url}/wp-login.php`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: "wordpress_test_cookie=WP%20Cookie%20check",
    },
    body: new URLSearchParams({ log: user, pwd: password, testcookie: "1", "wp-submit": "Log In" }).toString(),
  })
  const cookies = response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .filter((c) => !c.endsWith("=deleted"))
  if (response.status !== 302 || !cookies.some((c) => c.startsWith("wordpress_logged_in"))) {
    throw new Error(`login failed: ${response.status}`)
  }
  return cookies.join("; ")
}
