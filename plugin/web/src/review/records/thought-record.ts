// A thought record (and cognitive restructuring) the way a clinician reads it: its columns in
// order, situation → automatic thought with belief → emotions with intensity → evidence for and
// against → balanced thought with belief → emotions re-rated. At review width the columns sit
// side by side; narrow, they stack in the same order.
import { html, nothing } from "lit";
import type { Completion } from "../../gen/therapy/homework/v1/completion_pb.js";
import { commonFacts, emotionsTable, field, percent, type RecordContext } from "./common.js";

export function renderThoughtRecord(completion: Completion, context: RecordContext) {
  const { t, assignment } = context;
  const record = completion.record.case === "thoughtRecord" ? completion.record.value : undefined;
  const target = assignment?.exercise?.details.case === "cognitiveRestructuring"
    ? assignment.exercise.details.value.targetBelief : "";
  // Emotions are on the record; a partial one may have them on the completion only.
  const emotions = record && record.emotions.length > 0 ? record.emotions : completion.emotions;
  return html`
    ${target ? html`<dl class="record">${field(t.targetBelief, target, "target-belief")}</dl>` : nothing}
    <dl class="record columns" data-kind="thought-record">
      ${field(t.situation, record?.situation, "situation")}
      ${record?.automaticThought ? field(t.automaticThought, html`<q>${record.automaticThought}</q>
        <span class="belief" data-part="automatic-belief">${t.belief(percent(record.automaticThoughtBelief, t))}</span>`,
        "automatic-thought") : nothing}
      ${emotions.length > 0 ? html`<div class="field" data-part="emotions"><dt>${t.emotions}</dt>
        <dd>${emotionsTable(emotions, t.emotionsTable, "emotions-table", t)}</dd></div>` : nothing}
      ${field(t.evidenceFor, record?.evidenceFor, "evidence-for")}
      ${field(t.evidenceAgainst, record?.evidenceAgainst, "evidence-against")}
      ${record?.balancedThought ? field(t.balancedThought, html`<q>${record.balancedThought}</q>
        <span class="belief" data-part="balanced-belief">${t.belief(percent(record.balancedThoughtBelief, t))}</span>`,
        "balanced-thought") : nothing}
      ${record && record.emotionsRerated.length > 0 ? html`<div class="field" data-part="rerated"><dt>${t.rerated}</dt>
        <dd>${emotionsTable(record.emotionsRerated, t.rerated, "rerated-table", t)}</dd></div>` : nothing}
    </dl>
    <dl class="record">${commonFacts(completion, t)}</dl>`;
}
