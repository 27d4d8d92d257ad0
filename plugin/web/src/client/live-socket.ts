// The live session over the service's own WebSocket (`/live/v1` on the browser API: the protocol
// of docs/janus-plugin-protocol.md, carried by the service itself), for hosts without Janus. A
// SessionChannel runs on it exactly as on a Janus handle: `join` with the participant's token,
// unary calls as `call`, the service's events pushed as `event`. One hop each way on a socket
// the page keeps open, where a Connect call costs a fetch: a keystroke reaches the other panel
// about as fast as a data-channel message (benchmarks/README.md).
//
// The channel outlives its socket: when the socket closes (the server restarted, the network
// dropped), a new one is opened with backoff, the channel moves onto it (useHandle), joins again
// and `onRejoined` runs (the page reads what it may have missed). The participant's token is
// asked for again every TOKEN_CHECK_MS and, when it changed, handed over with `token`.

import { Code, ConnectError } from "@connectrpc/connect";
import { SessionChannel, type JanusHandle, type Joined } from "./session-channel.js";

/** The path of the live session's WebSocket on the browser API. */
export const LIVE_SOCKET_PATH = "/live/v1";
/** How long opening a socket may take before the page gives up on it. */
const OPEN_TIMEOUT_MS = 5_000;
/** How often the host's token is asked for (it answers from its cache until near expiry). */
const TOKEN_CHECK_MS = 30_000;

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
  private socket?: WebSocket;
  private closed = false;
  private token = "";
  private tokenTimer?: ReturnType<typeof setInterval>;

  private constructor(readonly channel: SessionChannel, private readonly options: LiveSocketOptions) {}

  /**
   * Opens the socket and joins; rejects with a ConnectError: the join's (PERMISSION_DENIED,
   * NOT_FOUND for a session not created yet, ...) or UNAVAILABLE when no socket could be opened.
   */
  static async open(options: LiveSocketOptions): Promise<{ socket: LiveSocket; joined: Joined }> {
    const channel = new SessionChannel(closedHandle);
    const live = new LiveSocket(channel, options);
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
    this.socket?.close(1000, "left");
  }

  /** A new socket, the channel moved onto it, joined. */
  private async connect(): Promise<Joined> {
    const socket = await openSocket(liveSocketUrl(this.options.apiUrl));
    this.socket = socket;
    this.channel.useHandle(socketHandle(socket));
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") return;
      try {
        this.channel.receive(JSON.parse(event.data));
      } catch {
        // Not JSON: not from the service; ignored.
      }
    });
    socket.addEventListener("close", () => {
      this.channel.useHandle(closedHandle);
      if (!this.closed && this.socket === socket) void this.reconnect();
    });
    this.token = await this.options.getToken();
    return this.channel.join({ session: this.options.session, client: this.options.client, token: this.token, display: this.options.display ?? "" });
  }

  /** The socket was lost: opens another with backoff (250 ms to 5 s) until joined or closed. */
  private async reconnect(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 5_000)));
      if (this.closed) return;
      try {
        await this.connect();
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

/** A handle whose sends fail at once: the channel's handle while no socket is open. */
const closedHandle: JanusHandle = {
  send: ({ error }) => error?.("the live session's socket is closed"),
};

/** A JanusHandle over an open WebSocket: each message is one JSON text frame. */
function socketHandle(socket: WebSocket): JanusHandle {
  return {
    send: ({ message, error }) => {
      if (socket.readyState !== WebSocket.OPEN) {
        error?.("the live session's socket is closed");
        return;
      }
      socket.send(JSON.stringify(message));
    },
  };
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
