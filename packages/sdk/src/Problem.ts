/**
 * RFC 9457 problem details, as every SRAtix error response carries them
 * (`application/problem+json`, with a stable `type` such as `https://sratix.org/problems/sold-out`).
 */
export interface Problem {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail?: string
  /** Extension members, e.g. `ticketTypeId` and `available` on sold-out. */
  readonly [extension: string]: unknown
}

/** True when `value` has the members of a problem details object. */
export const isProblem = (value: unknown): value is Problem =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as { type?: unknown }).type === "string" &&
  typeof (value as { title?: unknown }).title === "string" &&
  typeof (value as { status?: unknown }).status === "number"

/**
 * A failed API call as an Error. Problem bodies keep their members; any other failure (a proxy's HTML
 * page, an empty body) becomes `type: "about:blank"` with the HTTP status, as RFC 9457 prescribes.
 */
export class SratixProblem extends Error {
  override readonly name = "SratixProblem"
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string | undefined
  /** The whole problem object, extension members included (`problem.problem.available`). */
  readonly problem: Problem
  readonly response: Response | undefined

  constructor(problem: Problem, response?: Response) {
    super(problem.detail ?? problem.title)
    this.type = problem.type
    this.title = problem.title
    this.status = problem.status
    this.detail = problem.detail
    this.problem = problem
    this.response = response
  }

  /** Wraps an openapi-fetch `error` (parsed JSON, text or undefined) and the response it came from. */
  static fromResponse(body: unknown, response: Response): SratixProblem {
    if (isProblem(body)) return new SratixProblem(body, response)
    const text = typeof body === "string" && body.length > 0 ? body.slice(0, 500) : undefined
    return new SratixProblem(
      {
        type: "about:blank",
        title: response.statusText || `HTTP ${response.status}`,
        status: response.status,
        ...(text !== undefined ? { detail: text } : {}),
      },
      response,
    )
  }

  /** True when `type` is `slug` or ends with `/slug`: `problem.hasType("sold-out")`. */
  hasType(slug: string): boolean {
    return this.type === slug || this.type.endsWith(`/${slug}`)
  }
}

export const isSratixProblem = (value: unknown): value is SratixProblem => value instanceof SratixProblem

/**
 * The data of an openapi-fetch result, or a thrown SratixProblem:
 * `const event = await unwrap(client.GET("/api/v1/events/{eventId}", { params: { path: { eventId } } }))`.
 */
export const unwrap = async <
  R extends { readonly data?: unknown; readonly error?: unknown; readonly response: Response },
>(
  result: R | PromiseLike<R>,
): Promise<Exclude<R["data"], undefined>> => {
  const { data, error, response } = await result
  if (!response.ok) throw SratixProblem.fromResponse(error, response)
  return data as Exclude<R["data"], undefined>
}
