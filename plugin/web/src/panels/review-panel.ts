// <homework-review-panel>: what the therapist opens at the start of a session, from
// GetReviewSummary. Urgent flags first, then per assignment its adherence, the SUDS of each
// practice (before, peak, after), recent completions with a form to mark each reviewed
// (ReviewCompletion with a quality rating and feedback); then what to discuss (thought records,
// experiments), mood and measure trends, hierarchies and the service's suggested adjustments.
// With a `channel` it reloads when the session relays a completion or review event.
//
// Properties: `api` (a HomeworkClient; in a session over createJanusTransport), `client` (the
// client's resource name), optional `channel`. Clinical content is shown, never logged.

import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { property, state } from "lit/decorators.js";
import { defineElement } from "../shared/define.js";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { HomeworkClient } from "../client/homework-client.js";
import type { SessionChannel } from "../client/session-channel.js";
import { toApiError } from "../client/errors.js";
import { Event_Type } from "../gen/therapy/homework/v1/event_pb.js";
import { Completion_Status, type Completion } from "../gen/therapy/homework/v1/completion_pb.js";
import { ProgressionSuggestion_Kind, type AssignmentReview, type ReviewSummary }
  from "../gen/therapy/homework/v1/review_summary_pb.js";
import { Measure } from "../gen/therapy/homework/v1/assignment_pb.js";
import { panelStyles } from "./panel-styles.js";
import "../shared/suds-chart.js";
import { idOf } from "./dom-ids.js";
import { catalogue, elementLocale, type Locale } from "../shared/i18n.js";

@defineElement("homework-review-panel")
export class HomeworkReviewPanel extends LitElement {
  static override styles = panelStyles;

  @property({ attribute: false }) api?: HomeworkClient;
  @property() client = "";
  @property({ attribute: false }) channel?: SessionChannel;

  @state() private summary?: ReviewSummary;
  @state() private error = "";
  @state() private saving = "";
  @state() private reviewedNow = new Set<string>();

  private unsubscribe?: () => void;

