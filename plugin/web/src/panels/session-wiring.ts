// The self-wiring mode of <homework-therapist-dock> and <homework-session-panel> for any host
// page: given the browser API's base URL, the Session and client names and a `getToken()` the host
// implements, open the LiveSession over the service's live-session WebSocket (live-socket.ts: one
// hop each way for every keystroke and event), or, where no WebSocket opens (a proxy that does
// not pass them), over the Connect transport (bearer from getToken, asked again once when a call
// is answered UNAUTHENTICATED) and WatchEvents. A caller whose token has no homework role for
// this client (PERMISSION_DENIED, or UNAUTHENTICATED after the fresh token) is `denied`: the
// element then shows a plain message and no data.

import { Code, ConnectError } from "@connectrpc/connect";
import { connectTransport } from "../client/connect-transport.js";
import { createHomeworkClient, type HomeworkClient } from "../client/homework-client.js";
import { createJanusTransport } from "../client/janus-transport.js";
import { LiveSession } from "../client/live-session.js";
import { LiveSocket } from "../client/live-socket.js";

/** What the element's attributes and `getToken` give. */
export interface SessionWiringOptions {
  apiUrl: string;
  session: string;
  client: string;
  getToken: () => Promise<string>;
}

/** The outcome: wired, denied (no homework role here), or failed (the message for a developer). */
export type SessionWiring =
  | { kind: "wired"; api: HomeworkClient; live: LiveSession }
  | { kind: "denied" }
  | { kind: "failed"; message: string };

/** Whether the element has all it needs to wire itself. */
export function canWire(options: Partial<SessionWiringOptions>): options is SessionWiringOptions {
  return Boolean(options.apiUrl && options.session && options.client && options.getToken);
}

/** The properties of a self-wiring element (its attributes `api`, `session`, `client`, and `getToken`). */
export interface SelfWiringElement {
  apiUrl: string;
  sessionName: string;
  client: string;
  getToken?: () => Promise<string>;
  live?: LiveSession;
  denied: boolean;
}

/** Whether a change of these properties calls for wiring again. */
export function wiringChanged(changed: ReadonlyMap<PropertyKey, unknown>): boolean {
  return ["apiUrl", "sessionName", "client", "getToken"].some((key) => changed.has(key));
}

/**
 * Wires `element` once all its inputs are set: closes its old LiveSession, opens the new one and
 * sets `denied`; resolves with the api and session (undefined when not wired; `onFailure` then
 * has the message of a failure other than a missing role).
 */
export async function wireElement(element: SelfWiringElement, onFailure: (message: string) => void):
    Promise<{ api: HomeworkClient; live: LiveSession } | undefined> {
  const options = { apiUrl: element.apiUrl, session: element.sessionName, client: element.client, getToken: element.getToken };
  if (!canWire(options)) return undefined;
  element.live?.close();
  const wiring = await wireSession(options);
  element.denied = wiring.kind === "denied";
  if (wiring.kind === "failed") onFailure(wiring.message);
  return wiring.kind === "wired" ? wiring : undefined;
}

/** Builds the transport and opens the LiveSession; never throws. */
export async function wireSession(options: SessionWiringOptions): Promise<SessionWiring> {
  // The host's token, asked for once and then kept (as the string, so calls need no await)
  // until a call is answered UNAUTHENTICATED.
  let asking: Promise<string> | undefined;
  let token: string | undefined;
  const ask = () => (asking = options.getToken().then((fresh) => (token = fresh), (error: unknown) => {
    asking = undefined;
    throw error;
  }));
  const api = createHomeworkClient(connectTransport({
    baseUrl: options.apiUrl.replace(/\/+$/, ""),
    token: () => token ?? asking ?? ask(),
    onUnauthenticated: async () => {
      token = undefined;
      await ask();
    },
  }));
  try {
    const overSocket = await openOverSocket(options, api);
    if (overSocket !== undefined) return { kind: "wired", ...overSocket };
    const live = await LiveSession.open({ api, session: options.session, client: options.client });
    return { kind: "wired", api, live };
  } catch (error) {
    const code = ConnectError.from(error).code;
    if (code === Code.PermissionDenied || code === Code.Unauthenticated) return { kind: "denied" };
    return { kind: "failed", message: ConnectError.from(error).rawMessage };
  }
}

/**
 * The LiveSession over the live-session WebSocket; undefined when no socket opens (the caller
 * then uses Connect). A session the platform has not created yet is created first by a care-team
 * caller, over Connect (`connect`), as LiveSession.open does; the join's other errors are thrown.
 */
async function openOverSocket(options: SessionWiringOptions, connect: HomeworkClient):
    Promise<{ api: HomeworkClient; live: LiveSession } | undefined> {
  const socketOptions = { apiUrl: options.apiUrl, session: options.session, client: options.client, getToken: options.getToken };
  let opened: Awaited<ReturnType<typeof LiveSocket.open>>;
  try {
    opened = await LiveSocket.open(socketOptions);
  } catch (error) {
    const code = ConnectError.from(error).code;
    if (code === Code.Unavailable) return undefined;
    if (code !== Code.NotFound) throw error;
    // Creates the session (a care-team caller; anyone else is refused) and joins it.
    await LiveSession.open({ api: connect, session: options.session, client: options.client }).then((live) => live.close());
    opened = await LiveSocket.open(socketOptions);
  }
  const { socket } = opened;
  const api = createHomeworkClient(createJanusTransport(socket.channel));
  try {
    const live = await LiveSession.open({
      api, session: options.session, client: options.client,
      events: (onEvent, signal) => {
        socket.channel.events(onEvent, signal);
        signal.addEventListener("abort", () => socket.close(), { once: true });
      },
    });
    socket.onRejoined = () => live.reload();
    socket.onConnectionChange = (connected) => live.connectionChanged(connected);
    return { api, live };
  } catch (error) {
    socket.close();
    throw error;
  }
}
