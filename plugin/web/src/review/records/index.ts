// The renderer of each exercise kind, one module per kind; a kind without its own (a kind added
// later) falls back to the facts every completion carries.
import { html } from "lit";
import { ExerciseKind } from "../../gen/therapy/homework/v1/assignment_pb.js";
import type { Completion } from "../../gen/therapy/homework/v1/completion_pb.js";
import { commonFacts, emotionsTable, field, outOf, sudsFigures, type RecordContext, type RecordRenderer } from "./common.js";
import { renderThoughtRecord } from "./thought-record.js";
import { renderExperiment } from "./experiment.js";
import { renderActivity } from "./activity.js";
import { renderExposure } from "./exposure.js";
import { renderMood } from "./mood.js";
import { renderSkills } from "./skills.js";
import { renderSelfCare } from "./self-care.js";
import { renderCopingCard } from "./coping-card.js";
import { renderRelapsePrevention } from "./relapse-prevention.js";
import { renderCustom } from "./custom.js";
import { renderMeasure } from "./measure.js";

export { recordContext, when, type RecordContext } from "./common.js";

const RENDERERS: Partial<Record<ExerciseKind, RecordRenderer>> = {
  [ExerciseKind.THOUGHT_RECORD]: renderThoughtRecord,
  [ExerciseKind.COGNITIVE_RESTRUCTURING]: renderThoughtRecord,
  [ExerciseKind.BEHAVIORAL_EXPERIMENT]: renderExperiment,
  [ExerciseKind.BEHAVIORAL_TRACKING]: renderActivity,
  [ExerciseKind.EXPOSURE_PRACTICE]: renderExposure,
  [ExerciseKind.MOOD_MONITORING]: renderMood,
  [ExerciseKind.SKILLS_PRACTICE]: renderSkills,
  [ExerciseKind.SELF_CARE]: renderSelfCare,
  [ExerciseKind.COPING_CARD]: renderCopingCard,
  [ExerciseKind.RELAPSE_PREVENTION_PLAN]: renderRelapsePrevention,
  [ExerciseKind.CUSTOM]: renderCustom,
  [ExerciseKind.OUTCOME_MEASURE]: renderMeasure,
};

/** The full content of `completion`, laid out for its kind (the assignment's). */
export function renderRecord(completion: Completion, context: RecordContext) {
  const kind = context.assignment?.exercise?.kind ?? kindOfRecord(completion);
  return (RENDERERS[kind] ?? renderFacts)(completion, context);
}

/** The kind a record implies when the assignment is not at hand. */
function kindOfRecord(completion: Completion): ExerciseKind {
  switch (completion.record.case) {
    case "thoughtRecord": return ExerciseKind.THOUGHT_RECORD;
    case "experiment": return ExerciseKind.BEHAVIORAL_EXPERIMENT;
    case "activity": return ExerciseKind.BEHAVIORAL_TRACKING;
    case "selfCare": return ExerciseKind.SELF_CARE;
    case "measure": return ExerciseKind.OUTCOME_MEASURE;
    default: return ExerciseKind.UNSPECIFIED;
  }
}

/** Every fact a completion may hold, for a kind without its own renderer. */
function renderFacts(completion: Completion, context: RecordContext) {
  const { t } = context;
  return html`<dl class="record">
    ${sudsFigures(completion.suds, t)}
    ${field(t.mood, outOf(completion.mood, 10, t), "mood")}
    ${completion.emotions.length > 0 ? field(t.emotions, emotionsTable(completion.emotions, t.emotionsTable, "emotions-table", t), "emotions") : ""}
    ${commonFacts(completion, t)}
  </dl>`;
}
