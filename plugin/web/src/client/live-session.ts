// The homework side of one live telehealth session, over the service alone (docs/architecture.md;
// the Session resource and drafts of proto/therapy/homework/v1/session.proto). Any host uses it:
// the Janus demo over the plugin's `call` transport and relayed events, another video host over
// the Connect transport and WatchEvents. It holds no state the service does not have: a draft is
// an Assignment in STATE_DRAFT naming the Session it was shaped in, and every change arrives as
// an event carrying the assignment as stored (the watch asks for it: include_assignments; an
// event that came without it, or of a session, is followed by a read), so both people see the
// other's change within the same live update. The event of this page's own write is not
// applied: the write's answer is the stored resource.
//
// `LiveSession.open({api, session, client, events?})` joins the session (JoinSession; a care-team
// caller creates it first when it is missing, with CreateSession, idempotent), loads the client's
// drafts (this session's, and older ones the therapist may reopen or discard) and then
// dispatches CustomEvents (see LiveSessionEventMap): `draft` (a draft was created or changed),
// `draft-removed` ({name, reason: "assigned" | "discarded"}), `assigned` (an assignment shaped in
// this session became active), `session` (the Session changed: joined, ended with its summary),
// `event` (every service event, for the review panel), and `connection` (the transport went down
// or came back).
//
// Errors: the methods reject with the service's ConnectError (PERMISSION_DENIED for a caller
// without a homework role for this client; the client changing a field that is not its own plan
// is PERMISSION_DENIED naming the field). Nothing here logs.

