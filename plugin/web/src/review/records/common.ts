// What every completion renderer shares: the context it is given, the field and list helpers, and
// the facts any completion may carry (status, minutes, engagement, emotions, SUDS, expectancy, the
// client's note). Each exercise kind has its own renderer module beside this one; index.ts maps
// kinds to them. Clinical content is shown, never logged.
import { html, nothing, type TemplateResult } from "lit";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Completion_Status, type Completion, type EmotionRating, type SudsRatings }
  from "../../gen/therapy/homework/v1/completion_pb.js";
import type { Assignment } from "../../gen/therapy/homework/v1/assignment_pb.js";
import type { MeasurePoint } from "../../gen/therapy/homework/v1/review_summary_pb.js";
import { catalogue, type Catalogue, type Locale } from "../../shared/i18n.js";

/** What a renderer gets besides the completion. */
export interface RecordContext {
  locale: Locale;
  /** The review texts of the locale. */
  t: Catalogue["review"];
  /** The assignment the completion belongs to (its kind and instructions), when known. */
  assignment?: Assignment;
  /** For an outcome measure: the summary's point for this completion (change, reliable change). */
  measurePoint?: MeasurePoint;
}

/** Renders one completion's full content, laid out for its kind. */
export type RecordRenderer = (completion: Completion, context: RecordContext) => TemplateResult;

/** The context for `locale`. */
export function recordContext(locale: Locale, assignment?: Assignment, measurePoint?: MeasurePoint): RecordContext {
  return { locale, t: catalogue(locale).review, assignment, measurePoint };
}

/** One labelled value of a record (`dt`/`dd` in a `div`); `part` names it for tests and styles. */
export function field(label: string, value: unknown, part: string): TemplateResult | typeof nothing {
  if (value === undefined || value === null || value === "") return nothing;
  // The client's own text keeps its line breaks; markup values are laid out by their template.
  const shown = typeof value === "string" ? html`<span class="text">${value}</span>` : value;
  return html`<div class="field" data-part=${part}><dt>${label}</dt><dd>${shown}</dd></div>`;
}

/** A percentage, or "not answered". */
export function percent(value: number | undefined, t: Catalogue["review"]): string {
  return value === undefined ? t.notAnswered : t.percent(value);
}

/** A 0-10 (or 0-max) rating as "7 of 10", or undefined when absent. */
export function outOf(value: number | undefined, max: number, t: Catalogue["review"]): string | undefined {
  return value === undefined ? undefined : t.outOf(value, max);
}

/** Emotions with their intensity as a small table with a caption. */
export function emotionsTable(emotions: EmotionRating[], caption: string, part: string,
                              t: Catalogue["review"]): TemplateResult | typeof nothing {
  if (emotions.length === 0) return nothing;
  return html`<table class="emotions" data-part=${part}>
    <caption>${caption}</caption>
    <thead><tr><th scope="col">${t.emotion}</th><th scope="col">${t.intensity}</th></tr></thead>
    <tbody>${emotions.map((e) => html`<tr><th scope="row">${e.emotion}</th>
      <td><span class="meter" aria-hidden="true"><span style="width:${clamp(e.intensity)}%"></span></span>${e.intensity}</td></tr>`)}</tbody>
  </table>`;
}

/** SUDS before, peak and after as three labelled figures, with the peak-to-end drop. */
export function sudsFigures(suds: SudsRatings | undefined, t: Catalogue["review"]): TemplateResult | typeof nothing {
  if (!suds || (suds.before === undefined && suds.peak === undefined && suds.after === undefined)) return nothing;
  const drop = suds.peak !== undefined && suds.after !== undefined && suds.peak > 0
    ? Math.round(((suds.peak - suds.after) / suds.peak) * 100) : undefined;
  const figure = (label: string, value: number | undefined, part: string) => html`
    <div class="figure" data-part=${part}><dt>${label}</dt><dd>${value ?? t.notAnswered}</dd></div>`;
  return html`<div class="field" data-part="suds"><dt>${t.sudsTitle}</dt><dd>
    <dl class="figures">${figure(t.sudsBefore, suds.before, "suds-before")}${figure(t.sudsPeak, suds.peak, "suds-peak")}${figure(t.sudsAfter, suds.after, "suds-after")}</dl>
    ${drop !== undefined && drop > 0 ? html`<span class="muted">${t.drop(drop)}</span>` : nothing}</dd></div>`;
}

/** Expectancy of the feared outcome: before → after, and whether it happened. */
export function expectancyFields(completion: Completion, t: Catalogue["review"]): TemplateResult | typeof nothing {
  const e = completion.expectancy;
  if (!e) return nothing;
  return html`
    ${field(t.expectancy, html`${percent(e.before, t)} ${t.before} → ${percent(e.after, t)} ${t.after}`, "expectancy")}
    ${e.fearedOutcomeOccurred !== undefined ? field(t.fearedHappened, e.fearedOutcomeOccurred ? t.yes : t.no, "feared-happened") : nothing}`;
}

/** The facts every kind may carry, after the kind's own content: minutes, engagement, note. */
export function commonFacts(completion: Completion, t: Catalogue["review"]): TemplateResult {
  return html`
    ${completion.status === Completion_Status.SKIPPED ? field(t.skipReason, completion.skipReason, "skip-reason") : nothing}
    ${completion.minutes > 0 ? field(t.minutes, String(completion.minutes), "minutes") : nothing}
    ${field(t.engagement, outOf(completion.engagement, 10, t), "engagement")}
    ${completion.clientNote ? html`<div class="field note" data-part="note"><dt>${t.clientNote}</dt>
      <dd><blockquote>${completion.clientNote}</blockquote></dd></div>` : nothing}`;
}

/** A list of strings (instructions the card or plan holds). */
export function list(label: string, items: readonly string[], part: string): TemplateResult | typeof nothing {
  if (items.length === 0) return nothing;
  return field(label, html`<ul>${items.map((item) => html`<li>${item}</li>`)}</ul>`, part);
}

/** A moment as the locale writes it, e.g. "Tue 10 Mar, 09:30". */
export function when(time: Timestamp | undefined, locale: Locale, timeZone?: string): string {
  if (time === undefined) return "";
  return timestampDate(time).toLocaleString(locale, {
    weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
    ...(timeZone ? { timeZone } : {}),
  });
}

function clamp(value: number): number {
  return Math.max(0, Math.min(100, value));
}