  override updated(changed: PropertyValues<this>): void {
    if (changed.has("api") || changed.has("client")) void this.load();
    if (changed.has("channel")) {
      this.unsubscribe?.();
      this.unsubscribe = this.channel?.on("event", (event) => {
        const type = event.detail.type;
        if (type === Event_Type.COMPLETION_RECORDED || type === Event_Type.COMPLETION_REVIEWED ||
            type === Event_Type.URGENT_FLAG_RAISED || type === Event_Type.ASSIGNMENT_CREATED) {
          void this.load();
        }
      });
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
  }

  /** Reloads the summary; public so a host page can refresh it. */
  async load(): Promise<void> {
    if (this.api === undefined || this.client === "") return;
    try {
      this.summary = await this.api.getReviewSummary({ client: this.client });
      this.error = "";
    } catch (error) {
      this.error = toApiError(error).message;
    }
  }

  /** The catalogue and locale of the nearest `lang`. */
  private get locale(): Locale {
    return elementLocale(this);
  }

  override render(): TemplateResult {
    const summary = this.summary;
    const locale = this.locale;
    const t = catalogue(locale).panels;
    return html`
      <h2 id="title">${t.reviewTitle}</h2>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${summary === undefined ? html`<p class="status">${t.loading}</p>` : html`
        ${summary.urgentFlags.length > 0 ? html`
          <section class="urgent" role="alert" aria-labelledby="urgent-title">
            <h3 id="urgent-title">${t.urgent}</h3>
            <ul>${summary.urgentFlags.map((flag) => html`
              <li data-completion=${flag.completion}>${when(flag.occurTime, locale)}: ${flag.reason}</li>`)}</ul>
          </section>` : nothing}
        <p class="status" data-unreviewed=${summary.unreviewedCount}>${t.unreviewed(summary.unreviewedCount)}</p>
        ${summary.assignments.map((review) => this.renderAssignment(review, locale))}
        ${this.renderToDiscuss(summary.toDiscuss, locale)}
        ${this.renderTrends(summary, locale)}
        ${summary.hierarchies.length > 0 ? html`
          <section aria-labelledby="hier-title">
            <h3 id="hier-title">${t.hierarchies}</h3>
            ${summary.hierarchies.map((h) => html`<div>
              <p>${t.hierarchyStep(h.hierarchy?.target ?? "", (h.hierarchy?.currentStep ?? 0) + 1)}:
              ${progression(h.suggestion?.kind, locale)}
              ${h.suggestion?.reason ? html` (${h.suggestion.reason})` : nothing}</p>
              ${h.currentStepSeries.length > 0 ? html`<hw-suds-chart .points=${h.currentStepSeries}
                .anchors=${h.hierarchy?.anchors}
                heading=${h.hierarchy?.steps[h.hierarchy.currentStep]?.situation ?? ""}></hw-suds-chart>` : nothing}
            </div>`)}
          </section>` : nothing}
        ${summary.suggestedAdjustments.length > 0 ? html`
          <section aria-labelledby="adj-title">
            <h3 id="adj-title">${t.adjustments}</h3>
            <ul>${summary.suggestedAdjustments.map((a) => html`
              <li>${a.suggestion} <span class="status">(${a.reason})</span></li>`)}</ul>
          </section>` : nothing}
      `}`;
  }

  private renderAssignment(review: AssignmentReview, locale: Locale): TemplateResult {
    const t = catalogue(locale).panels;
    const assignment = review.assignment;
    const adherence = review.adherence;
    const titleId = `a-${idOf(assignment?.name ?? "")}`;
    return html`
      <section aria-labelledby=${titleId} data-assignment=${assignment?.name ?? ""}>
        <h3 id=${titleId}>${assignment?.title}</h3>
        ${adherence ? html`<p>
          ${t.adherence(adherence.completedCount, adherence.targetCount)}${adherence.ratio !== undefined
            ? ` (${Math.round(adherence.ratio * 100)}%)` : ""};
          ${t.adherenceMissed(adherence.missedCount, adherence.skippedCount, adherence.streak)}
        </p>` : nothing}
        ${review.sudsSeries.length > 0 ? html`<hw-suds-chart .points=${review.sudsSeries}
          heading=${t.sudsPerPractice(assignment?.title ?? "")}></hw-suds-chart>` : nothing}
        ${review.progression && review.progression.kind !== ProgressionSuggestion_Kind.UNSPECIFIED ? html`
          <p>${t.nextStep} <strong>${progression(review.progression.kind, locale)}</strong> — ${review.progression.reason}</p>`
          : nothing}
        <ul aria-label=${t.recentCompletions(assignment?.title ?? "")}>
          ${review.recentCompletions.map((c) => this.renderCompletion(c, locale))}
        </ul>
      </section>`;
  }

  private renderCompletion(completion: Completion, locale: Locale): TemplateResult {
    const t = catalogue(locale).panels;
    const id = idOf(completion.name);
    const reviewed = completion.review !== undefined || this.reviewedNow.has(completion.name);
    return html`
      <li data-completion=${completion.name}>
        ${when(completion.occurTime, locale)}: ${completionFacts(completion, locale)}
        ${completion.clientNote ? html`<br><q>${completion.clientNote}</q>` : nothing}
        ${reviewed ? html`<p class="status" data-reviewed>${t.reviewed}${completion.review
          ? ` (${t.quality(completion.review.qualityRating)})` : nothing}</p>` : html`
          <form @submit=${(e: SubmitEvent) => this.review(e, completion)}>
            <div class="row">
              <div><label for="q-${id}">${t.qualityLabel}</label>
                <select id="q-${id}" name="quality" required>
                  ${[5, 4, 3, 2, 1].map((n) => html`<option value=${n} ?selected=${n === 4}>${n}</option>`)}
                </select></div>
              <div><label for="f-${id}">${t.feedback}</label>
                <input id="f-${id}" name="feedback" maxlength="2000"></div>
            </div>
            <button type="submit" class="primary" ?disabled=${this.saving === completion.name}>${t.markReviewed}</button>
          </form>`}
      </li>`;
  }

  private renderToDiscuss(items: Completion[], locale: Locale): TemplateResult | typeof nothing {
    if (items.length === 0) return nothing;
    const t = catalogue(locale).panels;
    return html`
      <section aria-labelledby="discuss-title">
        <h3 id="discuss-title">${t.toDiscuss}</h3>
        <ul>${items.map((c) => html`<li data-completion=${c.name}>${when(c.occurTime, locale)}:
          ${c.record.case === "thoughtRecord" ? html`${t.thoughtRecord} — “${c.record.value.automaticThought}”
            ${c.record.value.balancedThought ? html` → “${c.record.value.balancedThought}”` : nothing}`
          : c.record.case === "experiment" ? t.experiment(c.record.value.prediction, c.record.value.outcome)
          : statusText(c.status, locale)}</li>`)}</ul>
      </section>`;
  }

  private renderTrends(summary: ReviewSummary, locale: Locale): TemplateResult | typeof nothing {
    if (summary.moodTrend.length === 0 && summary.measureTrend.length === 0) return nothing;
    const t = catalogue(locale).panels;
    return html`
      <section aria-labelledby="trend-title">
        <h3 id="trend-title">${t.trends}</h3>
        ${summary.moodTrend.length > 0 ? html`<p>${t.moodTrend}
          ${summary.moodTrend.map((p) => p.mood).join(", ")}</p>` : nothing}
        ${summary.measureTrend.length > 0 ? html`<p>${t.measureTrend}
          ${summary.measureTrend.map((p) => `${measureName(p.measure, locale)} ${p.total}`).join(", ")}</p>` : nothing}
      </section>`;
  }

  private async review(event: SubmitEvent, completion: Completion): Promise<void> {
    event.preventDefault();
    if (this.api === undefined) return;
    const form = new FormData(event.target as HTMLFormElement);
    this.saving = completion.name;
    try {
      await this.api.reviewCompletion({
        name: completion.name,
        etag: completion.etag,
        review: { qualityRating: Number(form.get("quality")), feedback: String(form.get("feedback") ?? "") },
      });
      this.reviewedNow = new Set([...this.reviewedNow, completion.name]);
      this.error = "";
      await this.load();
    } catch (error) {
      const apiError = toApiError(error);
      this.error = [apiError.message, ...apiError.fieldViolations.map((v) => `${v.field}: ${v.description}`)].join("; ");
    } finally {
      this.saving = "";
    }
  }
}

/** A moment as the locale writes it, e.g. "Tue 10 Mar, 09:30". */
function when(time: Timestamp | undefined, locale: Locale): string {
  if (time === undefined) return "";
  return timestampDate(time).toLocaleString(locale, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

/** Status, minutes, SUDS and mood of a completion in one line. */
function completionFacts(completion: Completion, locale: Locale): string {
  const t = catalogue(locale).panels;
  const facts = [statusText(completion.status, locale)];
  if (completion.minutes > 0) facts.push(t.minutes(completion.minutes));
  const suds = completion.suds;
  if (suds) facts.push(t.suds(String(suds.before ?? "–"), String(suds.peak ?? "–"), String(suds.after ?? "–")));
  if (completion.mood !== undefined) facts.push(t.mood(completion.mood));
  return facts.join(", ");
}

function statusText(status: Completion_Status, locale: Locale): string {
  const t = catalogue(locale).panels;
  switch (status) {
    case Completion_Status.DONE: return t.statusDone;
    case Completion_Status.PARTIAL: return t.statusPartial;
    case Completion_Status.MINIMUM_VERSION: return t.statusMinimum;
    case Completion_Status.SKIPPED: return t.statusSkipped;
    default: return t.statusRecorded;
  }
}

function progression(kind: ProgressionSuggestion_Kind | undefined, locale: Locale): string {
  const t = catalogue(locale).panels;
  switch (kind) {
    case ProgressionSuggestion_Kind.ADVANCE: return t.advance;
    case ProgressionSuggestion_Kind.REPEAT: return t.repeat;
    case ProgressionSuggestion_Kind.STEP_BACK: return t.stepBack;
    default: return t.noSuggestion;
  }
}

function measureName(measure: Measure, locale: Locale): string {
  const catalogued = catalogue(locale).measureName[Measure[measure]];
  return catalogued ?? catalogue(locale).panels.measure;
}

declare global {
  interface HTMLElementTagNameMap {
    "homework-review-panel": HomeworkReviewPanel;
  }
}
