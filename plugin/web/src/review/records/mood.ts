// A mood log entry: mood 0-10 and named emotions with intensity.
import { html } from "lit";
import type { Completion } from "../../gen/therapy/homework/v1/completion_pb.js";
import { commonFacts, emotionsTable, field, outOf, type RecordContext } from "./common.js";

export function renderMood(completion: Completion, context: RecordContext) {
  const { t } = context;
  return html`
    <dl class="record" data-kind="mood">
      ${field(t.mood, outOf(completion.mood, 10, t), "mood")}
      ${completion.emotions.length > 0 ? field(t.emotions,
        emotionsTable(completion.emotions, t.emotionsTable, "emotions-table", t), "emotions") : ""}
      ${commonFacts(completion, t)}
    </dl>`;
}
