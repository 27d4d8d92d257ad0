// The portal's pure pieces with plain values, no server or browser: the plan in plain words
// (English and Spanish; the client's own words for the routine shown once, never with the offset
// added again; every coded routine labelled in every locale; the if-then plan), what is due now
// from the service's current period with the outbox counted apart in the client's time zone (a
// practice late in the evening in Berlin counts on the Berlin day), the service's adherence
// figures in words (weeks for a weekly practice), and the SUDS series per hierarchy step.
// Run: tsx portal_units_test.ts
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AssignmentSchema, EventTiming, ExerciseKind, Schedule_Period }
  from "../../plugin/web/src/gen/therapy/homework/v1/assignment_pb.js";
import { CompletionSchema, Completion_Status } from "../../plugin/web/src/gen/therapy/homework/v1/completion_pb.js";
import { HierarchySchema } from "../../plugin/web/src/gen/therapy/homework/v1/hierarchy_pb.js";
import { catalogue, resolveLocale } from "../../plugin/web/src/shared/i18n.js";
import { planLines, planText, timingText } from "../../plugin/web/src/shared/plan-text.js";
import { dueToday, localDay, sudsByStep } from "../../plugin/web/src/portal/practice-days.js";
import { AdherenceSchema, AssignmentReviewSchema, PracticePeriod_State }
  from "../../plugin/web/src/gen/therapy/homework/v1/review_summary_pb.js";
import { adherenceWords } from "../../plugin/web/src/shared/adherence.js";
const A = "practices/demo/clients/alex/assignments/";

const walk = create(AssignmentSchema, {
  name: `${A}walk`, title: "Walk",
  exercise: { kind: ExerciseKind.SELF_CARE },
  schedule: {
    targetCount: 3, period: Schedule_Period.WEEK, minutesPerPractice: 20, startDate: "2026-03-04",
    endDate: "2026-04-30", preferredLocalTime: "07:30",
    habitAnchor: { when: EventTiming.AFTER_BREAKFAST, offsetMinutes: 10 },
    environmentalCue: "shoes by the door", minimumVersion: "Walk to the corner",
  },
});
const breathe = create(AssignmentSchema, {
  name: `${A}breathe`, title: "Breathe",
  exercise: { kind: ExerciseKind.SKILLS_PRACTICE },
  schedule: { targetCount: 2, period: Schedule_Period.DAY, startDate: "2026-03-01",
    habitAnchor: { when: EventTiming.WAKE, clientWords: "when my alarm goes off" }, minimumVersion: "3 breaths" },
});
const completion = (assignment: string, id: string, at: string, status = Completion_Status.DONE,
                    suds?: { before?: number; peak?: number; after?: number }) =>
  create(CompletionSchema, { name: `${A}${assignment}/completions/${id}`, occurTime: timestampFromDate(new Date(at)),
    occurTimeZone: "Europe/Berlin", status, suds });

// The plan in plain words.
const en = catalogue("en");
test("the plan's parts in English", () => {
  assert.deepEqual(planLines(walk, en).map((l) => [l.part, l.text]), [
    ["often", "3 times a week, 20 minutes each time, until 2026-04-30"],
    ["when", "around 07:30"],
    ["anchor", "10 min after breakfast"],
    ["cue", "shoes by the door"],
    ["minimum", "Walk to the corner"],
  ]);
});
test("the client's own words win over the coded routine", () => {
  assert.equal(planLines(breathe, en).find((l) => l.part === "anchor")?.text, "when my alarm goes off");
});
test("the plan as one Spanish paragraph", () => {
  assert.equal(planText(breathe, catalogue("es")), "Dos veces al día. When my alarm goes off. En un día difícil: 3 breaths.");
});
// The anchor: the client's words are their phrasing of when, so the offset is not added to them
// (the built-in "Activity log" template: 30 min before sleep, "half an hour before bed").
const withAnchor = (habitAnchor: { when: EventTiming; offsetMinutes?: number; clientWords?: string }) =>
  create(AssignmentSchema, { name: `${A}anchored`, schedule: { targetCount: 1, period: Schedule_Period.DAY, habitAnchor } });
const anchorOf = (assignment: ReturnType<typeof withAnchor>, locale: "en" | "es") =>
  planLines(assignment, catalogue(locale)).find((l) => l.part === "anchor")?.text;
const activityLog = withAnchor({ when: EventTiming.BEFORE_SLEEP, offsetMinutes: -30, clientWords: "half an hour before bed" });
test("client words with an offset are shown once, verbatim", () => {
  assert.equal(anchorOf(activityLog, "en"), "half an hour before bed");
});
test("no doubled timing in the paragraph", () => {
  assert.equal(planText(activityLog, en), "Once a day. Half an hour before bed.");
});
// Coded routines without client words are spelled out, with the offset when there is one.
test("coded routines without client words, with and without an offset; none when unspecified", () => {
  assert.deepEqual([
    anchorOf(withAnchor({ when: EventTiming.WAKE }), "en"),
    anchorOf(withAnchor({ when: EventTiming.BEFORE_SLEEP, offsetMinutes: -30 }), "en"),
    anchorOf(withAnchor({ when: EventTiming.LUNCH, offsetMinutes: 15 }), "es"),
    anchorOf(withAnchor({ when: EventTiming.UNSPECIFIED, offsetMinutes: 15 }), "en"),
  ], ["waking up", "30 min before going to sleep", "15 min después del almuerzo", undefined]);
});
// Every routine has a label in every locale, found by the generated name and the proto name.
const routines = Object.values(EventTiming).filter((v): v is EventTiming => typeof v === "number" && v !== EventTiming.UNSPECIFIED);
for (const locale of ["en", "es"] as const) {
  test(`every EventTiming has a ${locale} label`, () => {
    const missing = routines.filter((r) => timingText(r, catalogue(locale)) === "").map((r) => EventTiming[r]);
    assert.deepEqual(missing, []);
  });
}
test("a routine is found by the enum value, its generated name and its proto name", () => {
  assert.deepEqual([timingText("EVENT_TIMING_WAKE", en), timingText("WAKE", en), timingText(EventTiming.WAKE, en),
    timingText("EVENT_TIMING_UNSPECIFIED", en)], ["waking up", "waking up", "waking up", ""]);
});
test("locales resolve to a supported one, English by default", () => {
  assert.deepEqual([resolveLocale("es-MX"), resolveLocale("fr"), resolveLocale(undefined)], ["es", "en", "en"]);
});

