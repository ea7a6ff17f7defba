import createClient, { type Client, type Middleware } from "openapi-fetch"
import { unwrap } from "./Problem.js"
import type { components, paths } from "./schema.js"

type TokenPair = components["schemas"]["TokenPair"]

export interface SratixClientOptions {
  /** Server origin, e.g. `https://tickets.example.org`; paths carry the `/api/v1` prefix. */
  readonly baseUrl: string
  /** A signed-in user's access token (JWT). */
  readonly accessToken?: string | undefined
  /** With it, a 401 triggers one refresh and one retry instead of failing. */
  readonly refreshToken?: string | undefined
  /** An API key (`sk_…`), for scripts. Used when there is no access token; never refreshed. */
  readonly apiKey?: string | undefined
  /** Called whenever the tokens change: after login or refresh, and with `null` after logout or a refused refresh. */
  readonly onTokens?: ((tokens: TokenPair | null) => void) | undefined
  /** Defaults to the global fetch. */
  readonly fetch?: ((request: Request) => Promise<Response>) | undefined
}

export interface SratixClient extends Client<paths> {
  /** Password login; keeps the returned tokens for later calls. Throws SratixProblem on failure. */
  login(email: string, password: string): Promise<TokenPair>
  /** Revokes the refresh token on the server (best effort) and forgets both tokens. */
  logout(): Promise<void>
  /** Rotates the tokens now. Concurrent callers share one request. Resolves false if refused. */
  refresh(): Promise<boolean>
  /** The tokens in use, or null when signed out. */
  tokens(): { readonly accessToken: string | undefined; readonly refreshToken: string | undefined }
  /** Replaces the tokens (e.g. restored from storage), or signs out locally with `null`. */
  setTokens(tokens: TokenPair | null): void
}

/** Endpoints that take credentials in their body: never given a bearer token, never retried after refresh. */
const CREDENTIAL_PATHS: ReadonlySet<string> = new Set([
  "/api/v1/auth/login",
  "/api/v1/auth/refresh",
  "/api/v1/auth/logout",
])

/**
 * A typed client for the SRAtix API: the openapi-fetch client for `paths` (call `client.GET(...)` etc.
 * with full types) plus token handling. Requests get `Authorization: Bearer <access token or API key>`.
 * When a request fails with 401 and a refresh token is known, the client refreshes once (concurrent
 * 401s wait for the same refresh) and replays the request once with the new access token.
 * Middleware you add with `client.use` runs after the token middleware.
 */
export const createSratixClient = (options: SratixClientOptions): SratixClient => {
  const fetchImpl = options.fetch ?? ((request: Request) => globalThis.fetch(request))
  const client = createClient<paths>({ baseUrl: options.baseUrl, fetch: fetchImpl })
  let accessToken = options.accessToken
  let refreshToken = options.refreshToken
  const apiKey = options.apiKey

  const setTokens = (tokens: TokenPair | null) => {
    accessToken = tokens?.accessToken
    refreshToken = tokens?.refreshToken
    options.onTokens?.(tokens)
  }

  let refreshing: Promise<boolean> | undefined
  const refreshNow = async (): Promise<boolean> => {
    if (refreshToken === undefined) return false
    try {
      const { data, response } = await client.POST("/api/v1/auth/refresh", { body: { refreshToken } })
      if (data !== undefined) {
        setTokens(data)
        return true
      }
      // The server refused the refresh token (expired, revoked or reused): the session is over.
      if (response.status === 401) setTokens(null)
      return false
    } catch {
      return false
    }
  }
  const refresh = (): Promise<boolean> => {
    refreshing ??= refreshNow().finally(() => {
      refreshing = undefined
    })
    return refreshing
  }

  /** A copy of each request that may be replayed after a refresh, by openapi-fetch request id. */
  const replayable = new Map<string, { readonly request: Request; readonly sentWith: string | undefined }>()

  const tokenMiddleware: Middleware = {
    onRequest({ request, schemaPath, id }) {
      if (CREDENTIAL_PATHS.has(schemaPath) || request.headers.has("authorization")) return undefined
      const credential = accessToken ?? apiKey
      if (credential !== undefined) request.headers.set("authorization", `Bearer ${credential}`)
      if (refreshToken !== undefined && (accessToken !== undefined || apiKey === undefined)) {
        replayable.set(id, { request: request.clone(), sentWith: accessToken })
      }
      return request
    },
    async onResponse({ response, id, options: merged }) {
      const replay = replayable.get(id)
      replayable.delete(id)
      if (replay === undefined || response.status !== 401) return undefined
      // Another request may already have refreshed since this one was sent: then just replay it.
      const renewed = accessToken !== undefined && accessToken !== replay.sentWith ? true : await refresh()
      if (!renewed || accessToken === undefined) return undefined
      await response.body?.cancel()
      replay.request.headers.set("authorization", `Bearer ${accessToken}`)
      return merged.fetch(replay.request)
    },
    onError({ id }) {
      replayable.delete(id)
    },
  }
  client.use(tokenMiddleware)

  const login = async (email: string, password: string): Promise<TokenPair> => {
    const tokens = await unwrap(client.POST("/api/v1/auth/login", { body: { email, password } }))
    setTokens(tokens)
    return tokens
  }

  const logout = async (): Promise<void> => {
    const token = refreshToken
    setTokens(null)
    if (token !== undefined) await client.POST("/api/v1/auth/logout", { body: { refreshToken: token } }).catch(() => {})
  }

  return Object.assign(client, {
    login,
    logout,
    refresh,
    tokens: () => ({ accessToken, refreshToken }),
    setTokens,
  })
}

/**
 * A fresh `Idempotency-Key` for one order attempt. Keep it for the retries of that attempt, so a
 * retried request returns the first order instead of placing a second one:
 * `params: { header: { "idempotency-key": key } }`. Needs a secure context in browsers.
 */
export const idempotencyKey = (): string => globalThis.crypto.randomUUID()
