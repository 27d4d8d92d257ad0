// <hw-measure-chart>: one outcome measure's totals (PHQ-9 0-27 or GAD-7 0-21) over time, drawn
// over its published severity bands (shaded, labelled) with the caseness cut-off dashed. Each
// point's marker says its reliable-change class against the first score, as the service computed
// it (MeasurePoint.change): first score a square, reliable improvement a downward triangle,
// reliable deterioration an upward triangle, no reliable change a circle; never colour alone.
// The accessible name is a one-line summary; "Show the numbers" opens a data table that fits
// the width (fixed layout, wrapping), so it never widens the page.
import { css, html, svg, nothing } from "lit";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { defineElement } from "./define.js";
import { Chart } from "./chart.js";
import { catalogue } from "./i18n.js";
import { Measure } from "../gen/therapy/homework/v1/assignment_pb.js";
import { MeasureResponse_Severity } from "../gen/therapy/homework/v1/completion_pb.js";
import { MeasureChange_ReliableChange, type MeasurePoint } from "../gen/therapy/homework/v1/review_summary_pb.js";
import { dateFormat } from "./intl-formats.js";

const WIDTH = 320;
const HEIGHT = 184;
const PAD = { left: 28, right: 8, top: 8, bottom: 24 };
/** The band names sit in a gutter right of the plotted points, so no point ever covers one. */
const GUTTER = 84;

/** The published bands: [lowest total, severity] from the bottom up, and the scale's top. */
const BANDS: Record<number, { max: number; bands: [number, MeasureResponse_Severity][]; caseness: number }> = {
  [Measure.PHQ9]: { max: 27, caseness: 10, bands: [[0, MeasureResponse_Severity.MINIMAL], [5, MeasureResponse_Severity.MILD],
    [10, MeasureResponse_Severity.MODERATE], [15, MeasureResponse_Severity.MODERATELY_SEVERE], [20, MeasureResponse_Severity.SEVERE]] },
  [Measure.GAD7]: { max: 21, caseness: 8, bands: [[0, MeasureResponse_Severity.MINIMAL], [5, MeasureResponse_Severity.MILD],
    [10, MeasureResponse_Severity.MODERATE], [15, MeasureResponse_Severity.SEVERE]] },
};

type Mark = "first" | "better" | "same" | "worse";

@defineElement("hw-measure-chart")
export class MeasureChart extends Chart<MeasurePoint> {
  static override styles = [Chart.styles, css`
    .band-minimal { fill: var(--hw-band-minimal); } .band-mild { fill: var(--hw-band-mild); }
    .band-moderate { fill: var(--hw-band-moderate); } .band-moderately_severe { fill: var(--hw-band-moderately-severe); }
    .band-severe { fill: var(--hw-band-severe); }
    .band-label { font-size: var(--hw-text-xs); fill: var(--hw-muted); }
    .caseness { stroke: var(--hw-muted); stroke-width: 1; stroke-dasharray: 4 3; }
    .line { fill: none; stroke: var(--hw-text); stroke-width: 2; }
    .mark { stroke: var(--hw-bg); stroke-width: 1.5; }
    .mark.first { fill: var(--hw-text); }
    .mark.same { fill: var(--hw-text); }
    .mark.better { fill: var(--hw-success); }
    .mark.worse { fill: var(--hw-error); }
    .legend { display: flex; flex-wrap: wrap; gap: 4px 12px; margin: 4px 0 0; padding: 0; list-style: none; font-size: var(--hw-text-sm); }
    .legend svg { width: 14px; height: 14px; display: inline-block; vertical-align: -2px; margin-right: 4px; }
    td.worse { color: var(--hw-error); font-weight: 600; }
    td.better { color: var(--hw-success); font-weight: 600; }
  `];