// Days.
test("23:30 UTC is the next day in Berlin", () => {
  assert.equal(localDay(new Date("2026-03-10T23:30:00Z"), "Europe/Berlin"), "2026-03-11");
});

// What is due comes from the service's current period: breathe today 1 of 2 (due), walk this week
// 3 of 3 (met: not due). Nothing is counted from completions here.
const period = (firstDay: string, lastDay: string, expectedCount: number, completedCount: number) =>
  ({ firstDay, lastDay, expectedCount, completedCount,
    state: completedCount >= expectedCount ? PracticePeriod_State.MET : PracticePeriod_State.OPEN });
const reviews = [
  create(AssignmentReviewSchema, { assignment: walk, adherence: { period: Schedule_Period.WEEK,
    currentPeriod: period("2026-03-09", "2026-03-15", 3, 3) } }),
  create(AssignmentReviewSchema, { assignment: breathe, adherence: { period: Schedule_Period.DAY,
    currentPeriod: period("2026-03-11", "2026-03-11", 2, 1) } }),
];
test("due: breathe 1 of 2 today; walk's week is met", () => {
  assert.deepEqual(dueToday([walk, breathe], reviews, "Europe/Berlin").map((d) => [d.assignment.title, d.done, d.target, d.weekly]),
    [["Breathe", 1, 2, false]]);
});
test("nothing due without the service's figures", () => {
  assert.equal(dueToday([walk, breathe], [], "Europe/Berlin").length, 0);
});
// The outbox counts apart: breathe's second practice waits on the device (today in Berlin), one
// from yesterday does not count for today, and another assignment's is not breathe's.
const pending = [
  { parent: `${A}breathe`, occurTime: new Date("2026-03-10T23:45:00Z") },
  { parent: `${A}breathe`, occurTime: new Date("2026-03-10T12:00:00Z") },
  { parent: `${A}walk`, occurTime: new Date("2026-03-11T08:00:00Z") },
];
test("due: breathe 1 of 2 stored, 1 waiting in the outbox (yesterday's not counted)", () => {
  assert.deepEqual(dueToday([walk, breathe], reviews, "Europe/Berlin", pending)
    .map((d) => [d.assignment.title, d.done, d.pending, d.target]), [["Breathe", 1, 1, 2]]);
});

// The service's figures in words: a weekly practice in weeks, never days.
const since = timestampFromDate(new Date("2026-03-02T09:00:00Z"));
const weekly = adherenceWords(create(AdherenceSchema, { period: Schedule_Period.WEEK, targetCount: 4, completedCount: 3,
  openCount: 1, periodsElapsed: 1, streak: 3, streakForgiven: 1, currentPeriod: period("2026-03-09", "2026-03-15", 4, 3) }),
since, "en");
test("weekly figures are in weeks and say their period", () => {
  assert.deepEqual([weekly.sincePeriod, weekly.current, weekly.streak], [
    "Since Mon, Mar 2: 3 of 4 practices done over 1 week (1 still open)",
    "This week: 3 of 4 done",
    "Streak: 3 weeks (1 missed week forgiven)"]);
});
const daily = adherenceWords(create(AdherenceSchema, { period: Schedule_Period.DAY, targetCount: 7, completedCount: 5,
  periodsElapsed: 7, streak: 1, currentPeriod: period("2026-03-08", "2026-03-08", 1, 1) }), since, "es");
test("daily figures in Spanish", () => {
  assert.deepEqual([daily.sincePeriod, daily.current, daily.streak], [
    "Desde el lun, 2 mar: 5 de 7 prácticas hechas en 7 días", "Hoy: 1 de 1 hechas", "Racha: 1 día"]);
});

// SUDS per hierarchy step, oldest first; a step without ratings is left out.
const hierarchy = create(HierarchySchema, { name: "practices/demo/clients/alex/hierarchies/h1",
  steps: [{ situation: "Eye contact" }, { situation: "Say hello" }], anchors: { calm: "sofa" } });
const exposure = (id: string, step: number) => create(AssignmentSchema, { name: `${A}${id}`, exercise: {
  kind: ExerciseKind.EXPOSURE_PRACTICE, details: { case: "exposurePractice",
    value: { situation: `step ${step}`, hierarchy: hierarchy.name, hierarchyStep: step } } } });
const series = sudsByStep([exposure("e0", 0), exposure("e1", 1)], [
  completion("e0", "x2", "2026-03-10T10:00:00Z", Completion_Status.DONE, { before: 50, peak: 60, after: 20 }),
  completion("e0", "x1", "2026-03-09T10:00:00Z", Completion_Status.DONE, { before: 70, peak: 80, after: 50 }),
  completion("e1", "y1", "2026-03-09T10:00:00Z", Completion_Status.SKIPPED),
], [hierarchy]);
test("one series for the rated step, named after it, oldest practice first", () => {
  assert.deepEqual(series.map((s) => [s.situation, s.points.map((p) => p.peak)]), [["Eye contact", [80, 60]]]);
});
