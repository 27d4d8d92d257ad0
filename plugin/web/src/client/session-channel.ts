// The homework side of a telehealth session over a janus.js plugin handle: join, presence, shared
// drafts, assign, discard, end and the relayed service events. Speaks exactly the protocol in
// docs/janus-plugin-protocol.md; this file is the one place where its JSON meets typed messages
// (drafts and assignments are `Assignment` messages here, protobuf JSON on the wire).
//
// Errors: every request returns a promise that rejects with a ConnectError whose Code is the
// plugin's lower_snake_case code (`aborted` on a stale draft carries the current draft in
// `staleDraft` of the error's cause). Requests not answered within `requestTimeoutMs` reject with
// Code.DeadlineExceeded; a handle the transport cannot reach rejects with Code.Unavailable.
//
// Events are dispatched as CustomEvents on the channel (an EventTarget): `presence`, `draft`,
// `draft-removed`, `assigned`, `event`, `summary`; see SessionChannelEventMap.

import { create, fromJson, toJson, createRegistry, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { AnySchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { codeFromString } from "@connectrpc/connect/protocol-connect";
import { type Assignment, AssignmentSchema } from "../gen/therapy/homework/v1/assignment_pb.js";
import { type Event as HomeworkEvent, EventSchema } from "../gen/therapy/homework/v1/event_pb.js";
import { BadRequestSchema } from "../gen/google/rpc/error_details_pb.js";

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

/** A shared draft assignment: lives in the plugin's session until assigned or discarded. */
export interface Draft {
  id: string;
  version: number;
  assignment: Assignment;
  updatedBy?: { subject: string; role: string };
}

/** The answer to `join`. */
export interface Joined {
  session: string;
  client: string;
  you: Participant;
  participants: Participant[];
  drafts: Draft[];
}

/** The end-of-session summary every participant receives after `end`. */
export interface SessionSummary {
  session: string;
  client: string;
  assigned: { name: string; title: string }[];
  reviewed: string[];
  draftsDiscarded: number;
  endTime: string;
}

/** What `join` needs: the telehealth session, its client and the participant's own token. */
export interface JoinOptions {
  session: string;
  client: string;
  token: string;
  display: string;
}

/** The events a channel dispatches, by name. */
export interface SessionChannelEventMap {
  presence: CustomEvent<Participant[]>;
  draft: CustomEvent<Draft>;
  "draft-removed": CustomEvent<{ draft: string; reason: "assigned" | "discarded" }>;
  assigned: CustomEvent<Assignment>;
  event: CustomEvent<HomeworkEvent>;
  summary: CustomEvent<SessionSummary>;
}

// Error details arrive as google.rpc messages in JSON with "@type"; these are the ones we decode.
const detailRegistry = createRegistry(BadRequestSchema);

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
    private readonly handle: JanusHandle,
    private readonly requestTimeoutMs = 10_000,
  ) {
    super();
  }

  /** Joins the session; resolves with who is there and the open drafts. */
  async join(options: JoinOptions): Promise<Joined> {
    const answer = await this.request({ request: "join", ...options });
    return {
      session: String(answer["session"] ?? ""),
      client: String(answer["client"] ?? ""),
      you: answer["you"] as unknown as Participant,
      participants: (answer["participants"] ?? []) as unknown as Participant[],
      drafts: ((answer["drafts"] ?? []) as JsonObject[]).map(draftFromJson),
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

  /**
   * Creates (`id` empty, `version` 0) or changes a shared draft. Rejects with Code.Aborted when
   * the draft moved on (the current draft is the error's `cause`), Code.PermissionDenied when a
   * client changes a field outside its own plan.
   */
  async saveDraft(draft: { id: string; version: number; assignment: Assignment }): Promise<Draft> {
    const wire: JsonObject = {
      version: draft.version,
      assignment: toJson(AssignmentSchema, draft.assignment),
    };
    if (draft.id !== "") wire["id"] = draft.id;
    const answer = await this.request({ request: "draft", draft: wire });
    return draftFromJson(answer["draft"] as JsonObject);
  }

  /** Therapist only: stores and activates the draft; resolves with the assignment made. */
  async assign(draftId: string): Promise<Assignment> {
    const answer = await this.request({ request: "assign", draft: draftId });
    return fromJson(AssignmentSchema, answer["body"] ?? {}, { ignoreUnknownFields: true });
  }

  /** Therapist only: ends a draft without assigning it. */
  async discard(draftId: string): Promise<void> {
    await this.request({ request: "discard", draft: draftId });
  }

  /** Therapist only: ends the homework side of the session (everyone receives `summary`). */
  async end(): Promise<void> {
    await this.request({ request: "end" });
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
      case "draft":
        this.emit("draft", draftFromJson(body["draft"] as JsonObject));
        return;
      case "draft_removed":
        this.emit("draft-removed", {
          draft: String(body["draft"] ?? ""),
          reason: body["reason"] === "assigned" ? "assigned" : "discarded",
        });
        return;
      case "assigned":
        this.emit("assigned", fromJson(AssignmentSchema, body["assignment"] ?? {}, { ignoreUnknownFields: true }));
        return;
      case "event":
        this.emit("event", fromJson(EventSchema, body["event"] ?? {}, { ignoreUnknownFields: true }));
        return;
      case "summary":
        this.emit("summary", body as unknown as SessionSummary);
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
        error: (reason) => this.fail(id, new ConnectError(`janus: ${String(reason)}`, Code.Unavailable)),
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

/** Attaches a handle to the homework plugin on a janus.js session and wraps it in a channel. */
export function attachSessionChannel(janus: JanusSession, opaqueId?: string): Promise<SessionChannel> {
  return new Promise((resolve, reject) => {
    let channel: SessionChannel | undefined;
    const early: unknown[] = [];
    janus.attach({
      plugin: HOMEWORK_PLUGIN,
      ...(opaqueId === undefined ? {} : { opaqueId }),
      success: (handle) => {
        channel = new SessionChannel(handle);
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

/** The current draft an `aborted` draft error carries (the page edited an old version). */
export function staleDraftOf(error: unknown): Draft | undefined {
  if (!(error instanceof ConnectError) || error.code !== Code.Aborted) return undefined;
  return (error.cause as { staleDraft?: Draft } | undefined)?.staleDraft;
}

/** A draft as the plugin sends it -> typed. */
function draftFromJson(json: JsonObject | undefined): Draft {
  const draft = json ?? {};
  const updatedBy = draft["updatedBy"] as { subject: string; role: string } | undefined;
  return {
    id: String(draft["id"] ?? ""),
    version: Number(draft["version"] ?? 0),
    assignment: draft["assignment"] === undefined
      ? create(AssignmentSchema)
      : fromJson(AssignmentSchema, draft["assignment"], { ignoreUnknownFields: true }),
    ...(updatedBy === undefined ? {} : { updatedBy }),
  };
}

/** An `error` event -> ConnectError with its Code and decodable details (e.g. BadRequest). */
export function errorFromEvent(body: JsonObject): ConnectError {
  const code = codeFromString(String(body["code"] ?? "")) ?? Code.Unknown;
  const details: { type: string; value: Uint8Array }[] = [];
  for (const detail of (body["details"] ?? []) as JsonValue[]) {
    try {
      const any = fromJson(AnySchema, detail, { registry: detailRegistry });
      details.push({ type: any.typeUrl.replace(/^.*\//, ""), value: any.value });
    } catch {
      // A detail type this page does not know is left out; the message still says what failed.
    }
  }
  const cause = body["draft"] === undefined ? undefined : { staleDraft: draftFromJson(body["draft"] as JsonObject) };
  const error = new ConnectError(String(body["message"] ?? ""), code, undefined, undefined, cause);
  error.details.push(...details);
  return error;
}

export type { HomeworkEvent };
