// An exposure practice: the step's situation (and expected SUDS), SUDS before / peak / after with
// the peak-to-end drop, expectancy of the feared outcome, safety behaviours to drop.
import { html, nothing } from "lit";
import type { Completion } from "../../gen/therapy/homework/v1/completion_pb.js";
import { commonFacts, expectancyFields, field, list, sudsFigures, type RecordContext } from "./common.js";

export function renderExposure(completion: Completion, context: RecordContext) {
  const { t } = context;
  const step = context.assignment?.exercise?.details.case === "exposurePractice"
    ? context.assignment.exercise.details.value : undefined;
  return html`
    <dl class="record" data-kind="exposure">
      ${step ? field(t.situation, html`${step.situation}${step.expectedSuds > 0
        ? html` <span class="muted">(${t.expectedSuds(step.expectedSuds)})</span>` : nothing}`, "situation") : nothing}
      ${sudsFigures(completion.suds, t)}
      ${expectancyFields(completion, t)}
      ${step ? list(t.safetyBehaviours, step.safetyBehaviorsToDrop, "safety-behaviours") : nothing}
      ${commonFacts(completion, t)}
    </dl>`;
}
