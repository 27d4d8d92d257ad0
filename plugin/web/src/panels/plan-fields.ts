// The client's own plan of an assignment as form fields: preferred time, habit anchor (routine
// and the client's words), environmental cue and two-minute minimum version. These are exactly
// the fields a client may amend in a shared draft (docs/janus-plugin-protocol.md, `draft`), so
// the therapist's assign panel and the client's session panel edit them with the same inputs.

import { html, type TemplateResult } from "lit";
import { clone, create } from "@bufbuild/protobuf";
import {
  AssignmentSchema,
  EventTiming,
  HabitAnchorSchema,
  ScheduleSchema,
  type Assignment,
  type Schedule,
} from "../gen/therapy/homework/v1/assignment_pb.js";

/** The routines an anchor can name, in the order a person's day runs. */
const timings = Object.values(EventTiming).filter((v): v is EventTiming => typeof v === "number");

/** A routine in words, e.g. AFTER_BREAKFAST -> "after breakfast". */
export function timingText(timing: EventTiming): string {
  return timing === EventTiming.UNSPECIFIED ? "(none)" : (EventTiming[timing] ?? "").toLowerCase().replace(/_/g, " ");
}

/** The four plan inputs, ids prefixed with `prefix` (unique per panel). */
export function planFields(schedule: Schedule | undefined, prefix: string, disabled = false): TemplateResult {
  const anchor = schedule?.habitAnchor;
  return html`
    <div class="row">
      <div><label for="${prefix}-time">Preferred time</label>
        <input id="${prefix}-time" name="preferredLocalTime" type="time" ?disabled=${disabled}
          .value=${schedule?.preferredLocalTime ?? ""}></div>
      <div><label for="${prefix}-when">Routine it goes with</label>
        <select id="${prefix}-when" name="anchorWhen" ?disabled=${disabled}>
          ${timings.map((t) => html`<option value=${t} ?selected=${(anchor?.when ?? 0) === t}>${timingText(t)}</option>`)}
        </select></div>
    </div>
    <label for="${prefix}-words">The routine in your own words</label>
    <input id="${prefix}-words" name="anchorWords" maxlength="200" ?disabled=${disabled}
      .value=${anchor?.clientWords ?? ""}>
    <label for="${prefix}-cue">Cue</label>
    <input id="${prefix}-cue" name="environmentalCue" maxlength="200" ?disabled=${disabled}
      .value=${schedule?.environmentalCue ?? ""}>
    <label for="${prefix}-min">Two-minute version</label>
    <input id="${prefix}-min" name="minimumVersion" maxlength="200" ?disabled=${disabled}
      .value=${schedule?.minimumVersion ?? ""}>`;
}

/** A copy of `assignment` with the plan fields read from `form`. */
export function withPlanFields(assignment: Assignment, form: HTMLFormElement): Assignment {
  const data = new FormData(form);
  const next = clone(AssignmentSchema, assignment);
  const schedule = next.schedule ?? create(ScheduleSchema);
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
  next.schedule = schedule;
  return next;
}
