// A behavioural experiment as it is read: prediction → what was done → outcome → learning, with
// the belief in the prediction before and after side by side.
import { html, nothing } from "lit";
import type { Completion } from "../../gen/therapy/homework/v1/completion_pb.js";
import { commonFacts, expectancyFields, field, percent, type RecordContext } from "./common.js";

export function renderExperiment(completion: Completion, context: RecordContext) {
  const { t } = context;
  const record = completion.record.case === "experiment" ? completion.record.value : undefined;
  const planned = context.assignment?.exercise?.details.case === "behavioralExperiment"
    ? context.assignment.exercise.details.value.prediction : "";
  return html`
    <ol class="flow" data-kind="experiment">
      <li data-part="prediction"><h4>${t.prediction}</h4><p><q>${record?.prediction || planned}</q></p></li>
      ${record?.experiment ? html`<li data-part="experiment"><h4>${t.whatWasDone}</h4><p>${record.experiment}</p></li>` : nothing}
      ${record?.outcome ? html`<li data-part="outcome"><h4>${t.outcome}</h4><p>${record.outcome}</p></li>` : nothing}
      ${record?.learning ? html`<li data-part="learning"><h4>${t.learning}</h4><p>${record.learning}</p></li>` : nothing}
    </ol>
    <dl class="record">
      ${record ? field(t.beliefBeforeAfter, html`<span class="shift" data-part="belief-shift">
        <span data-part="belief-before">${percent(record.beliefBefore, t)} ${t.before}</span>
        <span aria-hidden="true">→</span>
        <span data-part="belief-after">${percent(record.beliefAfter, t)} ${t.after}</span></span>`, "beliefs") : nothing}
      ${expectancyFields(completion, t)}
      ${commonFacts(completion, t)}
    </dl>`;
}
