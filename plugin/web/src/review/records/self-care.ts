// Self-care: the domain and its clinical function, the amount done against the target.
import { html } from "lit";
import type { Completion } from "../../gen/therapy/homework/v1/completion_pb.js";
import { SelfCareInstructions_Domain } from "../../gen/therapy/homework/v1/assignment_pb.js";
import { commonFacts, field, outOf, type RecordContext } from "./common.js";
import { numberFormat } from "../../shared/intl-formats.js";

export function renderSelfCare(completion: Completion, context: RecordContext) {
  const { t, locale } = context;
  const plan = context.assignment?.exercise?.details.case === "selfCare" ? context.assignment.exercise.details.value : undefined;
  const amount = completion.record.case === "selfCare" ? completion.record.value.amount : undefined;
  const number = (n: number) => numberFormat(locale, { maximumFractionDigits: 2 }).format(n);
  const unit = plan?.unit ? ` ${plan.unit}` : "";
  return html`
    <dl class="record" data-kind="self-care">
      ${plan ? field(t.domain, t.domains[SelfCareInstructions_Domain[plan.domain]] ?? "", "domain") : ""}
      ${amount !== undefined ? field(t.amount, html`${number(amount)}${unit}${plan && plan.targetAmount > 0
        ? html` <span class="muted">(${t.target(`${number(plan.targetAmount)}${unit}`)})</span>` : ""}`, "amount") : ""}
      ${plan ? field(t.function, plan.function, "function") : ""}
      ${field(t.mood, outOf(completion.mood, 10, t), "mood")}
      ${commonFacts(completion, t)}
    </dl>`;
}
