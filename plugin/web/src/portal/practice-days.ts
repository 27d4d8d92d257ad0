// What the portal shows, computed from the client's assignments and completions in the client's
// time zone: what is due today, the four-week practice calendar against target, and the SUDS
// series per exposure step. Pure functions of their inputs (no clock, no DOM) so the views and
// the tests read the same numbers.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ExerciseKind, Schedule_Period, type Assignment } from "../gen/therapy/homework/v1/assignment_pb.js";
import { Completion_Status, type Completion } from "../gen/therapy/homework/v1/completion_pb.js";
import type { Hierarchy } from "../gen/therapy/homework/v1/hierarchy_pb.js";
import type { SudsChartPoint } from "../shared/suds-chart.js";

/** `YYYY-MM-DD` of an instant in an IANA zone. */
export function localDay(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit",
  }).format(instant);
}

/** The day `days` after `day` (both `YYYY-MM-DD`; negative goes back). */
export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** The Monday starting the week of `day` (weeks run Monday to Sunday, as in the schedule). */
export function weekStart(day: string): string {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 Sunday
  return addDays(day, -((weekday + 6) % 7));
}

/** Whether a completion counts as practice (done, partial or the two-minute version). */
export function counts(completion: Completion): boolean {
  return completion.status === Completion_Status.DONE ||
    completion.status === Completion_Status.PARTIAL ||
    completion.status === Completion_Status.MINIMUM_VERSION;
}

/** The assignment's resource name of a completion (its parent). */
export function assignmentOf(completion: Completion): string {
  return completion.name.replace(/\/completions\/[^/]+$/, "");
}

/** Whether `assignment` is scheduled on `day`. */
export function scheduledOn(assignment: Assignment, day: string): boolean {
  const schedule = assignment.schedule;
  if (!schedule) return false;
  return schedule.startDate <= day && (schedule.endDate === "" || day <= schedule.endDate);
}

/** A practice due today: the assignment and how far this period's target is met. */
export interface DueItem {
  assignment: Assignment;
  /** Practices counted in the current period (today, or this week). */
  done: number;
  /** The period's target. */
  target: number;
  /** Practices of this period saved on this device and not yet stored by the service (outbox). */
  pending: number;
}

/** A completion saved on the device and not yet sent (an outbox entry, portal/outbox.ts). */
export interface PendingPractice {
  /** The assignment's resource name. */
  parent: string;
  /** When the practice happened. */
  occurTime: Date;
}

/**
 * The assignments due on `today` whose current period's target is not yet met by what the
 * service stored, outcome measures excluded (they have their own view). `completions` are the
 * client's, any order. `pending` (the outbox) is counted apart: an assignment whose target is met
 * only with pending practices stays listed, so Today can say "saved on this device, sending".
 */
export function dueToday(assignments: Assignment[], completions: Completion[], today: string,
                         timeZone: string, pending: PendingPractice[] = []): DueItem[] {
  return assignments
    .filter((a) => a.exercise?.kind !== ExerciseKind.OUTCOME_MEASURE && scheduledOn(a, today))
    .map((assignment) => {
      const weekly = assignment.schedule?.period === Schedule_Period.WEEK;
      const from = weekly ? weekStart(today) : today;
      const inPeriod = (instant: Date) => {
        const day = localDay(instant, timeZone);
        return day >= from && day <= today;
      };
      const done = completions.filter((c) => assignmentOf(c) === assignment.name && counts(c) && c.occurTime &&
        inPeriod(timestampDate(c.occurTime))).length;
      const waiting = pending.filter((p) => p.parent === assignment.name && inPeriod(p.occurTime)).length;
      return { assignment, done, target: assignment.schedule?.targetCount ?? 1, pending: waiting };
    })
    .filter((item) => item.done < item.target);
}

