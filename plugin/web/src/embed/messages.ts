// The messages between a host page and the homework frame it embeds (homework-embed.ts on the
// host's side, frame.ts in the frame), in SMART Web Messaging's shape: a request carries
// `messageId`, `messagingHandle`, `messageType` and `payload`; a response carries its own
// `messageId`, `responseToMessageId` and `payload`. The frame (the app) sends the requests and
// the host (the EHR, in SMART's words) answers them:
//
//   status.handshake           {}                      -> {}
//   org.therapy-homework.token {}                      -> {token} | {error: {code, message}}
//   org.therapy-homework.resize {height}               (no response)
//
// `messagingHandle` is the one the host put in the frame's URL for this mount: it tells the
// host's several frames apart and is no secret (the origins are the security boundary: each side
// posts only to, and accepts only from, an origin on its own allowlist). Tokens travel only in a
// token response; nothing else here carries clinical content.

export const MESSAGE_HANDSHAKE = "status.handshake";
export const MESSAGE_TOKEN = "org.therapy-homework.token";
export const MESSAGE_RESIZE = "org.therapy-homework.resize";

/** A request, frame to host. */
export interface EmbedRequest {
  messageId: string;
  messagingHandle: string;
  messageType: string;
  payload: Record<string, unknown>;
}

/** A response, host to frame. */
export interface EmbedResponse {
  messageId: string;
  responseToMessageId: string;
  additionalResponsesExpected?: boolean;
  payload: Record<string, unknown>;
}

/** Why the host gave no token: `permission_denied` when the person has no homework role. */
export interface TokenRefusal {
  code: "permission_denied" | "unavailable";
  message: string;
}

/** A fresh random message id (or messaging handle). */
export function newMessageId(): string {
  return crypto.randomUUID();
}

/** `data` when it has a request's shape, else undefined. */
export function asRequest(data: unknown): EmbedRequest | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const m = data as Partial<EmbedRequest>;
  return typeof m.messageId === "string" && typeof m.messagingHandle === "string" && typeof m.messageType === "string" &&
    typeof m.payload === "object" && m.payload !== null ? (m as EmbedRequest) : undefined;
}

/** `data` when it has a response's shape, else undefined. */
export function asResponse(data: unknown): EmbedResponse | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const m = data as Partial<EmbedResponse>;
  return typeof m.messageId === "string" && typeof m.responseToMessageId === "string" &&
    typeof m.payload === "object" && m.payload !== null ? (m as EmbedResponse) : undefined;
}

/**
 * An origin as `URL.origin` writes it (`https://a.example`, no path, no trailing slash), or
 * undefined for anything that is not an http(s) origin. Allowlists are compared in this form.
 */
export function normalOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The allowlist as a set of normal origins; entries that are not origins are left out. */
export function originSet(origins: Iterable<string>): Set<string> {
  const set = new Set<string>();
  for (const origin of origins) {
    const normal = normalOrigin(origin.trim());
    if (normal !== undefined) set.add(normal);
  }
  return set;
}
