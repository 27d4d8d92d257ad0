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
import { customElement, property, state } from "lit/decorators.js";
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

@customElement("homework-review-panel")
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

  override render(): TemplateResult {
    const summary = this.summary;
    return html`
      <h2 id="title">Since the last session</h2>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${summary === undefined ? html`<p class="status">Loading…</p>` : html`
        ${summary.urgentFlags.length > 0 ? html`
          <section class="urgent" role="alert" aria-labelledby="urgent-title">
            <h3 id="urgent-title">Needs attention now</h3>
            <ul>${summary.urgentFlags.map((flag) => html`
              <li data-completion=${flag.completion}>${when(flag.occurTime)}: ${flag.reason}</li>`)}</ul>
          </section>` : nothing}
        <p class="status" data-unreviewed=${summary.unreviewedCount}>
          ${summary.unreviewedCount} completion${summary.unreviewedCount === 1 ? "" : "s"} not yet reviewed
        </p>
        ${summary.assignments.map((review) => this.renderAssignment(review))}
        ${this.renderToDiscuss(summary.toDiscuss)}
        ${this.renderTrends(summary)}
        ${summary.hierarchies.length > 0 ? html`
          <section aria-labelledby="hier-title">
            <h3 id="hier-title">Exposure hierarchies</h3>
            ${summary.hierarchies.map((h) => html`<div>
              <p>${h.hierarchy?.target}, step ${(h.hierarchy?.currentStep ?? 0) + 1}: ${progression(h.suggestion?.kind)}
              ${h.suggestion?.reason ? html` (${h.suggestion.reason})` : nothing}</p>
              ${h.currentStepSeries.length > 0 ? html`<hw-suds-chart .points=${h.currentStepSeries}
                .anchors=${h.hierarchy?.anchors}
                heading=${h.hierarchy?.steps[h.hierarchy.currentStep]?.situation ?? ""}></hw-suds-chart>` : nothing}
            </div>`)}
          </section>` : nothing}
        ${summary.suggestedAdjustments.length > 0 ? html`
          <section aria-labelledby="adj-title">
            <h3 id="adj-title">Suggested adjustments</h3>
            <ul>${summary.suggestedAdjustments.map((a) => html`
              <li>${a.suggestion} <span class="status">(${a.reason})</span></li>`)}</ul>
          </section>` : nothing}
      `}`;
  }

  private renderAssignment(review: AssignmentReview): TemplateResult {
    const assignment = review.assignment;
    const adherence = review.adherence;
    const titleId = `a-${idOf(assignment?.name ?? "")}`;
    return html`
      <section aria-labelledby=${titleId} data-assignment=${assignment?.name ?? ""}>
        <h3 id=${titleId}>${assignment?.title}</h3>
        ${adherence ? html`<p>
          Done ${adherence.completedCount} of ${adherence.targetCount} expected
          ${adherence.ratio !== undefined ? html` (${Math.round(adherence.ratio * 100)}%)` : nothing};
          missed ${adherence.missedCount}, skipped ${adherence.skippedCount}; streak ${adherence.streak}.
        </p>` : nothing}
        ${review.sudsSeries.length > 0 ? html`<hw-suds-chart .points=${review.sudsSeries}
          heading="SUDS per practice of ${assignment?.title ?? ""}"></hw-suds-chart>` : nothing}
        ${review.progression && review.progression.kind !== ProgressionSuggestion_Kind.UNSPECIFIED ? html`
          <p>Next step: <strong>${progression(review.progression.kind)}</strong> — ${review.progression.reason}</p>`
          : nothing}
        <ul aria-label="Recent completions of ${assignment?.title ?? ""}">
          ${review.recentCompletions.map((c) => this.renderCompletion(c))}
        </ul>
      </section>`;
  }

  private renderCompletion(completion: Completion): TemplateResult {
    const id = idOf(completion.name);
    const reviewed = completion.review !== undefined || this.reviewedNow.has(completion.name);
    return html`
      <li data-completion=${completion.name}>
        ${when(completion.occurTime)}: ${completionFacts(completion)}
        ${completion.clientNote ? html`<br><q>${completion.clientNote}</q>` : nothing}
        ${reviewed ? html`<p class="status" data-reviewed>Reviewed${completion.review
          ? html` (quality ${completion.review.qualityRating}/5)` : nothing}</p>` : html`
          <form @submit=${(e: SubmitEvent) => this.review(e, completion)}>
            <div class="row">
              <div><label for="q-${id}">Quality (1-5)</label>
                <select id="q-${id}" name="quality" required>
                  ${[5, 4, 3, 2, 1].map((n) => html`<option value=${n} ?selected=${n === 4}>${n}</option>`)}
                </select></div>
              <div><label for="f-${id}">Feedback</label>
                <input id="f-${id}" name="feedback" maxlength="2000"></div>
            </div>
            <button type="submit" class="primary" ?disabled=${this.saving === completion.name}>Mark reviewed</button>
          </form>`}
      </li>`;
  }

  private renderToDiscuss(items: Completion[]): TemplateResult | typeof nothing {
    if (items.length === 0) return nothing;
    return html`
      <section aria-labelledby="discuss-title">
        <h3 id="discuss-title">To discuss</h3>
        <ul>${items.map((c) => html`<li data-completion=${c.name}>${when(c.occurTime)}:
          ${c.record.case === "thoughtRecord" ? html`Thought record — “${c.record.value.automaticThought}”
            ${c.record.value.balancedThought ? html` → “${c.record.value.balancedThought}”` : nothing}`
          : c.record.case === "experiment" ? html`Experiment — predicted “${c.record.value.prediction}”,
            outcome “${c.record.value.outcome}”` : statusText(c.status)}</li>`)}</ul>
      </section>`;
  }

  private renderTrends(summary: ReviewSummary): TemplateResult | typeof nothing {
    if (summary.moodTrend.length === 0 && summary.measureTrend.length === 0) return nothing;
    return html`
      <section aria-labelledby="trend-title">
        <h3 id="trend-title">Trends</h3>
        ${summary.moodTrend.length > 0 ? html`<p>Mood (0-10), oldest first:
          ${summary.moodTrend.map((p) => p.mood).join(", ")}</p>` : nothing}
        ${summary.measureTrend.length > 0 ? html`<p>Measures, oldest first:
          ${summary.measureTrend.map((p) => `${measureName(p.measure)} ${p.total}`).join(", ")}</p>` : nothing}
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

function when(time: Timestamp | undefined): string {
  if (time === undefined) return "";
  return timestampDate(time).toLocaleString(undefined, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

/** Status, minutes, SUDS and mood of a completion in one line. */
function completionFacts(completion: Completion): string {
  const facts = [statusText(completion.status)];
  if (completion.minutes > 0) facts.push(`${completion.minutes} min`);
  const suds = completion.suds;
  if (suds) facts.push(`SUDS ${suds.before ?? "–"}/${suds.peak ?? "–"}/${suds.after ?? "–"} (before/peak/after)`);
  if (completion.mood !== undefined) facts.push(`mood ${completion.mood}/10`);
  return facts.join(", ");
}

function statusText(status: Completion_Status): string {
  switch (status) {
    case Completion_Status.DONE: return "done";
    case Completion_Status.PARTIAL: return "partly done";
    case Completion_Status.MINIMUM_VERSION: return "two-minute version";
    case Completion_Status.SKIPPED: return "skipped";
    default: return "recorded";
  }
}

function progression(kind: ProgressionSuggestion_Kind | undefined): string {
  switch (kind) {
    case ProgressionSuggestion_Kind.ADVANCE: return "advance to the next step";
    case ProgressionSuggestion_Kind.REPEAT: return "repeat this step";
    case ProgressionSuggestion_Kind.STEP_BACK: return "step back or split this step";
    default: return "no suggestion";
  }
}

function measureName(measure: Measure): string {
  return measure === Measure.PHQ9 ? "PHQ-9" : measure === Measure.GAD7 ? "GAD-7" : "measure";
}

declare global {
  interface HTMLElementTagNameMap {
    "homework-review-panel": HomeworkReviewPanel;
  }
}
