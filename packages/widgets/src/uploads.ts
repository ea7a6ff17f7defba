import { type SratixClient, unwrap } from "@sratix/sdk"

/**
 * Sends a chosen file as the raw request body (no multipart, no base64) and returns the id to put
 * as the field's answer. The server checks type and size again on the stored bytes.
 */
export const uploadFile = (client: SratixClient, eventId: string, fieldId: string, file: File, locale: string) =>
  unwrap(
    client.POST("/api/v1/public/events/{eventId}/uploads", {
      params: {
        path: { eventId },
        header: { "x-sratix-field": fieldId, "x-sratix-filename": file.name.slice(0, 255), "accept-language": locale },
      },
      body: file as never,
      bodySerializer: (body: unknown) => body as BodyInit,
      headers: { "content-type": file.type },
    }),
  )
