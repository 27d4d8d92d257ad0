// The co-design rules of a draft on the page side, with plain values (no server, no browser): the
// update mask names only the fields a person changed (each schedule field alone), and one
// person's editor (panels/draft-editor.ts) sends one UpdateAssignment at a time naming only its
// own changes, keeps what is being typed when the other person's change arrives, and takes the
// other person's change of any other field.
// Run: tsx integration-tests/session/draft_editing_units_test.ts
import assert from "node:assert/strict";
import { test } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { TimestampSchema, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { AssignmentSchema, ScheduleSchema, EventTiming, ExerciseKind, Schedule_Period, type Assignment }
  from "../../plugin/web/src/gen/therapy/homework/v1/assignment_pb.js";
import { changedPaths, withPaths, LiveSession } from "../../plugin/web/src/client/live-session.js";
import type { HomeworkClient } from "../../plugin/web/src/client/homework-client.js";
import { Assignment_State } from "../../plugin/web/src/gen/therapy/homework/v1/assignment_pb.js";
import { EventSchema, Event_Type, type Event as HomeworkEvent } from "../../plugin/web/src/gen/therapy/homework/v1/event_pb.js";
import { SessionSchema, Session_State } from "../../plugin/web/src/gen/therapy/homework/v1/session_pb.js";
import { CallerIdentitySchema, CallerIdentity_Role } from "../../plugin/web/src/gen/therapy/homework/v1/homework_service_pb.js";
import { DraftEditor } from "../../plugin/web/src/panels/draft-editor.js";
const name = "practices/demo/clients/alex/assignments/d1";
let clock = 1_000;
const draft = (schedule: MessageInitShape<typeof ScheduleSchema>, title = "Walk"): Assignment => create(AssignmentSchema, {
  name, title, state: Assignment_State.DRAFT, exercise: { kind: ExerciseKind.SELF_CARE, instructions: "Walk to the park" },
  schedule: { targetCount: 1, period: Schedule_Period.DAY, startDate: "2026-12-03", ...schedule } as MessageInitShape<typeof ScheduleSchema>,
  updateTime: timestampFromMs(clock++),
});

// The mask: nothing for the same content, each changed schedule field by its own path.
const base = draft({ environmentalCue: "shoes by the door" });
test("no change, no path", () => {
  assert.deepEqual(changedPaths(base, base), []);
});
test("a title change names title", () => {
  assert.deepEqual(changedPaths(base, { ...base, title: "Walk daily" }), ["title"]);
});
test("two schedule fields, two paths, snake_case", () => {
  assert.deepEqual(changedPaths(base, draft({ environmentalCue: "keys", minimumVersion: "to the corner" })),
    ["schedule.environmental_cue", "schedule.minimum_version"]);
});
test("the habit anchor is one path as a whole", () => {
  assert.deepEqual(changedPaths(base, draft({ environmentalCue: "shoes by the door",
    habitAnchor: { when: EventTiming.AFTER_BREAKFAST, clientWords: "after coffee" } })), ["schedule.habit_anchor"]);
});
test("instructions change the exercise", () => {
  assert.deepEqual(changedPaths(base, { ...base, exercise: { ...base.exercise!, instructions: "Walk to the river" } }),
    ["exercise"]);
});
test("no schedule reads as one at its defaults; an unset anchor differs from an empty one", () => {
  const bare = create(AssignmentSchema, { name, title: "Walk" });
  assert.deepEqual(changedPaths(bare, { ...bare, schedule: create(ScheduleSchema) }), []);
  assert.deepEqual(changedPaths(bare, { ...bare, schedule: create(ScheduleSchema, { habitAnchor: {} }) }),
    ["schedule.habit_anchor"]);
});
test("changedPaths compares plain fields: the schedule's and the top-level paths' are scalars, enums or messages", () => {
  // live-session.ts sameValue compares those by value; a list, map or oneof there would need a case.
  const topLevel = AssignmentSchema.fields.filter((f) => ["title", "exercise", "rationale", "phase"].includes(f.name));
  assert.equal(topLevel.length, 4);
  for (const field of [...topLevel, ...ScheduleSchema.fields]) {
    assert.ok(["scalar", "enum", "message"].includes(field.fieldKind) && field.oneof === undefined, field.name);
  }
});
test("an exercise copied with a new instruction differs; the same copy unchanged does not", () => {
  const a = draft({});
  const copy = { ...a, exercise: { ...a.exercise!, instructions: a.exercise!.instructions } };
  assert.deepEqual(changedPaths(a, copy), []);
  assert.deepEqual(changedPaths(a, { ...a, exercise: { ...a.exercise!, instructions: "Another" } }), ["exercise"]);
});
test("withPaths takes only the named fields", () => {
  const merged = withPaths(base, draft({ environmentalCue: "keys", minimumVersion: "to the corner" }, "Run"),
    ["schedule.minimum_version"]);
  assert.deepEqual([merged.title, merged.schedule?.environmentalCue, merged.schedule?.minimumVersion],
    ["Walk", "shoes by the door", "to the corner"]);
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

// The editor against a fake session: updates are held until released, so the test decides the
// order. The tests below are one story, run in order.
interface Sent { next: Assignment; paths: string[]; release: (stored: Assignment) => void }
const sent: Sent[] = [];
const fake = {
  updateDraft: (next: Assignment, paths: readonly string[]) => new Promise<Assignment>((resolve) => {
    sent.push({ next, paths: [...paths], release: resolve });
  }),
} as unknown as LiveSession;
const errors: unknown[] = [];
const editor = new DraftEditor(fake, base, () => undefined, (error) => errors.push(error));

test("typing sends one UpdateAssignment at a time, naming only the cue", async () => {
  // The therapist types "k", "ke", "key" into the cue: one call in flight, then the latest text.
  editor.edit(draft({ environmentalCue: "k" }));
  editor.edit(draft({ environmentalCue: "ke" }));
  editor.edit(draft({ environmentalCue: "key" }));
  await settle();
  assert.deepEqual(sent.map((s) => [s.paths, s.next.schedule?.environmentalCue]), [[["schedule.environmental_cue"], "k"]],
    "one UpdateAssignment in flight, naming only the cue");
});
test("the form keeps what is typed", () => {
  assert.equal(editor.view.schedule?.environmentalCue, "key");
});
test("the other person's field is taken, the field being typed is kept", () => {
  // Meanwhile the client's change of another field arrives (an event's re-read): it is taken, and
  // the cue being typed is not overwritten by the server's older value.
  editor.remote(draft({ environmentalCue: "shoes by the door", preferredLocalTime: "07:30" }));
  assert.deepEqual([editor.view.schedule?.environmentalCue, editor.view.schedule?.preferredLocalTime], ["key", "07:30"]);
});
test("then the latest text, still naming only the cue (not the client's time)", async () => {
  sent[0]!.release(draft({ environmentalCue: "k", preferredLocalTime: "07:30" }));
  await settle();
  await settle();
  assert.deepEqual(sent.slice(1).map((s) => [s.paths, s.next.schedule?.environmentalCue, s.next.schedule?.preferredLocalTime]),
    [[["schedule.environmental_cue"], "key", "07:30"]]);
});
test("settled: nothing more to send, the stored draft shown", async () => {
  sent[1]!.release(draft({ environmentalCue: "key", preferredLocalTime: "07:30" }));
  await editor.settled();
  assert.deepEqual([editor.busy, editor.view.schedule?.environmentalCue, sent.length], [false, "key", 2]);
});
test("the later write of the same field by the other person shows", () => {
  // A change of the same field by the other person after ours: the last write wins and shows.
  editor.remote(draft({ environmentalCue: "keys on the hook", preferredLocalTime: "07:30" }));
  assert.equal(editor.view.schedule?.environmentalCue, "keys on the hook");
});
test("no save failed", () => {
  assert.equal(errors.length, 0);
});

// LiveSession over a fake service: an event is read again; an older copy than the one known (a slow
// re-read) is dropped; who changed it comes from the event's actor; an activated draft is removed
// and announced once.
const stored = new Map<string, Assignment>([[name, base]]);
let push: (event: HomeworkEvent) => void = () => undefined;
const api = {
  getCaller: async () => create(CallerIdentitySchema, { subject: "dr-ada", role: CallerIdentity_Role.THERAPIST }),
  joinSession: async () => create(SessionSchema, { name: "practices/demo/sessions/s1", client: "practices/demo/clients/alex",
    state: Session_State.LIVE }),
  listAssignments: async () => ({ assignments: [base], nextPageToken: "" }),
  getAssignment: async ({ name: n }: { name: string }) => stored.get(n)!,
} as unknown as HomeworkClient;
const updated = (actor: string) => create(EventSchema, { type: Event_Type.ASSIGNMENT_UPDATED, client: "practices/demo/clients/alex",
  resource: name, actor });
let live: LiveSession | undefined;

test("LiveSession drops an older copy, names the client's change by the client, announces assigned once", async () => {
  live = await LiveSession.open({ api, session: "practices/demo/sessions/s1", client: "practices/demo/clients/alex",
    events: (onEvent) => { push = onEvent; } });
  const seen: string[] = [];
  live.on("draft", (e) => seen.push(`draft ${e.detail.by} ${e.detail.assignment.schedule?.environmentalCue}`));
  live.on("draft-removed", (e) => seen.push(`removed ${e.detail.reason}`));
  live.on("assigned", (e) => seen.push(`assigned ${e.detail.title}`));
  stored.set(name, create(AssignmentSchema, { ...draft({ environmentalCue: "stale" }), updateTime: timestampFromMs(1) }));
  push(updated("alex"));
  await settle();
  stored.set(name, draft({ environmentalCue: "the client's cue" }));
  push(updated("alex"));
  await settle();
  stored.set(name, create(AssignmentSchema, { ...draft({ environmentalCue: "the client's cue" }), state: Assignment_State.ACTIVE }));
  push(updated("dr-ada"));
  push(updated("dr-ada"));
  await settle();
  assert.deepEqual(seen, ["draft client the client's cue", "removed assigned", "assigned Walk"],
    "older copy dropped, the client's change by the client, assigned once");
});
test("no open draft after assign", () => {
  assert.ok(live, "the LiveSession opened");
  assert.equal(live.openDrafts.length, 0);
  live.close();
});

// The event of this page's own write is not read again (the write's answer is the stored
// draft); another person's event during the write is; a write that fails after an event of
// ours was counted off for it reads the draft again.
let reads = 0;
let answer: (stored: Assignment) => void = () => undefined;
let refuse: (error: Error) => void = () => undefined;
let own: LiveSession | undefined;
const ownSeen: string[] = [];
let writing2: Promise<Assignment> | undefined;

test("our own write's event during the write: no GetAssignment", async () => {
  stored.set(name, base);
  own = await LiveSession.open({
    api: { ...api, getAssignment: async ({ name: n }: { name: string }) => { reads++; return stored.get(n)!; },
      updateAssignment: () => new Promise<Assignment>((resolve, reject) => { answer = resolve; refuse = reject; }) } as unknown as HomeworkClient,
    session: "practices/demo/sessions/s1", client: "practices/demo/clients/alex", events: (onEvent) => { push = onEvent; } });
  own.on("draft", (e) => ownSeen.push(`${e.detail.by} ${e.detail.assignment.schedule?.environmentalCue}`));
  const writing = own.updateDraft(draft({ environmentalCue: "mine" }), ["schedule.environmental_cue"]);
  push(updated("dr-ada"));
  await settle();
  assert.equal(reads, 0);
  answer(draft({ environmentalCue: "mine" }));
  await writing;
});
test("an event of ours with no write of ours waiting is read again", async () => {
  push(updated("dr-ada"));
  await settle();
  assert.equal(reads, 1);
});
test("the client's event during our write is read again", async () => {
  assert.ok(own, "the LiveSession opened");
  writing2 = own.updateDraft(draft({ environmentalCue: "mine again" }), ["schedule.environmental_cue"]);
  stored.set(name, draft({ environmentalCue: "the client's" }));
  push(updated("alex"));
  await settle();
  assert.equal(reads, 2);
});
test("ours during the write: counted off, not read", async () => {
  push(updated("dr-ada"));
  await settle();
  assert.equal(reads, 2);
});
test("that write then failed: the event counted off for it was not its answer, so the draft is read again", async () => {
  refuse(new Error("unavailable"));
  await writing2?.catch(() => undefined);
  await settle();
  assert.equal(reads, 3);
});
test("what the panels were told", () => {
  assert.deepEqual(ownSeen, ["you mine", "client the client's", "you the client's"]);
  own?.close();
});

// The watch asks for assignments, so an assignment's event normally carries it: applied as it
// comes, without GetAssignment; an older copy than the one known is still dropped.
test("an event carrying its assignment is shown without reading it again", async () => {
  let carriedReads = 0;
  const carried = await LiveSession.open({
    api: { ...api, getAssignment: async ({ name: n }: { name: string }) => { carriedReads++; return stored.get(n)!; } } as unknown as HomeworkClient,
    session: "practices/demo/sessions/s1", client: "practices/demo/clients/alex", events: (onEvent) => { push = onEvent; } });
  const shown: string[] = [];
  carried.on("draft", (e) => shown.push(`${e.detail.by} ${e.detail.assignment.schedule?.environmentalCue}`));
  stored.set(name, base);
  push(create(EventSchema, { ...updated("alex"), assignment: draft({ environmentalCue: "carried" }) }));
  await settle();
  push(create(EventSchema, { ...updated("alex"),
    assignment: create(AssignmentSchema, { ...draft({ environmentalCue: "older" }), updateTime: timestampFromMs(1) }) }));
  await settle();
  assert.equal(carriedReads, 0, "no GetAssignment for an event that carried its assignment");
  assert.deepEqual(shown, ["client carried"]);
  carried.close();
});

// Two people's writes often land within one millisecond: a copy older by less than that (read
// before the other write) must not replace the newer one, or a panel shows a field reverted.
test("a copy older by less than a millisecond is dropped", async () => {
  const live2 = await LiveSession.open({ api, session: "practices/demo/sessions/s1", client: "practices/demo/clients/alex",
    events: (onEvent) => { push = onEvent; } });
  const shown: string[] = [];
  live2.on("draft", (e) => shown.push(e.detail.assignment.schedule?.environmentalCue ?? ""));
  const copy = (cue: string, nanos: number, etag: string) => create(AssignmentSchema, {
    ...draft({ environmentalCue: cue }), etag, updateTime: create(TimestampSchema, { seconds: 1_800_000_000n, nanos }) });
  push(create(EventSchema, { ...updated("alex"), assignment: copy("newer", 500_400_000, "e2") }));
  await settle();
  push(create(EventSchema, { ...updated("alex"), assignment: copy("older", 500_100_000, "e1") }));
  await settle();
  assert.deepEqual(shown, ["newer"]);
  live2.close();
});
