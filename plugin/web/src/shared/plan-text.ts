// An assignment's plan in plain words, the way the client agreed it: how often, when (preferred
// time), the routine it is stacked on (in the client's own words when they gave them), the if-then
// plan ("If <situation>, then I will <action>", verbatim), the cue, and the two-minute version
// that still counts. One wording for the portal and the therapist
// panels, so both show the client the same plan.
import type { Assignment, HabitAnchor } from "../gen/therapy/homework/v1/assignment_pb.js";
import { EventTiming, Schedule_Period } from "../gen/therapy/homework/v1/assignment_pb.js";
import { formatDay, type Catalogue, type Locale } from "./i18n.js";

/** The parts of a plan, each a short localised phrase; absent parts are omitted. */
export interface PlanLine {
  /** Which part: fixed keys a UI can style or test. */
  part: "often" | "when" | "anchor" | "ifThen" | "cue" | "minimum";
  /** The label, e.g. "How often". */
  label: string;
  /** The phrase, e.g. "3 times a week, 10 minutes each time". */
  text: string;
}

/** The plan of `assignment` as labelled lines, in the order a client reads them. */
export function planLines(assignment: Assignment, t: Catalogue): PlanLine[] {
  const schedule = assignment.schedule;
  if (!schedule) return [];
  const lines: PlanLine[] = [];

  const often: string[] = [];
  if (schedule.targetCount > 0) {
    often.push(schedule.period === Schedule_Period.WEEK
      ? t.plan.timesPerWeek(schedule.targetCount)
      : t.plan.timesPerDay(schedule.targetCount));
  }
  if (schedule.minutesPerPractice > 0) often.push(t.plan.minutes(schedule.minutesPerPractice));
  if (schedule.endDate) often.push(t.plan.until(schedule.endDate));
  if (often.length > 0) lines.push({ part: "often", label: t.plan.howOften, text: often.join(", ") });

  if (schedule.preferredLocalTime) {
    lines.push({ part: "when", label: t.plan.when, text: t.plan.around(schedule.preferredLocalTime) });
  }

  const anchor = anchorText(schedule.habitAnchor, t);
  if (anchor) lines.push({ part: "anchor", label: t.plan.anchor, text: anchor });

  const ifThen = schedule.ifThenPlan;
  if (ifThen && ifThen.situation.trim() && ifThen.action.trim()) {
    lines.push({ part: "ifThen", label: t.plan.ifThenLabel, text: t.plan.ifThen(ifThen.situation.trim(), ifThen.action.trim()) });
  }

  if (schedule.environmentalCue) {
    lines.push({ part: "cue", label: t.plan.cueLabel, text: schedule.environmentalCue });
  }
  if (schedule.minimumVersion) {
    lines.push({ part: "minimum", label: t.plan.minimumLabel, text: schedule.minimumVersion });
  }
  return lines;
}

/**
 * What tells a practice from another of the same title: its start and how often ("Started
 * Thu, Dec 3 · 3 times a week"); "" when the assignment has neither.
 */
export function practiceStartLine(assignment: Assignment, t: Catalogue, locale: Locale): string {
  const start = assignment.schedule?.startDate ?? "";
  const often = planLines(assignment, t).find((line) => line.part === "often")?.text ?? "";
  return [start ? t.panels.practiceStarted(formatDay(locale, start)) : "", often].filter(Boolean).join(" · ");
}

/** The plan as one paragraph ("Twice a day, 5 minutes each time. around 08:00. ..."). */
export function planText(assignment: Assignment, t: Catalogue): string {
  return planLines(assignment, t)
    .map((line) => {
      if (line.part === "cue") return t.plan.cue(line.text);
      if (line.part === "minimum") return t.plan.minimum(line.text);
      if (line.part === "ifThen") return line.text.replace(/\.$/, "");
      return line.text;
    })
    .map((sentence) => sentence.charAt(0).toUpperCase() + sentence.slice(1))
    .join(". ") + ".";
}

/**
 * The habit anchor in words. The client's own words are their phrasing of when ("half an hour
 * before bed") and are shown verbatim, without adding the offset again; the offset is spelled out
 * only around the coded routine.
 */
function anchorText(anchor: HabitAnchor | undefined, t: Catalogue): string {
  if (!anchor) return "";
  if (anchor.clientWords) return anchor.clientWords;
  const routine = timingText(anchor.when, t);
  if (!routine) return "";
  if (anchor.offsetMinutes > 0) return t.plan.anchorAfter(anchor.offsetMinutes, routine);
  if (anchor.offsetMinutes < 0) return t.plan.anchorBefore(-anchor.offsetMinutes, routine);
  return t.plan.anchorAt(routine);
}

/**
 * A routine as it reads after "after"/"before" ("waking up"); "" for UNSPECIFIED or an unknown
 * value. The catalogue is keyed by the generated enum's member names (`WAKE`); a proto enum name
 * (`EVENT_TIMING_WAKE`, as in proto JSON) is accepted too, so either spelling finds the label.
 */
export function timingText(when: EventTiming | string, t: Catalogue): string {
  const name = typeof when === "number" ? EventTiming[when] : when.replace(/^EVENT_TIMING_/, "");
  if (!name || name === "UNSPECIFIED") return "";
  return (t.timing as Record<string, string | undefined>)[name] ?? "";
}
