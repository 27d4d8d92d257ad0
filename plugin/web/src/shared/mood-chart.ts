// <hw-mood-chart>: the client's mood ratings (0 worst to 10 best) over the review's period, oldest
// first, as a line over time. Beside it, in words, the latest rating, the average and the range,
// which are also the chart's accessible name; "Show the numbers" opens every rating, with its
// day and time, in a data table that fits the width. A week shows each rating as a marker; a
// longer period (a year is hundreds of ratings) draws the line alone, with each week's average
// where there are more than sixty, so the shape stays readable at 360 px.
import { css, html, svg, nothing } from "lit";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { defineElement } from "./define.js";
import { Chart } from "./chart.js";
import { catalogue, type Locale } from "./i18n.js";
import type { MoodPoint } from "../gen/therapy/homework/v1/review_summary_pb.js";
import { dateFormat, numberFormat } from "./intl-formats.js";

const WIDTH = 320;
const HEIGHT = 152;
const PAD = { left: 28, right: 12, top: 8, bottom: 24 };
const MAX = 10;
/** Up to this many ratings each gets a marker; beyond, the line alone. */
const MARKERS_UP_TO = 31;
/** Beyond this many ratings, the line is the mean of each week (Monday to Sunday, local time). */
const WEEKLY_ABOVE = 60;

@defineElement("hw-mood-chart")
export class MoodChart extends Chart<MoodPoint> {
  static override styles = [Chart.styles, css`
    .line { fill: none; stroke: var(--hw-text); stroke-width: 2; stroke-linejoin: round; }
    .mark { fill: var(--hw-text); stroke: var(--hw-bg); stroke-width: 1.5; }
    .glance { margin: 4px 0 0; font-size: var(--hw-text-sm); }
  `];

  override render() {
    const { points, locale } = this;
    const [first, last] = [points[0], points.at(-1)];
    if (first === undefined || last === undefined) return nothing;
    const t = catalogue(locale).review;
    // The axis says the first and last day; ratings all on one day, their times instead.
    const oneDay = new Date(timeOf(first)).toDateString() === new Date(timeOf(last)).toDateString();
    const tickFormat = dateFormat(locale, oneDay ? { hour: "numeric", minute: "2-digit" } : { day: "numeric", month: "short" });
    const tick = (point: MoodPoint) => point.occurTime ? tickFormat.format(timestampDate(point.occurTime)) : "";
    const when = (point: MoodPoint) => point.occurTime
      ? dateFormat(locale, { day: "numeric", month: "short", hour: "numeric", minute: "2-digit" }).format(timestampDate(point.occurTime)) : "";
    const glance = moodGlance(points, locale);
    const weekly = points.length > WEEKLY_ABOVE;
    const drawn = weekly ? weeklyMeans(points) : points.map((p) => ({ time: timeOf(p), mood: p.mood }));
    const start = timeOf(first);
    const span = Math.max(timeOf(last) - start, 1);
    const x = (time: number) => points.length === 1
      ? (PAD.left + WIDTH - PAD.right) / 2 : PAD.left + ((time - start) / span) * (WIDTH - PAD.left - PAD.right);
    const y = (mood: number) => PAD.top + ((MAX - Math.max(0, Math.min(MAX, mood))) / MAX) * (HEIGHT - PAD.top - PAD.bottom);
    return html`
      <figure>
        ${this.heading ? html`<figcaption>${this.heading}</figcaption>` : nothing}
        <svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label=${`${this.heading ? `${this.heading}: ` : ""}${glance}`}
          data-drawn=${weekly ? "weekly" : "each"}>
          ${[0, 5, 10].map((v) => svg`<line class="grid" x1=${PAD.left} x2=${WIDTH - PAD.right} y1=${y(v)} y2=${y(v)}></line>
            <text class="tick" x=${PAD.left - 4} y=${y(v) + 4} text-anchor="end">${v}</text>`)}
          <line class="axis" x1=${PAD.left} x2=${PAD.left} y1=${PAD.top} y2=${HEIGHT - PAD.bottom}></line>
          <text class="tick" x=${PAD.left} y=${HEIGHT - 6}>${tick(first)}</text>
          ${points.length > 1 ? svg`<text class="tick" x=${WIDTH - PAD.right} y=${HEIGHT - 6} text-anchor="end">${tick(last)}</text>` : nothing}
          ${drawn.length > 1 ? svg`<polyline class="line" points=${drawn.map((p) => `${x(p.time)},${y(p.mood)}`).join(" ")}></polyline>` : nothing}
          ${points.length <= MARKERS_UP_TO ? points.map((p) => svg`<circle class="mark" cx=${x(timeOf(p))} cy=${y(p.mood)} r="4"></circle>`) : nothing}
        </svg>
        <p class="glance" data-glance>${glance}${weekly ? ` ${t.moodWeekly}` : ""}</p>
        <details>
          <summary>${t.showTable}</summary>
          <table data-mood-table>
            <caption class="visually-hidden">${this.heading}</caption>
            <thead><tr><th scope="col">${t.date}</th><th scope="col">${t.mood}</th></tr></thead>
            <tbody>${points.map((p) => html`<tr><th scope="row">${when(p)}</th><td>${p.mood}</td></tr>`)}</tbody>
          </table>
        </details>
      </figure>`;
  }
}

/** The ratings in words: how many, the latest, the average and the range. The chart's accessible
 * name, and the review panel's glance line while the chart waits closed. */
export function moodGlance(points: MoodPoint[], locale: Locale): string {
  const moods = points.map((p) => p.mood);
  const mean = moods.reduce((sum, mood) => sum + mood, 0) / Math.max(moods.length, 1);
  const average = numberFormat(locale, { maximumFractionDigits: 1 }).format(mean);
  return catalogue(locale).review.moodGlance(moods.length, moods.at(-1) ?? 0, average, Math.min(...moods), Math.max(...moods));
}

function timeOf(point: MoodPoint): number {
  return point.occurTime ? timestampDate(point.occurTime).getTime() : 0;
}

/** The mean rating of each Monday-to-Sunday week (the browser's local time), at the week's middle. */
function weeklyMeans(points: MoodPoint[]): { time: number; mood: number }[] {
  const weeks = new Map<number, { sum: number; count: number; first: number; last: number }>();
  for (const point of points) {
    const time = timeOf(point);
    const date = new Date(time);
    const monday = new Date(date.getFullYear(), date.getMonth(), date.getDate() - ((date.getDay() + 6) % 7)).getTime();
    const week = weeks.get(monday) ?? { sum: 0, count: 0, first: time, last: time };
    week.sum += point.mood;
    week.count += 1;
    week.last = time;
    weeks.set(monday, week);
  }
  return [...weeks.values()].map((w) => ({ time: (w.first + w.last) / 2, mood: w.sum / w.count }));
}

declare global {
  interface HTMLElementTagNameMap {
    "hw-mood-chart": MoodChart;
  }
}
