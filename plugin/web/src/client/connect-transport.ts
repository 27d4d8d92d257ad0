// The HTTP transport to the service's Connect listener (docs/connect-api.md), for pages that call
// the service directly (the portal). JSON on the wire, so calls are readable in the browser's
// network panel; the bearer token is added to every call and never stored here.
import { Code, ConnectError, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";

/** Where the Connect listener is and how to get the caller's current token. */
export interface ConnectTransportOptions {
  /** The listener's origin and path prefix, e.g. `https://homework.example` (no trailing `/`). */
  baseUrl: string;
  /**
   * Returns the bearer token (a JWT) for the next call, or a promise of it; called on every call
   * so a page can refresh tokens without rebuilding the transport. An empty string sends no
   * Authorization. Return the string itself when it is at hand: the call then goes out at once.
   */
  token: () => string | Promise<string>;
  /**
   * Optional. Called when a unary call is answered UNAUTHENTICATED (the token expired or was
   * revoked): it resolves once the caller may have a fresh token, and the call is then sent once
   * more with `token()`'s new answer. A second UNAUTHENTICATED is thrown to the caller.
   * Streaming calls are never resent.
   */
  onUnauthenticated?: () => Promise<void>;
  /** Optional. The fetch to use (tests, service workers); the global fetch by default. */
  fetch?: typeof globalThis.fetch;
}

/** A transport speaking the Connect protocol over HTTP with `authorization: Bearer <token>`. */
export function connectTransport(options: ConnectTransportOptions): Transport {
  const bearer: Interceptor = (next) => async (request) => {
    // A token known now is set without an await, so the request reaches fetch in the same task
    // as the call (before the microtasks of a re-render the caller's own state change queued).
    const send = () => {
      const token = options.token();
      return typeof token === "string" ? sendWith(token) : token.then(sendWith);
    };
    const sendWith = (token: string) => {
      if (token !== "") request.header.set("authorization", `Bearer ${token}`);
      else request.header.delete("authorization");
      return next(request);
    };
    if (!options.onUnauthenticated || request.stream) return send();
    try {
      return await send();
    } catch (error) {
      if (ConnectError.from(error).code !== Code.Unauthenticated) throw error;
      await options.onUnauthenticated();
      return send();
    }
  };
  return createConnectTransport({
    baseUrl: options.baseUrl,
    useBinaryFormat: false,
    interceptors: [bearer],
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
