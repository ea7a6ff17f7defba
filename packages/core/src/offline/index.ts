/**
 * `@sratix/core/offline`: what the scanner needs to decide at the door without a network, on
 * WebCrypto only (no Node imports), so the scanner and the server run the very same code.
 */
export * from "./Base64url.js"
export * from "./Checkin.js"
export * from "./Pack.js"
export * from "./TicketCode.js"
