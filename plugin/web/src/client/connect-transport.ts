// The HTTP transport to the service's Connect listener (docs/connect-api.md), for pages that call
// the service directly (the portal). JSON on the wire, so calls are readable in the browser's
// network panel; the bearer token is added to every call and never stored here.
import type { Interceptor, Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";

/** Where the Connect listener is and how to get the caller's current token. */
export interface ConnectTransportOptions {
  /** The listener's origin and path prefix, e.g. `https://homework.example` (no trailing `/`). */
  baseUrl: string;
  /**
   * Returns the bearer token (a JWT) for the next call; called on every call so a page can
   * refresh tokens without rebuilding the transport. An empty string sends no Authorization.
   */
  token: () => string;
  /** Optional. The fetch to use (tests, service workers); the global fetch by default. */
  fetch?: typeof globalThis.fetch;
}

/** A transport speaking the Connect protocol over HTTP with `authorization: Bearer <token>`. */
export function connectTransport(options: ConnectTransportOptions): Transport {
  const bearer: Interceptor = (next) => async (request) => {
    const token = options.token();
    if (token !== "") request.header.set("authorization", `Bearer ${token}`);
    return next(request);
  };
  return createConnectTransport({
    baseUrl: options.baseUrl,
    useBinaryFormat: false,
    interceptors: [bearer],
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
