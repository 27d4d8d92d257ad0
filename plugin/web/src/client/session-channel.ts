// One participant's side of the live-session protocol (docs/janus-plugin-protocol.md): join,
// token, unary calls and the pushed `presence` and `event` messages, over a janus.js plugin handle
// or, with the same messages, over the service's own WebSocket (live-socket.ts). Neither holds
// clinical state: drafts, assignments and the session's summary live in the service and reach the
// panels through LiveSession (live-session.ts), which uses this channel as its Transport
// (createJanusTransport) and its event source (`events`). This file is the one place where the
// protocol's JSON meets typed messages.
//
// Errors: every request returns a promise that rejects with a ConnectError. The plugin's `error`
// event carries the Connect protocol's error object (the one the Connect listener sends), read
// here by connect-web's own decoder, so a page decodes both paths alike. Requests not answered within `requestTimeoutMs` reject with
// Code.DeadlineExceeded; a handle the transport cannot reach rejects with Code.Unavailable.
//
// After Janus goes away (its session destroyed, the WebSocket closed) the page attaches a new
// handle to the same channel (`attachSessionChannel(janus, opaqueId, channel)`), so the Transport
// and the event source built on it stay valid, and joins again.

import { fromJson, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorFromJson } from "@connectrpc/connect/protocol-connect";
import { type Event as HomeworkEvent, EventSchema } from "../gen/therapy/homework/v1/event_pb.js";
import type { SessionEventSource } from "./live-session.js";

/** The Janus plugin package this channel talks to. */
export const HOMEWORK_PLUGIN = "janus.plugin.homework";

/** The part of a janus.js plugin handle the channel uses. */
export interface JanusHandle {
  send(params: {
    message: JsonObject;
    success?: (result?: unknown) => void;
    error?: (reason: unknown) => void;
  }): void;
}

/** A person in the session as the plugin reports them (from the service's GetCaller). */
export interface Participant {
  subject: string;
  role: "therapist" | "client";
  display: string;
}

/** The answer to `join`. */
export interface Joined {
  session: string;
  client: string;
  you: Participant;
  participants: Participant[];
}

/** What `join` needs: the Session (`practices/{p}/sessions/{s}`), its client and the participant's own token. */
export interface JoinOptions {
  session: string;
  client: string;
  token: string;
  display: string;
}

/** The events a channel dispatches, by name. */
export interface SessionChannelEventMap {
  presence: CustomEvent<Participant[]>;
  event: CustomEvent<HomeworkEvent>;
}

