// What the portal shows beside the service's figures: what is due now (from each assignment's
// current period in GetReviewSummary, plus what waits in this device's outbox) and the SUDS
// series per exposure step. Adherence is never counted here: "expected", "done", the streak and
// the calendar come from the service (core/clinical/practice_periods.h, shared/adherence.ts), so
// the client and the therapist see the same numbers. Pure functions of their inputs.
import { ExerciseKind, Schedule_Period, type Assignment } from "../gen/therapy/homework/v1/assignment_pb.js";
import { Completion_Status, type Completion } from "../gen/therapy/homework/v1/completion_pb.js";
import type { Hierarchy } from "../gen/therapy/homework/v1/hierarchy_pb.js";
import type { AssignmentReview } from "../gen/therapy/homework/v1/review_summary_pb.js";
import type { SudsChartPoint } from "../shared/suds-chart.js";
import { dateFormat } from "../shared/intl-formats.js";

/** `YYYY-MM-DD` of an instant in an IANA zone. */
export function localDay(instant: Date, timeZone: string): string {
  return dateFormat("en-CA", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit",
  }).format(instant);
}

/**
 * Whether a completion counts as practice (done, partial or the two-minute version), the
 * service's rule (CountsAsPractice); used only for what waits in this device's outbox.
 */
export function counts(completion: Completion): boolean {
  return completion.status === Completion_Status.DONE ||
    completion.status === Completion_Status.PARTIAL ||
    completion.status === Completion_Status.MINIMUM_VERSION;
}

/** The assignment's resource name of a completion (its parent). */
export function assignmentOf(completion: Completion): string {
  return completion.name.replace(/\/completions\/[^/]+$/, "");
}

/** A practice due now: the assignment and how far its current period's target is met. */
export interface DueItem {
  assignment: Assignment;
  /** Whether the period is this week (a weekly schedule) rather than today. */
  weekly: boolean;
  /** Practices the service counted in the current period. */
  done: number;
  /** What the current period expects. */
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
 * The assignments (in the order given, outcome measures excluded: they have their own view)
 * whose current period, as the service counted it (`reviews`, GetReviewSummary), expects practice
 * not yet done. `pending` (the outbox) is counted apart, by the client's local day against the
 * period's days: an assignment whose target is met only with pending practices stays listed, so
 * Today can say "saved on this device, sending".
 */
export function dueToday(assignments: Assignment[], reviews: AssignmentReview[], timeZone: string,
                         pending: PendingPractice[] = []): DueItem[] {
  return assignments.flatMap((assignment) => {
    if (assignment.exercise?.kind === ExerciseKind.OUTCOME_MEASURE) return [];
    const current = reviews.find((r) => r.assignment?.name === assignment.name)?.adherence?.currentPeriod;
    if (!current || current.completedCount >= current.expectedCount) return [];
    const waiting = pending.filter((p) => {
      if (p.parent !== assignment.name) return false;
      const day = localDay(p.occurTime, timeZone);
      return day >= current.firstDay && day <= current.lastDay;
    }).length;
    return [{
      assignment, weekly: assignment.schedule?.period === Schedule_Period.WEEK,
      done: current.completedCount, target: current.expectedCount, pending: waiting,
    }];
  });
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