  override render() {
    const locale = this.locale;
    const t = catalogue(locale).review;
    const points = this.points;
    const first = points[0];
    if (first === undefined) return nothing;
    const scale = BANDS[first.measure] ?? BANDS[Measure.PHQ9]!;
    const caseness = first.change?.casenessThreshold || scale.caseness;
    const last = points[points.length - 1]!;
    const lastChange = t.change[changeName(last)] ?? "";
    const label = t.chartSummary(this.heading, points.length, last.total,
      t.bands[MeasureResponse_Severity[last.severity]] ?? "", lastChange);
    const y = (value: number) => PAD.top + ((scale.max - Math.max(0, Math.min(scale.max, value))) / scale.max) * (HEIGHT - PAD.top - PAD.bottom);
    const x = (index: number) => {
      const span = WIDTH - PAD.left - PAD.right - GUTTER - 24;
      return points.length <= 1 ? PAD.left + 12 + span / 2 : PAD.left + 12 + (span * index) / (points.length - 1);
    };
    const day = (point: MeasurePoint) => point.occurTime
      ? dateFormat(locale, { day: "numeric", month: "short" }).format(timestampDate(point.occurTime)) : "";
    const bands = scale.bands.map(([low, severity], index) => {
      const next = scale.bands[index + 1]?.[0];
      const top = next === undefined ? PAD.top : y(next - 0.5);
      const bottom = index === 0 ? y(0) : y(low - 0.5);
      return svg`<rect class="band-${MeasureResponse_Severity[severity].toLowerCase()}" x=${PAD.left}
          width=${WIDTH - PAD.left - PAD.right} y=${top} height=${bottom - top}></rect>
        <text class="band-label" x=${WIDTH - PAD.right - 4} y=${bottom - 4} text-anchor="end">${t.bands[MeasureResponse_Severity[severity]]}</text>`;
    });
    const marks = points.map((point, index) => ({ point, mark: markOf(point, index), cx: x(index), cy: y(point.total) }));
    return html`
      <figure>
        ${this.heading ? html`<figcaption>${this.heading}</figcaption>` : nothing}
        <svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label=${label}>
          ${bands}
          <line class="caseness" x1=${PAD.left} x2=${WIDTH - PAD.right} y1=${y(caseness - 0.5)} y2=${y(caseness - 0.5)}></line>
          <line class="axis" x1=${PAD.left} x2=${PAD.left} y1=${PAD.top} y2=${HEIGHT - PAD.bottom}></line>
          ${[0, caseness, scale.max].map((v) => svg`<text class="tick" x=${PAD.left - 4} y=${y(v) + 4} text-anchor="end">${v}</text>`)}
          <text class="tick" x=${PAD.left} y=${HEIGHT - 6}>${day(first)}</text>
          ${points.length > 1 ? svg`<text class="tick" x=${x(points.length - 1)} y=${HEIGHT - 6} text-anchor="middle">${day(last)}</text>` : nothing}
          ${points.length > 1 ? svg`<polyline class="line" points=${marks.map((m) => `${m.cx},${m.cy}`).join(" ")}></polyline>` : nothing}
          ${marks.map((m) => marker(m.mark, m.cx, m.cy, 6))}
        </svg>
        <ul class="legend" aria-hidden="true">
          ${(["first", "same", "better", "worse"] as const).map((mark) => html`<li><svg viewBox="0 0 14 14">${marker(mark, 7, 7, 5)}</svg>${
            mark === "first" ? t.legendBaseline : t.change[mark === "same" ? "NONE" : mark === "better" ? "IMPROVEMENT" : "DETERIORATION"]}</li>`)}
        </ul>
        <details>
          <summary>${t.showTable}</summary>
          <table data-measure-table>
            <caption class="visually-hidden">${this.heading}</caption>
            <thead><tr><th scope="col">${t.date}</th><th scope="col">${t.total}</th><th scope="col">${t.band}</th>
              <th scope="col">${t.sinceLast}</th><th scope="col">${t.sinceBaseline}</th></tr></thead>
            <tbody>${marks.map(({ point, mark }) => html`<tr data-completion=${point.completion}>
              <th scope="row">${day(point)}</th>
              <td>${point.total}</td>
              <td>${t.bands[MeasureResponse_Severity[point.severity]] ?? ""}</td>
              <td>${point.change?.changeFromPrevious === undefined ? t.firstScore : t.points(point.change.changeFromPrevious)}</td>
              <td class=${mark} data-change=${changeName(point)}>${mark === "first"
                ? t.firstScore : t.change[changeName(point)]}</td>
            </tr>`)}</tbody>
          </table>
        </details>
      </figure>`;
  }
}

/** The reliable-change class against the first score, by its enum name ("DETERIORATION"). */
function changeName(point: MeasurePoint): string {
  return MeasureChange_ReliableChange[point.change?.sinceBaseline ?? MeasureChange_ReliableChange.UNSPECIFIED] ?? "UNSPECIFIED";
}

function markOf(point: MeasurePoint, index: number): Mark {
  const change = point.change?.sinceBaseline ?? MeasureChange_ReliableChange.UNSPECIFIED;
  if (index === 0 || change === MeasureChange_ReliableChange.UNSPECIFIED) return "first";
  return change === MeasureChange_ReliableChange.IMPROVEMENT ? "better"
    : change === MeasureChange_ReliableChange.DETERIORATION ? "worse" : "same";
}

/** First: square; better: triangle down; worse: triangle up; same: circle. */
function marker(mark: Mark, cx: number, cy: number, r: number) {
  switch (mark) {
    case "first": return svg`<rect class="mark first" x=${cx - r + 1} y=${cy - r + 1} width=${2 * r - 2} height=${2 * r - 2}></rect>`;
    case "better": return svg`<polygon class="mark better" points="${cx - r},${cy - r + 1} ${cx + r},${cy - r + 1} ${cx},${cy + r}"></polygon>`;
    case "worse": return svg`<polygon class="mark worse" points="${cx - r},${cy + r - 1} ${cx + r},${cy + r - 1} ${cx},${cy - r}"></polygon>`;
    default: return svg`<circle class="mark same" cx=${cx} cy=${cy} r=${r - 1}></circle>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "hw-measure-chart": MeasureChart;
  }
}