interface Pending {
  resolve: (answer: JsonObject) => void;
  reject: (error: ConnectError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One participant's channel to the session. Create it with the handle, and route the handle's
 * `onmessage` data into `receive` (attachSessionChannel does both).
 */
export class SessionChannel extends EventTarget {
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;

  constructor(
    private handle: JanusHandle,
    private readonly requestTimeoutMs = 10_000,
  ) {
    super();
  }

  /**
   * Moves the channel onto a new handle (after Janus went away); requests waiting on the old one
   * reject with Code.Unavailable. Join again afterwards.
   */
  useHandle(handle: JanusHandle): void {
    for (const id of [...this.pending.keys()]) this.fail(id, new ConnectError("the session's connection was lost", Code.Unavailable));
    this.handle = handle;
  }

  /** The relayed service events as a LiveSession event source. */
  get events(): SessionEventSource {
    return (onEvent, signal) => {
      const off = this.on("event", (e) => onEvent(e.detail));
      signal.addEventListener("abort", off, { once: true });
    };
  }

  /** Joins the session; resolves with who is there. */
  async join(options: JoinOptions): Promise<Joined> {
    const answer = await this.request({ request: "join", ...options });
    return {
      session: String(answer["session"] ?? ""),
      client: String(answer["client"] ?? ""),
      you: answer["you"] as unknown as Participant,
      participants: (answer["participants"] ?? []) as unknown as Participant[],
    };
  }

  /** Replaces the handle's token before it expires; the subject must stay the same. */
  async refreshToken(token: string): Promise<void> {
    await this.request({ request: "token", token });
  }

  /** Runs one unary HomeworkService method as this participant; resolves with the response JSON. */
  async call(method: string, body: JsonValue): Promise<JsonValue> {
    const answer = await this.request({ request: "call", method, body });
    return answer["body"] ?? {};
  }

  /** Leaves the session; the others receive `presence`. */
  async leave(): Promise<void> {
    await this.request({ request: "leave" });
  }

  /** Typed addEventListener for the channel's events. */
  on<K extends keyof SessionChannelEventMap>(
    type: K,
    listener: (event: SessionChannelEventMap[K]) => void,
  ): () => void {
    const wrapped = listener as unknown as EventListener;
    this.addEventListener(type, wrapped);
    return () => this.removeEventListener(type, wrapped);
  }

  /** Feeds one message from the handle's `onmessage` (janus.js passes the plugin data). */
  receive(message: unknown): void {
    if (typeof message !== "object" || message === null) return;
    const body = message as JsonObject;
    const kind = body["homework"];
    const id = typeof body["id"] === "string" ? body["id"] : undefined;
    switch (kind) {
      case "joined":
      case "ack":
      case "result":
        if (id !== undefined) this.settle(id, body);
        return;
      case "error":
        if (id !== undefined) this.fail(id, errorFromEvent(body));
        return;
      case "presence":
        this.emit("presence", (body["participants"] ?? []) as unknown as Participant[]);
        return;
      case "event":
        this.emit("event", fromJson(EventSchema, body["event"] ?? {}, { ignoreUnknownFields: true }));
        return;
      default:
        return;
    }
  }

  /** Sends one request with a fresh id; resolves with the answer carrying that id. */
  private request(body: JsonObject): Promise<JsonObject> {
    const id = String(this.nextId++);
    return new Promise<JsonObject>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(id, new ConnectError(`no answer to ${String(body["request"])} in ${this.requestTimeoutMs} ms`, Code.DeadlineExceeded));
      }, this.requestTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.handle.send({
        message: { ...body, id },
        error: (reason) => this.fail(id, new ConnectError(`session channel: ${String(reason)}`, Code.Unavailable)),
      });
    });
  }

  private settle(id: string, answer: JsonObject): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(answer);
  }

  private fail(id: string, error: ConnectError): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    pending.reject(error);
  }

  private emit<K extends keyof SessionChannelEventMap>(type: K, detail: SessionChannelEventMap[K]["detail"]): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/** The part of a janus.js session the channel needs to attach its handle. */
export interface JanusSession {
  attach(callbacks: {
    plugin: string;
    opaqueId?: string;
    success: (handle: JanusHandle) => void;
    error: (reason: unknown) => void;
    onmessage: (message: unknown, jsep?: unknown) => void;
  }): void;
}

/**
 * Attaches a handle to the homework plugin on a janus.js session and wraps it in a channel, or,
 * given `channel`, moves that channel onto the new handle (useHandle).
 */
export function attachSessionChannel(janus: JanusSession, opaqueId?: string, existing?: SessionChannel): Promise<SessionChannel> {
  return new Promise((resolve, reject) => {
    let channel: SessionChannel | undefined;
    const early: unknown[] = [];
    janus.attach({
      plugin: HOMEWORK_PLUGIN,
      ...(opaqueId === undefined ? {} : { opaqueId }),
      success: (handle) => {
        if (existing !== undefined) existing.useHandle(handle);
        channel = existing ?? new SessionChannel(handle);
        for (const message of early) channel.receive(message);
        resolve(channel);
      },
      error: (reason) => reject(new ConnectError(`janus attach: ${String(reason)}`, Code.Unavailable)),
      onmessage: (message) => {
        if (channel === undefined) early.push(message);
        else channel.receive(message);
      },
    });
  });
}

/**
 * An `error` event -> ConnectError with its Code and details (e.g. BadRequest), read by
 * connect-web's decoder of the Connect error object (the package is pinned to an exact version:
 * `errorFromJson` is exported but marked internal). A malformed event is Code.Unknown.
 */
export function errorFromEvent(body: JsonObject): ConnectError {
  try {
    return errorFromJson(body, undefined, new ConnectError("the plugin sent a malformed error", Code.Unknown));
  } catch (malformed) {
    return ConnectError.from(malformed);  // errorFromJson throws its fallback
  }
}

export type { HomeworkEvent };
