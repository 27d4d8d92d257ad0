// A custom exercise: the task as described, then what the client recorded.
import { html } from "lit";
import type { Completion } from "../../gen/therapy/homework/v1/completion_pb.js";
import { commonFacts, emotionsTable, field, outOf, sudsFigures, type RecordContext } from "./common.js";

export function renderCustom(completion: Completion, context: RecordContext) {
  const { t } = context;
  const task = context.assignment?.exercise?.details.case === "custom" ? context.assignment.exercise.details.value.description : "";
  return html`
    <dl class="record" data-kind="custom">
      ${field(t.task, task, "task")}
      ${sudsFigures(completion.suds, t)}
      ${field(t.mood, outOf(completion.mood, 10, t), "mood")}
      ${completion.emotions.length > 0 ? field(t.emotions,
        emotionsTable(completion.emotions, t.emotionsTable, "emotions-table", t), "emotions") : ""}
      ${commonFacts(completion, t)}
    </dl>`;
}