/** One day of the practice calendar. */
export interface CalendarDay {
  day: string;
  /** Practices that count, recorded that day. */
  done: number;
  /** Of those, the two-minute versions. */
  minimum: number;
  /** Whether the assignment was scheduled that day; days outside are shown blank. */
  scheduled: boolean;
  /** Whether the day is after today. */
  future: boolean;
}

/** One week (Monday to Sunday) of one assignment's calendar, with its total against target. */
export interface CalendarWeek {
  start: string;
  days: CalendarDay[];
  done: number;
  /** The week's target: target per week, or per day times the scheduled days. */
  target: number;
}

/** The last `weeks` weeks of `assignment` up to the week of `today`, oldest first. */
export function practiceCalendar(assignment: Assignment, completions: Completion[], today: string,
                                 timeZone: string, weeks = 4): CalendarWeek[] {
  const perDay = new Map<string, { done: number; minimum: number }>();
  for (const completion of completions) {
    if (assignmentOf(completion) !== assignment.name || !counts(completion) || !completion.occurTime) continue;
    const day = localDay(timestampDate(completion.occurTime), timeZone);
    const entry = perDay.get(day) ?? { done: 0, minimum: 0 };
    entry.done++;
    if (completion.status === Completion_Status.MINIMUM_VERSION) entry.minimum++;
    perDay.set(day, entry);
  }
  const weekly = assignment.schedule?.period === Schedule_Period.WEEK;
  const targetCount = assignment.schedule?.targetCount ?? 1;
  const first = addDays(weekStart(today), -7 * (weeks - 1));
  const result: CalendarWeek[] = [];
  for (let w = 0; w < weeks; w++) {
    const start = addDays(first, 7 * w);
    const days: CalendarDay[] = [];
    for (let d = 0; d < 7; d++) {
      const day = addDays(start, d);
      const entry = perDay.get(day) ?? { done: 0, minimum: 0 };
      days.push({ day, ...entry, scheduled: scheduledOn(assignment, day), future: day > today });
    }
    const scheduledDays = days.filter((d) => d.scheduled).length;
    result.push({
      start, days,
      done: days.reduce((sum, d) => sum + d.done, 0),
      target: scheduledDays === 0 ? 0 : weekly ? targetCount : targetCount * scheduledDays,
    });
  }
  return result;
}

/** The SUDS series of one exposure step, for <hw-suds-chart>. */
export interface StepSeries {
  /** A stable key: the hierarchy and step, or the assignment when it names no hierarchy. */
  key: string;
  /** The step's situation. */
  situation: string;
  /** The hierarchy, when the step belongs to one (for its anchors). */
  hierarchy?: Hierarchy;
  points: SudsChartPoint[];
}

/** SUDS ratings per exposure step, oldest practice first; steps without ratings are left out. */
export function sudsByStep(assignments: Assignment[], completions: Completion[],
                           hierarchies: Hierarchy[]): StepSeries[] {
  const series = new Map<string, StepSeries>();
  const sorted = [...completions].sort((a, b) =>
    Number((a.occurTime?.seconds ?? 0n) - (b.occurTime?.seconds ?? 0n)));
  for (const assignment of assignments) {
    const details = assignment.exercise?.details;
    if (details?.case !== "exposurePractice") continue;
    const step = details.value;
    const hierarchy = hierarchies.find((h) => h.name === step.hierarchy);
    const key = hierarchy ? `${hierarchy.name}#${step.hierarchyStep}` : assignment.name;
    const situation = hierarchy?.steps[step.hierarchyStep]?.situation ?? step.situation;
    const entry = series.get(key) ?? { key, situation, hierarchy, points: [] };
    for (const completion of sorted) {
      if (assignmentOf(completion) !== assignment.name || !completion.suds) continue;
      const { before, peak, after } = completion.suds;
      if (before === undefined && peak === undefined && after === undefined) continue;
      entry.points.push({ occurTime: completion.occurTime, before, peak, after });
    }
    series.set(key, entry);
  }
  return [...series.values()].filter((s) => s.points.length > 0);
}
