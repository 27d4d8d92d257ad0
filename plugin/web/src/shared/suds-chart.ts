// <hw-suds-chart>: SUDS (Subjective Units of Distress, 0-100) before, peak and after for each
// practice of one exposure step, drawn as SVG. Series differ by colour, marker shape and dash
// pattern; the chart has a text summary as its accessible name and a visually hidden data
// table, so a screen-reader user gets every value. The table sits in a clipped 1 px box (a
// table itself grows to its content whatever its width, and would widen the page). The client's own anchor words for 0, 50 and
// 100 label the scale when given.
import { css, html, svg, nothing } from "lit";
import { property } from "lit/decorators.js";
import { defineElement } from "./define.js";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Chart } from "./chart.js";
import { catalogue } from "./i18n.js";
import { dateFormat } from "./intl-formats.js";

/** One practice's ratings; the generated SudsPoint (review_summary.proto) has this shape. */
export interface SudsChartPoint {
  occurTime?: Timestamp;
  before?: number;
  peak?: number;
  after?: number;
}

/** The client's words for SUDS 0, 50 and 100; the generated SudsAnchors has this shape. */
export interface SudsChartAnchors {
  calm: string;
  moderate: string;
  worst: string;
}

type Series = "before" | "peak" | "after";
const SERIES: readonly Series[] = ["before", "peak", "after"];
const WIDTH = 320;
const HEIGHT = 168;
const PAD = { left: 34, right: 10, top: 10, bottom: 26 };

let chartIds = 0;

@defineElement("hw-suds-chart")
export class SudsChart extends Chart<SudsChartPoint> {
  static override styles = [Chart.styles, css`
    svg { overflow: visible; }
    .before { stroke: var(--hw-series-before); fill: var(--hw-series-before); }
    .peak { stroke: var(--hw-series-peak); fill: var(--hw-series-peak); }
    .after { stroke: var(--hw-series-after); fill: var(--hw-series-after); }
    /* After the series colours and more specific than them: a line is never filled (a filled
       polyline of three or more points draws a wedge). */
    svg .line { fill: none; stroke-width: 2; }
    svg .line.before { stroke-dasharray: 6 4; }
    svg .line.after { stroke-dasharray: 2 3; }
    .legend { display: flex; flex-wrap: wrap; gap: 12px; margin: 4px 0 0; padding: 0; list-style: none; font-size: var(--hw-text-sm); }
    .legend svg { width: 28px; height: 12px; display: inline-block; vertical-align: middle; margin-right: 4px; }
    .anchors { font-size: var(--hw-text-sm); margin: 4px 0 0; padding-left: 18px; }
  `];

  /** Optional. The client's anchor words, shown with the scale. */
  @property({ attribute: false }) anchors?: SudsChartAnchors;
  /** Optional. IANA zone for the dates (the client's); the browser's by default. */
  @property({ attribute: "time-zone" }) timeZone = "";

  private readonly chartId = `hw-suds-${++chartIds}`;

  override render() {
    const t = catalogue(this.locale).suds;
    const points = this.points;
    const heading = this.heading ? html`<figcaption id="${this.chartId}-caption">${this.heading}</figcaption>` : nothing;
    if (points.length === 0) {
      return html`<figure>${heading}<p class="muted">${t.noData}</p></figure>`;
    }
    const last = points[points.length - 1]!;
    const summary = t.summary(points.length, last.peak?.toString() ?? t.none, last.after?.toString() ?? t.none);
    const label = this.heading ? `${this.heading}. ${t.scale}. ${summary}` : `${t.scale}. ${summary}`;
    return html`
      <figure>
        ${heading}
        <svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label=${label}>
          ${this.renderAxes()}
          ${SERIES.map((series) => this.renderSeries(series))}
        </svg>
        <ul class="legend" aria-hidden="true">
          ${SERIES.map((series) => html`<li><svg viewBox="0 0 28 12">
            <line class="line ${series}" x1="0" y1="6" x2="28" y2="6"></line>${marker(series, 14, 6)}</svg>${t[series]}</li>`)}
        </ul>
        ${this.anchors && (this.anchors.calm || this.anchors.moderate || this.anchors.worst)
          ? html`<ul class="anchors">
              ${([[0, this.anchors.calm], [50, this.anchors.moderate], [100, this.anchors.worst]] as const)
                .filter(([, words]) => words)
                .map(([value, words]) => html`<li>${t.anchor(value, words)}</li>`)}
            </ul>`
          : nothing}
        <div class="visually-hidden" data-suds-table>
        <table>
          <caption>${this.heading || t.scale}</caption>
          <thead><tr><th scope="col">${t.date}</th><th scope="col">${t.before}</th>
            <th scope="col">${t.peak}</th><th scope="col">${t.after}</th></tr></thead>
          <tbody>${points.map((point, index) => html`<tr>
            <th scope="row">${this.dateLabel(point, index)}</th>
            <td>${point.before ?? "–"}</td><td>${point.peak ?? "–"}</td><td>${point.after ?? "–"}</td>
          </tr>`)}</tbody>
        </table>
        </div>
      </figure>`;
  }

