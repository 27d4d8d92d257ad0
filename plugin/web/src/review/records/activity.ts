// An activity log entry: the activity with its mastery and pleasure (0-10) as figures.
import { html } from "lit";
import type { Completion } from "../../gen/therapy/homework/v1/completion_pb.js";
import { commonFacts, field, outOf, type RecordContext } from "./common.js";

export function renderActivity(completion: Completion, context: RecordContext) {
  const { t } = context;
  const record = completion.record.case === "activity" ? completion.record.value : undefined;
  return html`
    <dl class="record inline" data-kind="activity">
      ${field(t.activity, record?.activity, "activity")}
      ${field(t.mastery, outOf(record?.mastery, 10, t), "mastery")}
      ${field(t.pleasure, outOf(record?.pleasure, 10, t), "pleasure")}
      ${field(t.mood, outOf(completion.mood, 10, t), "mood")}
      ${commonFacts(completion, t)}
    </dl>`;
}
