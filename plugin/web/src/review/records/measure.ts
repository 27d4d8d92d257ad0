// An outcome measure (PHQ-9, GAD-7): every item with its answer, the total and severity band, and
// the change since last time and since the first score with their reliable-change class, as the
// service computed them (MeasurePoint.change in the review summary; never recomputed here).
import { html, nothing } from "lit";
import { MeasureResponse_Severity, type Completion } from "../../gen/therapy/homework/v1/completion_pb.js";
import { Measure } from "../../gen/therapy/homework/v1/assignment_pb.js";
import { MeasureChange_Recovery, MeasureChange_ReliableChange } from "../../gen/therapy/homework/v1/review_summary_pb.js";
import { catalogue } from "../../shared/i18n.js";
import { commonFacts, field, type RecordContext } from "./common.js";

export function renderMeasure(completion: Completion, context: RecordContext) {
  const { t, locale } = context;
  const all = catalogue(locale);
  const response = completion.record.case === "measure" ? completion.record.value : undefined;
  if (!response) return html`<dl class="record">${commonFacts(completion, t)}</dl>`;
  const items = response.measure === Measure.PHQ9 ? all.phq9 : response.measure === Measure.GAD7 ? all.gad7 : [];
  const name = all.measureName[Measure[response.measure]] ?? all.panels.measure;
  const change = context.measurePoint?.change;
  return html`
    <div class="measure" data-kind="measure">
      <p class="score" data-part="score">
        <span class="total" data-part="total">${name} ${response.total}</span>
        <span class="band band-${MeasureResponse_Severity[response.severity].toLowerCase()}" data-part="band">
          ${t.bands[MeasureResponse_Severity[response.severity]] ?? ""}</span>
      </p>
      ${change ? html`<dl class="record change">
        ${field(t.sinceLast, change.changeFromPrevious === undefined ? t.firstScore
          : html`${t.points(change.changeFromPrevious)} <span class=${classOf(change.sincePrevious)}>${t.change[MeasureChange_ReliableChange[change.sincePrevious]]}</span>`,
          "since-last")}
        ${field(t.sinceBaseline, change.changeFromPrevious === undefined ? nothing
          : html`${t.points(change.changeFromBaseline)} (${change.baselineTotal} → ${response.total})
            <span class=${classOf(change.sinceBaseline)}>${t.change[MeasureChange_ReliableChange[change.sinceBaseline]]}</span>`,
          "since-baseline")}
      </dl>
      <p class="muted small" data-part="recovery">${change.recovery !== MeasureChange_Recovery.UNSPECIFIED
        ? html`${t.recovery[MeasureChange_Recovery[change.recovery]]}; ` : nothing}${t.threshold(change.reliableChangeThreshold, change.casenessThreshold)}</p>` : nothing}
      ${response.urgent ? html`<p class="urgent-note" data-part="urgent">${t.urgentAnswer}</p>` : nothing}
      <table class="items" data-part="items">
        <caption>${t.items}</caption>
        <thead><tr><th scope="col">${t.item}</th><th scope="col">${t.answer}</th></tr></thead>
        <tbody>${response.itemScores.map((score, index) => html`<tr class=${score > 0 && index === 8 && response.measure === Measure.PHQ9 ? "risk" : ""}>
          <th scope="row"><span class="n">${index + 1}.</span> ${items[index] ?? ""}</th>
          <td data-score=${score}><strong>${score}</strong> ${all.form.measureChoice[score] ?? ""}</td></tr>`)}</tbody>
      </table>
      <dl class="record">${commonFacts(completion, t)}</dl>
    </div>`;
}

function classOf(change: MeasureChange_ReliableChange): string {
  return change === MeasureChange_ReliableChange.DETERIORATION ? "rc worse"
    : change === MeasureChange_ReliableChange.IMPROVEMENT ? "rc better" : "rc";
}
