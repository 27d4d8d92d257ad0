// Rehearsing a relapse-prevention plan: the plan's warning signs, what to do and whom to contact,
// then what the client recorded.
import { html } from "lit";
import type { Completion } from "../../gen/therapy/homework/v1/completion_pb.js";
import { commonFacts, list, type RecordContext } from "./common.js";

export function renderRelapsePrevention(completion: Completion, context: RecordContext) {
  const { t } = context;
  const plan = context.assignment?.exercise?.details.case === "relapsePrevention"
    ? context.assignment.exercise.details.value : undefined;
  return html`
    <dl class="record columns" data-kind="relapse-prevention">
      ${plan ? list(t.warningSigns, plan.warningSigns, "warning-signs") : ""}
      ${plan ? list(t.copingStrategies, plan.copingStrategies, "coping-strategies") : ""}
      ${plan ? list(t.supportContacts, plan.supportContacts, "support-contacts") : ""}
    </dl>
    <dl class="record">${commonFacts(completion, t)}</dl>`;
}
