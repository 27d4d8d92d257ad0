// The live session over the service's own WebSocket (`/live/v1` on the browser API: the protocol
// of docs/janus-plugin-protocol.md, carried by the service itself), for hosts without Janus. A
// SessionChannel runs on it exactly as on a Janus handle: `join` with the participant's token,
// unary calls as `call`, the service's events pushed as `event`. One hop each way on a socket
// the page keeps open, where a Connect call costs a fetch: a keystroke reaches the other panel
// about as fast as a data-channel message (benchmarks/README.md).
//
// The channel outlives its socket: when the socket closes (the server restarted, the network
// dropped), the requests it carried that have no answer fail at once (UNAVAILABLE: whether they
// took effect is unknown, and the page reads again), a new socket is opened with backoff and
// joined, and `onRejoined` runs (the page reads what it may have missed). Requests made while
// no socket is joined wait for the next one (up to HOLD_MS, inside the channel's own timeout),
// so an edit typed during a short outage is sent when the socket is back. The participant's
// token is asked for again every TOKEN_CHECK_MS and, when it changed, handed over with `token`.

import { Code, ConnectError } from "@connectrpc/connect";
import { SessionChannel, type JanusHandle, type Joined } from "./session-channel.js";

/** The path of the live session's WebSocket on the browser API. */
export const LIVE_SOCKET_PATH = "/live/v1";
/** How long opening a socket may take before the page gives up on it. */
const OPEN_TIMEOUT_MS = 5_000;
/** How often the host's token is asked for (it answers from its cache until near expiry). */
const TOKEN_CHECK_MS = 30_000;
/** How long a request waits for a joined socket (less than the channel's 10 s timeout). */
const HOLD_MS = 8_000;

/** One request as the channel hands it over. */
type Outgoing = Parameters<JanusHandle["send"]>[0];

/** The socket URL for a browser API base URL: http(s) becomes ws(s). */
export function liveSocketUrl(apiUrl: string): string {
  const url = new URL(apiUrl.replace(/\/+$/, "") + LIVE_SOCKET_PATH);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

/** What opening a live socket needs. */
export interface LiveSocketOptions {
  apiUrl: string;
  session: string;
  client: string;
  getToken: () => Promise<string>;
  /** Shown to the others in the session (never trusted); may be empty. */
  display?: string;
}

/** A joined session over the service's WebSocket; see the file comment. */
export class LiveSocket {
  /** Runs after each join that follows a lost socket. */
  onRejoined?: () => Promise<void> | void;
  /** Runs when the socket is lost (false) and once it is joined again (true). */
  onConnectionChange?: (connected: boolean) => void;
  readonly channel: SessionChannel;
  private socket?: WebSocket;
  private joined = false;
  private closed = false;
  private token = "";
  private tokenTimer?: ReturnType<typeof setInterval>;
  /** Requests sent on the current socket and not answered yet: their `error`, by id. */
  private readonly inFlight = new Map<string, (reason: unknown) => void>();
  /** Requests waiting for a joined socket, with when they were made. */
  private held: { request: Outgoing; at: number }[] = [];

  private constructor(private readonly options: LiveSocketOptions) {
    this.channel = new SessionChannel({ send: (request) => this.send(request) });
  }

  /**
   * Opens the socket and joins; rejects with a ConnectError: the join's (PERMISSION_DENIED,
   * NOT_FOUND for a session not created yet, ...) or UNAVAILABLE when no socket could be opened.
   */
  static async open(options: LiveSocketOptions): Promise<{ socket: LiveSocket; joined: Joined }> {
    const live = new LiveSocket(options);
    try {
      const joined = await live.connect();
      live.tokenTimer = setInterval(() => void live.checkToken(), TOKEN_CHECK_MS);
      return { socket: live, joined };
    } catch (error) {
      live.close();
      throw error;
    }
  }

  /** Leaves: closes the socket for good (the others see the participant go). */
  close(): void {
    this.closed = true;
    clearInterval(this.tokenTimer);
    for (const { request } of this.held.splice(0)) request.error?.("the live session was closed");
    this.socket?.close(1000, "left");
  }

  /** The channel's one handle: on the joined socket, or held until there is one. */
  private send(request: Outgoing): void {
    const socket = this.socket;
    const id = typeof request.message["id"] === "string" ? request.message["id"] : undefined;
    if (socket?.readyState === WebSocket.OPEN && (this.joined || request.message["request"] === "join")) {
      if (id !== undefined && request.error) this.inFlight.set(id, request.error);
      socket.send(JSON.stringify(request.message));
    } else if (this.closed) {
      request.error?.("the live session was closed");
    } else {
      this.held.push({ request, at: Date.now() });
    }
  }

  /** A new socket, joined; then the held requests go out on it. */
  private async connect(): Promise<Joined> {
    const socket = await openSocket(liveSocketUrl(this.options.apiUrl));
    this.socket = socket;
    this.joined = false;
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") return;
      let body: unknown;
      try {
        body = JSON.parse(event.data);
      } catch {
        return;  // not JSON: not from the service
      }
      const id = (body as { id?: unknown } | null)?.id;
      if (typeof id === "string") this.inFlight.delete(id);
      this.channel.receive(body);
    });
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.joined = false;
      const lost = [...this.inFlight.values()];
      this.inFlight.clear();
      for (const fail of lost) fail("the session's connection was lost");
      if (this.closed) return;
      this.onConnectionChange?.(false);
      void this.reconnect();
    });
    this.token = await this.options.getToken();
    const joined = await this.channel.join({ session: this.options.session, client: this.options.client, token: this.token, display: this.options.display ?? "" });
    this.joined = true;
    const now = Date.now();
    for (const { request, at } of this.held.splice(0)) {
      if (now - at <= HOLD_MS) this.send(request);
      else request.error?.("the live session's socket did not come back in time");
    }
    return joined;
  }

  /** The socket was lost: opens another with backoff (250 ms to 5 s) until joined or closed. */
  private async reconnect(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 5_000)));
      if (this.closed) return;
      try {
        await this.connect();
        this.onConnectionChange?.(true);
        await this.onRejoined?.();
        return;
      } catch {
        // Not back yet (or the join was refused this time): try again.
      }
    }
  }

  /** Hands a fresh token over once the host has one. */
  private async checkToken(): Promise<void> {
    try {
      const token = await this.options.getToken();
      if (token === this.token) return;
      await this.channel.refreshToken(token);
      this.token = token;
    } catch {
      // The next check tries again; calls meanwhile use the old token until it expires.
    }
  }
}

/** Resolves with the socket once open; rejects with UNAVAILABLE when it fails or takes too long. */
function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const fail = () => {
      clearTimeout(timer);
      socket.close();
      reject(new ConnectError(`cannot open the live session's socket at ${url}`, Code.Unavailable));
    };
    const timer = setTimeout(fail, OPEN_TIMEOUT_MS);
    socket.addEventListener("open", () => {
      clearTimeout(timer);
      socket.removeEventListener("error", fail);
      socket.removeEventListener("close", fail);
      resolve(socket);
    }, { once: true });
    socket.addEventListener("error", fail, { once: true });
    socket.addEventListener("close", fail, { once: true });
  });
}
