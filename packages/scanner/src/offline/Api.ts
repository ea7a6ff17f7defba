import type { CheckIn } from "@sratix/core/offline"

/**
 * The check-in HTTP contract as the device uses it (docs/checkin.md): enrol with a one-time code,
 * download packs, sync check-ins. Same origin as the app, under `/api/v1`.
 */

export interface EnrolAnswer {
  readonly deviceId: string
  readonly deviceName: string
  readonly token: string
  readonly orgId: string
  readonly eventId: string
  readonly listId: string
  /** Base64url of the raw 32-byte AES key; the server shows it once. */
  readonly packKey: string
}

export interface SyncAnswer {
  readonly accepted: number
  readonly alreadyKnown: number
  readonly rejected: ReadonlyArray<{ readonly id: string; readonly reason: string }>
  readonly conflicts: number
  readonly checkIns: ReadonlyArray<CheckIn>
  readonly cursor: number
  readonly more: boolean
}

/** The server answered, and said no: a problem+json `type` and status the UI can act on. */
export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    detail: string,
  ) {
    super(detail)
  }
}

const refusal = async (response: Response) => {
  let body: { type?: string; detail?: string; title?: string } = {}
  try {
    body = await response.json()
  } catch {
    // Not problem+json (a proxy's error page): status alone.
  }
  return new ApiRefusal(response.status, body.type ?? "about:blank", body.detail ?? body.title ?? response.statusText)
}

const api = (path: string) => new URL(`/api/v1${path}`, location.origin).href

const json = async <A>(response: Response): Promise<A> => {
  if (!response.ok) throw await refusal(response)
  return (await response.json()) as A
}

export const enrol = async (code: string): Promise<EnrolAnswer> =>
  json<EnrolAnswer>(
    await fetch(api("/check-in/enrol"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code }),
      cache: "no-store",
    }),
  )

/** The sealed pack (full, or the delta since `since`); null when the server has nothing newer (304/204). */
export const downloadPack = async (
  device: { readonly eventId: string; readonly listId: string; readonly token: string },
  since: number | null,
): Promise<Uint8Array | null> => {
  const query = since === null ? "" : `?since=${since}`
  const response = await fetch(
    api(
      `/events/${encodeURIComponent(device.eventId)}/check-in-lists/${encodeURIComponent(device.listId)}/pack${query}`,
    ),
    { headers: { authorization: `Bearer ${device.token}` }, cache: "no-store" },
  )
  if (response.status === 304 || response.status === 204) return null
  if (!response.ok) throw await refusal(response)
  return new Uint8Array(await response.arrayBuffer())
}

/** A check-in as the API writes it: times are ISO-8601 strings there, epoch milliseconds inside. */
interface WireCheckIn extends Omit<CheckIn, "deviceTime"> {
  readonly deviceTime: string
}

export const syncCheckIns = async (
  device: { readonly eventId: string; readonly token: string },
  cursor: number,
  checkIns: ReadonlyArray<CheckIn>,
): Promise<SyncAnswer> => {
  const answer = await json<Omit<SyncAnswer, "checkIns"> & { readonly checkIns: ReadonlyArray<WireCheckIn> }>(
    await fetch(api(`/events/${encodeURIComponent(device.eventId)}/check-ins/sync`), {
      method: "POST",
      headers: { authorization: `Bearer ${device.token}`, "content-type": "application/json" },
      // deviceId is not sent: the server takes it from the token.
      body: JSON.stringify({
        cursor,
        checkIns: checkIns.map(({ id, ticketId, listId, deviceTime }) => ({
          id,
          ticketId,
          listId,
          deviceTime: new Date(deviceTime).toISOString(),
        })),
      }),
      cache: "no-store",
    }),
  )
  const received: Array<CheckIn> = []
  for (const c of answer.checkIns) {
    const deviceTime = Date.parse(c.deviceTime)
    // A record the merge cannot order would make devices disagree: refuse the answer rather than guess.
    if (!Number.isFinite(deviceTime)) throw new Error(`sync answer has a check-in without a time: ${c.id}`)
    received.push({ id: c.id, ticketId: c.ticketId, listId: c.listId, deviceId: c.deviceId, deviceTime })
  }
  return { ...answer, checkIns: received }
}
