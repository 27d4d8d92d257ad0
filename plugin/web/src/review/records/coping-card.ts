// Rehearsing a coping card: when to use it and what it says (from the assignment), then what the
// client recorded (distress before and after, note).
import { html } from "lit";
import type { Completion } from "../../gen/therapy/homework/v1/completion_pb.js";
import { commonFacts, field, list, sudsFigures, type RecordContext } from "./common.js";

export function renderCopingCard(completion: Completion, context: RecordContext) {
  const { t } = context;
  const card = context.assignment?.exercise?.details.case === "copingCard" ? context.assignment.exercise.details.value : undefined;
  return html`
    <dl class="record" data-kind="coping-card">
      ${card ? field(t.cardWhen, card.situation, "card-when") : ""}
      ${card ? list(t.cardSays, card.statements, "card-says") : ""}
      ${sudsFigures(completion.suds, t)}
      ${commonFacts(completion, t)}
    </dl>`;
}
