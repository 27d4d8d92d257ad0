// The client's own plan of an assignment as form fields: preferred time, habit anchor (routine
// and the client's words), the if-then plan beside it ("If <situation>, then I will <action>"),
// environmental cue and two-minute minimum version. These are exactly the fields a client may
// change in a draft of a live session (UpdateAssignment in homework_service.proto), so the
// therapist's assign panel and the client's session panel edit them with the same inputs.

import { html, type TemplateResult } from "lit";
import { clone, create } from "@bufbuild/protobuf";
import {
  EventTiming,
  HabitAnchorSchema,
  IfThenPlanSchema,
  ScheduleSchema,
  type Assignment,
  type Schedule,
} from "../gen/therapy/homework/v1/assignment_pb.js";
import type { Catalogue } from "../shared/i18n.js";

/** The routines an anchor can name, in the order a person's day runs. */
const timings = Object.values(EventTiming).filter((v): v is EventTiming => typeof v === "number");

/** A routine as a choice on its own, e.g. AFTER_BREAKFAST -> "after breakfast". */
export function routineChoice(timing: EventTiming, t: Catalogue): string {
  const name = EventTiming[timing];
  if (timing === EventTiming.UNSPECIFIED || name === undefined) return t.panels.noRoutine;
  return (t.panels.routines as Record<string, string | undefined>)[name] ?? name;
}

/** The plan inputs in the catalogue's words, ids prefixed with `prefix` (unique per panel). */
export function planFields(schedule: Schedule | undefined, prefix: string, t: Catalogue, disabled = false): TemplateResult {
  const anchor = schedule?.habitAnchor;
  return html`
    <div class="row">
      <div><label for="${prefix}-time">${t.panels.preferredTime}</label>
        <input id="${prefix}-time" name="preferredLocalTime" type="time" ?disabled=${disabled}
          .value=${schedule?.preferredLocalTime ?? ""}></div>
      <div><label for="${prefix}-when">${t.panels.routine}</label>
        <select id="${prefix}-when" name="anchorWhen" ?disabled=${disabled}>
          ${timings.map((w) => html`<option value=${w} ?selected=${(anchor?.when ?? 0) === w}>${routineChoice(w, t)}</option>`)}
        </select></div>
    </div>
    <label for="${prefix}-words">${t.panels.routineWords}</label>
    <input id="${prefix}-words" name="anchorWords" maxlength="200" ?disabled=${disabled}
      .value=${anchor?.clientWords ?? ""}>
    <fieldset class="if-then">
      <legend>${t.panels.ifThenLegend}</legend>
      <label for="${prefix}-if">${t.panels.ifSituation}</label>
      <input id="${prefix}-if" name="ifSituation" maxlength="200" ?disabled=${disabled}
        .value=${schedule?.ifThenPlan?.situation ?? ""}>
      <label for="${prefix}-then">${t.panels.thenAction}</label>
      <input id="${prefix}-then" name="thenAction" maxlength="200" ?disabled=${disabled}
        .value=${schedule?.ifThenPlan?.action ?? ""}>
    </fieldset>
    <label for="${prefix}-cue">${t.panels.cue}</label>
    <input id="${prefix}-cue" name="environmentalCue" maxlength="200" ?disabled=${disabled}
      .value=${schedule?.environmentalCue ?? ""}>
    <label for="${prefix}-min">${t.panels.minimumVersion}</label>
    <input id="${prefix}-min" name="minimumVersion" maxlength="200" ?disabled=${disabled}
      .value=${schedule?.minimumVersion ?? ""}>`;
}

/** A copy of `assignment` with the plan fields read from `form`. */
export function withPlanFields(assignment: Assignment, form: HTMLFormElement): Assignment {
  const data = new FormData(form);
  // A new Assignment sharing every field but the schedule, which it gets a copy of: the other
  // fields stay the very objects they were, so changedPaths sees them unchanged at a glance.
  const next = { ...assignment };
  const schedule = next.schedule ? clone(ScheduleSchema, next.schedule) : create(ScheduleSchema);
  schedule.preferredLocalTime = String(data.get("preferredLocalTime") ?? "");
  schedule.environmentalCue = String(data.get("environmentalCue") ?? "").trim();
  schedule.minimumVersion = String(data.get("minimumVersion") ?? "").trim();
  const when = Number(data.get("anchorWhen") ?? 0) as EventTiming;
  const words = String(data.get("anchorWords") ?? "").trim();
  if (when !== EventTiming.UNSPECIFIED || words !== "" || schedule.habitAnchor !== undefined) {
    schedule.habitAnchor ??= create(HabitAnchorSchema);
    schedule.habitAnchor.when = when;
    schedule.habitAnchor.clientWords = words;
  }
  // An if-then plan has both parts or none (the service refuses half a plan): while only one part
  // is filled in, the plan stays as it was.
  const situation = String(data.get("ifSituation") ?? "").trim();
  const action = String(data.get("thenAction") ?? "").trim();
  if (situation !== "" && action !== "") {
    schedule.ifThenPlan = create(IfThenPlanSchema, { situation, action });
  } else if (situation === "" && action === "") {
    schedule.ifThenPlan = undefined;
  }
  next.schedule = schedule;
  return next;
}