  private renderAxes() {
    const ticks = [0, 50, 100];
    const first = this.points[0]!;
    const last = this.points[this.points.length - 1]!;
    return svg`
      ${ticks.map((value) => svg`
        <line class="grid" x1=${PAD.left} x2=${WIDTH - PAD.right} y1=${y(value)} y2=${y(value)}></line>
        <text class="tick" x=${PAD.left - 6} y=${y(value) + 4} text-anchor="end">${value}</text>`)}
      <line class="axis" x1=${PAD.left} x2=${PAD.left} y1=${PAD.top} y2=${HEIGHT - PAD.bottom}></line>
      <text class="tick" x=${PAD.left} y=${HEIGHT - 6}>${this.dateLabel(first, 0)}</text>
      ${this.points.length > 1 ? svg`<text class="tick" x=${WIDTH - PAD.right} y=${HEIGHT - 6}
        text-anchor="end">${this.dateLabel(last, this.points.length - 1)}</text>` : nothing}`;
  }

  private renderSeries(series: Series) {
    const placed = this.points
      .map((point, index) => ({ x: this.x(index), value: point[series] }))
      .filter((point): point is { x: number; value: number } => point.value !== undefined);
    if (placed.length === 0) return nothing;
    const path = placed.map((point) => `${point.x},${y(point.value)}`).join(" ");
    return svg`
      ${placed.length > 1 ? svg`<polyline class="line ${series}" points=${path}></polyline>` : nothing}
      ${placed.map((point) => marker(series, point.x, y(point.value)))}`;
  }

  private x(index: number): number {
    const count = this.points.length;
    const span = WIDTH - PAD.left - PAD.right - 16;
    return count <= 1 ? PAD.left + 8 + span / 2 : PAD.left + 8 + (span * index) / (count - 1);
  }

  private dateLabel(point: SudsChartPoint, index: number): string {
    if (!point.occurTime) return `#${index + 1}`;
    return dateFormat(this.locale, {
      day: "numeric", month: "short", ...(this.timeZone ? { timeZone: this.timeZone } : {}),
    }).format(timestampDate(point.occurTime));
  }
}

/** Vertical position of a SUDS value. */
function y(value: number): number {
  const clamped = Math.max(0, Math.min(100, value));
  return PAD.top + ((100 - clamped) / 100) * (HEIGHT - PAD.top - PAD.bottom);
}

/** Before: circle; peak: triangle; after: square. */
function marker(series: Series, cx: number, cy: number) {
  if (series === "before") return svg`<circle class=${series} cx=${cx} cy=${cy} r="4"></circle>`;
  if (series === "peak") {
    return svg`<polygon class=${series} points="${cx},${cy - 5} ${cx + 5},${cy + 4} ${cx - 5},${cy + 4}"></polygon>`;
  }
  return svg`<rect class=${series} x=${cx - 4} y=${cy - 4} width="8" height="8"></rect>`;
}

declare global {
  interface HTMLElementTagNameMap {
    "hw-suds-chart": SudsChart;
  }
}