import { Code, ConnectError } from "@connectrpc/connect";
import { create, equals, type DescField, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { HomeworkClient } from "./homework-client.js";
import { watchClientEvents } from "./watch-events.js";
import {
  AssignmentSchema,
  Assignment_State,
  ScheduleSchema,
  type Assignment,
} from "../gen/therapy/homework/v1/assignment_pb.js";
import { Event_Type, type Event as HomeworkEvent } from "../gen/therapy/homework/v1/event_pb.js";
import { Session_State, type Session } from "../gen/therapy/homework/v1/session_pb.js";
import { CallerIdentity_Role, type CallerIdentity } from "../gen/therapy/homework/v1/homework_service_pb.js";

/** Where the session's events come from: calls `onEvent` for each until `signal` aborts. */
export type SessionEventSource = (onEvent: (event: HomeworkEvent) => void, signal: AbortSignal) => void;

/** What `LiveSession.open` needs. */
export interface LiveSessionOptions {
  /** The typed service client, over any Transport (Connect over HTTP, or the Janus plugin). */
  api: HomeworkClient;
  /** The Session, `practices/{p}/sessions/{s}`. */
  session: string;
  /** The session's client, `practices/{p}/clients/{c}`. */
  client: string;
  /** Optional: the events of the client; by default WatchEvents over `api`. */
  events?: SessionEventSource;
}

/** Who made a change, as the session panels say it. */
export type ChangedBy = "you" | "client" | "care-team";

/** A draft as the panels receive it. */
export interface DraftChange {
  assignment: Assignment;
  /** Who caused the change ("you" for this page's own calls). */
  by: ChangedBy;
}

/** The events a LiveSession dispatches, by name. */
export interface LiveSessionEventMap {
  draft: CustomEvent<DraftChange>;
  "draft-removed": CustomEvent<{ name: string; reason: "assigned" | "discarded" }>;
  assigned: CustomEvent<Assignment>;
  session: CustomEvent<Session>;
  event: CustomEvent<HomeworkEvent>;
  /** The transport's connection went down (false) or is back (true). */
  connection: CustomEvent<boolean>;
}

/** The top-level Assignment fields a care-team edit may name in an update mask. */
const TOP_LEVEL_PATHS = ["title", "exercise", "rationale", "phase"] as const;

/**
 * The update-mask paths in which `after` differs from `before`: the top-level content fields and
 * each field of the schedule on its own (`schedule.habit_anchor`), so an update names only what
 * this person changed and leaves the rest to whoever else is editing. Compared field by field
 * (a message field by reference first, then by protobuf equality), not through JSON: it runs on
 * every keystroke and every event of a live session.
 */
export function changedPaths(before: Assignment, after: Assignment): string[] {
  const paths: string[] = TOP_LEVEL_PATHS.filter((name) => !sameField(AssignmentSchema, name, before, after));
  const scheduleA = before.schedule ?? EMPTY_SCHEDULE;
  const scheduleB = after.schedule ?? EMPTY_SCHEDULE;
  if (scheduleA === scheduleB) return paths;
  for (const field of ScheduleSchema.fields) {
    if (!sameValue(field, fieldValue(scheduleA, field), fieldValue(scheduleB, field))) paths.push(`schedule.${field.name}`);
  }
  return paths;
}

const EMPTY_SCHEDULE = create(ScheduleSchema);

/** Whether field `name` of `schema` holds the same value in `a` and `b`. */
function sameField<Desc extends DescMessage>(schema: Desc, name: string, a: MessageShape<Desc>, b: MessageShape<Desc>): boolean {
  const field = schema.fields.find((f) => f.name === name);
  return field === undefined || sameValue(field, fieldValue(a, field), fieldValue(b, field));
}

function fieldValue(message: object, field: DescField): unknown {
  return (message as Record<string, unknown>)[field.localName];
}

/**
 * Whether two values of `field` are equal as protobuf values (an unset message differs from an
 * empty one). The fields compared here are scalars, enums and messages only (the draft editing
 * units test holds the schema to that): a list, map or oneof field would need a case here.
 */
function sameValue(field: DescField, a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return field.fieldKind === "message" && a !== undefined && b !== undefined
    && equals(field.message, a as never, b as never);
}

/** A copy of `target` with the fields at `paths` (as changedPaths names them) taken from `source`. */
export function withPaths(target: Assignment, source: Assignment, paths: readonly string[]): Assignment {
  const next = { ...target } as Assignment;
  for (const path of paths) {
    const [head, field] = path.split(".");
    if (head === "schedule" && field !== undefined) {
      const descriptor = ScheduleSchema.fields.find((f) => f.name === field);
      if (descriptor === undefined) continue;
      const schedule = { ...(next.schedule ?? create(ScheduleSchema)) } as Record<string, unknown>;
      schedule[descriptor.localName] = (source.schedule as Record<string, unknown> | undefined)?.[descriptor.localName]
        ?? (create(ScheduleSchema) as unknown as Record<string, unknown>)[descriptor.localName];
      next.schedule = schedule as unknown as Assignment["schedule"];
    } else if ((TOP_LEVEL_PATHS as readonly string[]).includes(path)) {
      (next as unknown as Record<string, unknown>)[path] = (source as unknown as Record<string, unknown>)[path];
    }
  }
  return next;
}

/** One person's view of a live session; see the file comment. */
export class LiveSession extends EventTarget {
  /** The Session as last read. */
  session: Session;
  /** Who this page is, as the service verified the token. */
  readonly caller: CallerIdentity;
  private readonly drafts = new Map<string, Assignment>();
  private readonly announced = new Set<string>();
  private readonly titles = new Map<string, string>();
  private readonly watch = new AbortController();
  private up = true;
  /** This page's writes per assignment whose event has not arrived yet (see ownWrite). */
  private readonly ownWrites = new Map<string, number>();

  private constructor(
    readonly api: HomeworkClient,
    readonly name: string,
    readonly client: string,
    session: Session,
    caller: CallerIdentity,
  ) {
    super();
    this.session = session;
    this.caller = caller;
  }

  /**
   * Joins the session and loads the drafts; rejects with the service's error (PERMISSION_DENIED
   * or UNAUTHENTICATED for a caller with no homework role for this client).
   */
  static async open(options: LiveSessionOptions): Promise<LiveSession> {
    const { api, session: name, client } = options;
    const caller = await api.getCaller({});
    const careTeam = caller.role === CallerIdentity_Role.THERAPIST || caller.role === CallerIdentity_Role.ADMIN;
    let session: Session;
    try {
      session = await api.joinSession({ name });
    } catch (error) {
      // The platform normally creates the Session; the first care-team panel does when it has not.
      if (!careTeam || ConnectError.from(error).code !== Code.NotFound) throw error;
      const [practice = "", sessionId = ""] = name.split("/sessions/");
      await api.createSession({ parent: practice, sessionId, session: { client } });
      session = await api.joinSession({ name });
    }
    if (session.client !== client) {
      throw new ConnectError(`session: ${name} is not a session of the client named`, Code.FailedPrecondition);
    }
    const live = new LiveSession(api, name, client, session, caller);
    await live.loadDrafts();
    const events = options.events ??
      ((onEvent, signal) => void watchClientEvents(api, client, onEvent, signal, { includeAssignments: true }));
    events((event) => live.onEvent(event), live.watch.signal);
    return live;
  }

  /**
   * Whether the transport is connected: false while the live session's socket is being reopened
   * (the panels say so; edits made meanwhile wait for it). Always true over Connect.
   */
  get connected(): boolean {
    return this.up;
  }

  /** The transport says its connection went down or is back; `connection` is dispatched. */
  connectionChanged(up: boolean): void {
    if (up === this.up) return;
    this.up = up;
    this.emit("connection", up);
  }

  /** Whether this page's caller is on the care team (not the client). */
  get careTeam(): boolean {
    return this.caller.role !== CallerIdentity_Role.CLIENT;
  }

  /** Whether the session is still live. */
  get isLive(): boolean {
    return this.session.state === Session_State.LIVE;
  }

  /** The client's open drafts, newest change first: this session's and older ones. */
  get openDrafts(): Assignment[] {
    return [...this.drafts.values()].sort((a, b) => compareUpdates(b, a));
  }

  /** Whether `name` is one of the client's open drafts, as last known. */
  isOpenDraft(name: string): boolean {
    return this.drafts.has(name);
  }

  /** Whether `draft` was shaped in this session (the client may edit its plan while live). */
  isOurs(draft: Assignment): boolean {
    return draft.session === this.name;
  }

  /** An assignment's title by its name, as last read (the name when never read). */
  titleOf(name: string): string {
    return this.titles.get(name) ?? name;
  }

  /** Stops listening; the session itself goes on (EndSession ends it). */
  close(): void {
    this.watch.abort();
  }

  /** Joins again and re-reads the session and the drafts (after a reconnect: events may be missed). */
  async reload(): Promise<void> {
    await this.sessionChanged(await this.api.joinSession({ name: this.name }));
    const before = new Set(this.drafts.keys());
    await this.loadDrafts();
    for (const name of before) {
      if (!this.drafts.has(name)) await this.refresh(name, "care-team");
    }
  }

  /** Care team: a new draft in this session from `assignment`; resolves with the stored draft. */
  async createDraft(assignment: Assignment): Promise<Assignment> {
    const draft = await this.api.createAssignment({
      parent: this.client,
      assignment: { ...assignment, session: this.name },
      requestId: crypto.randomUUID(),
    });
    this.adopt(draft, "you");
    return draft;
  }

  /**
   * Changes only the fields at `paths` of draft `next.name` (no etag: another person's change to
   * other fields stands; on the same field the last write wins); resolves with the stored draft.
   */
  async updateDraft(next: Assignment, paths: readonly string[]): Promise<Assignment> {
    const draft = await this.ownWrite(next.name,
      () => this.api.updateAssignment({ assignment: { ...next, etag: "" }, updateMask: { paths: [...paths] } }));
    this.adopt(draft, "you");
    return draft;
  }

  /** Care team: brings an older draft into this session (the client may then edit its plan). */
  async reopen(name: string): Promise<Assignment> {
    return this.updateDraft(create(AssignmentSchema, { name, session: this.name }), ["session"]);
  }

  /** Care team: assigns the draft (ActivateAssignment); resolves with the active assignment. */
  async assign(name: string): Promise<Assignment> {
    const assignment = await this.ownWrite(name, () => this.api.activateAssignment({ name }));
    this.settle(assignment);
    return assignment;
  }

  /** Care team: discards the draft (CancelAssignment). */
  async discard(name: string): Promise<void> {
    const assignment = await this.ownWrite(name, () => this.api.cancelAssignment({ name, reason: "discarded in session" }));
    this.settle(assignment);
  }

  /** Care team: ends the session; resolves with it, its summary set. */
  async end(discussed = ""): Promise<Session> {
    await this.sessionChanged(await this.api.endSession({ name: this.name, discussed }));
    return this.session;
  }

  /** Typed addEventListener; returns the remover. */
  on<K extends keyof LiveSessionEventMap>(type: K, listener: (event: LiveSessionEventMap[K]) => void): () => void {
    const wrapped = listener as unknown as EventListener;
    this.addEventListener(type, wrapped);
    return () => this.removeEventListener(type, wrapped);
  }

  private async loadDrafts(): Promise<void> {
    const found = new Map<string, Assignment>();
    let pageToken = "";
    do {
      const page = await this.api.listAssignments({ parent: this.client, states: [Assignment_State.DRAFT], pageSize: 100, pageToken });
      for (const draft of page.assignments) found.set(draft.name, draft);
      pageToken = page.nextPageToken;
    } while (pageToken);
    for (const draft of found.values()) this.adopt(draft, "care-team");
  }

  private onEvent(event: HomeworkEvent): void {
    if (event.client !== "" && event.client !== this.client) return;
    this.emit("event", event);
    const by = this.actorOf(event.actor);
    if (event.type === Event_Type.SESSION_UPDATED && event.resource === this.name) {
      void this.api.getSession({ name: this.name }).then((session) => this.sessionChanged(session), () => undefined);
    } else if ((event.type === Event_Type.ASSIGNMENT_CREATED || event.type === Event_Type.ASSIGNMENT_UPDATED)
      && event.resource.startsWith(`${this.client}/assignments/`)) {
      if (by === "you" && this.ownEventArrived(event.resource)) return;
      // The watch asks for the assignment with its event; read again only when it came without.
      if (event.assignment?.name === event.resource) this.apply(event.assignment, by);
      else void this.refresh(event.resource, by);
    }
  }

  /**
   * Runs one write of this page on assignment `name`. A write makes one event, and events arrive
   * in commit order, so an event of this caller on `name` that arrives while the write is
   * waiting for its own was committed no later than it: the write's answer (the stored
   * assignment, which this page adopts) already holds that change, and it is not read again.
   * A write that fails without its event is then read again in case an event was counted off
   * for it (the same person writing from another page, or its own write committed but unanswered).
   */
  private async ownWrite<T>(name: string, write: () => Promise<T>): Promise<T> {
    this.ownWrites.set(name, (this.ownWrites.get(name) ?? 0) + 1);
    try {
      return await write();
    } catch (error) {
      if (!this.ownEventArrived(name)) void this.refresh(name, "you");
      throw error;
    }
  }

  /** Counts off one of this page's writes on `name`; false when none was waiting for its event. */
  private ownEventArrived(name: string): boolean {
    const waiting = this.ownWrites.get(name) ?? 0;
    if (waiting <= 1) this.ownWrites.delete(name);
    else this.ownWrites.set(name, waiting - 1);
    return waiting > 0;
  }

  /** A newer copy of the Session; an ended one's assignments are read for their titles first. */
  private async sessionChanged(session: Session): Promise<void> {
    const summary = session.summary;
    if (summary !== undefined) {
      for (const name of [...summary.assigned, ...summary.draftsOpen]) {
        if (this.titles.has(name)) continue;
        try {
          this.titles.set(name, (await this.api.getAssignment({ name })).title);
        } catch {
          // Left as its name.
        }
      }
    }
    this.session = session;
    this.emit("session", session);
  }

  /** Reads an assignment again and tells the panels what became of it. */
  private async refresh(name: string, by: ChangedBy): Promise<void> {
    try {
      this.apply(await this.api.getAssignment({ name }), by);
    } catch {
      // Unreadable now (a token being refreshed, a reconnect): the next event or reload reads it.
    }
  }

  /** Tells the panels what became of an assignment as stored. */
  private apply(assignment: Assignment, by: ChangedBy): void {
    if (assignment.state === Assignment_State.DRAFT) this.adopt(assignment, by);
    else this.settle(assignment);
  }

  /** A draft as stored: kept unless an older copy than the one known (a slow re-read). */
  private adopt(draft: Assignment, by: ChangedBy): void {
    const known = this.drafts.get(draft.name);
    if (known !== undefined && compareUpdates(known, draft) > 0) return;
    if (known !== undefined && known.etag === draft.etag && draft.etag !== "") return;
    this.drafts.set(draft.name, draft);
    this.titles.set(draft.name, draft.title);
    this.emit("draft", { assignment: draft, by });
  }

  /** An assignment no longer a draft: removed, and announced once when assigned in this session. */
  private settle(assignment: Assignment): void {
    const wasDraft = this.drafts.delete(assignment.name);
    this.titles.set(assignment.name, assignment.title);
    const assigned = assignment.state === Assignment_State.ACTIVE;
    if (wasDraft) this.emit("draft-removed", { name: assignment.name, reason: assigned ? "assigned" : "discarded" });
    if (assigned && (wasDraft || assignment.session === this.name) && !this.announced.has(assignment.name)) {
      this.announced.add(assignment.name);
      this.emit("assigned", assignment);
    }
  }

  private actorOf(actor: string): ChangedBy {
    if (actor !== "" && actor === this.caller.subject) return "you";
    return actor !== "" && actor === this.client.split("/clients/")[1] ? "client" : "care-team";
  }

  private emit<K extends keyof LiveSessionEventMap>(type: K, detail: LiveSessionEventMap[K]["detail"]): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/**
 * The order of two stored copies of one assignment by their update_time, to the nanosecond
 * (< 0, 0, > 0): two people's writes often land within the same millisecond, and a copy read
 * before the later one must never replace it.
 */
export function compareUpdates(a: Assignment, b: Assignment): number {
  const at = (x: Assignment) => (x.updateTime ? x.updateTime.seconds * 1_000_000_000n + BigInt(x.updateTime.nanos) : 0n);
  const difference = at(a) - at(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}
