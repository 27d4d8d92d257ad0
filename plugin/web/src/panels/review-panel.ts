// <homework-review-panel>: what the therapist opens at the start of a session, from
// GetReviewSummary. Urgent flags that still need someone come first (<hw-safety-flags>, with
// acknowledge and resolve), then the work to review: every completion of the period as a card,
// unreviewed first (oldest first), each opening to its full content laid out for its kind
// (review/records/*). Several are reviewed at once: select them (checkbox, x, "select all
// unreviewed"), choose one quality (nothing preset) and write one feedback; each gets its own
// ReviewCompletion and a partial failure names the ones not saved, which stay selected. Beside
// it: the PHQ-9/GAD-7 trend over their severity bands with each point's reliable-change class,
// practice per assignment with its SUDS chart, hierarchies, mood and suggested adjustments.
// Keyboard: j/k (or arrows) move between cards, x selects, o/Enter opens, a selects all
// unreviewed, r goes to the rating; the panel lists them. With a `live` LiveSession it reloads on the
// session's events; without one it watches the client's events itself (WatchEvents).
//
// Properties: `api` (a HomeworkClient; in a session over createJanusTransport), `client` (the
// client's resource name), optional `live` (the open LiveSession). Clinical content is shown, never logged.

import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { property, state } from "lit/decorators.js";
import { live } from "lit/directives/live.js";
import { repeat } from "lit/directives/repeat.js";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { defineElement } from "../shared/define.js";
import type { HomeworkClient } from "../client/homework-client.js";
import type { LiveSession } from "../client/live-session.js";
import { toApiError } from "../client/errors.js";
import { watchClientEvents } from "../client/watch-events.js";
import { Event_Type, type Event as HomeworkEvent } from "../gen/therapy/homework/v1/event_pb.js";
import { Completion_Status, MeasureResponse_Severity, type Completion } from "../gen/therapy/homework/v1/completion_pb.js";
import { MeasureChange_ReliableChange, ProgressionSuggestion_Kind, type AssignmentReview, type MeasurePoint,
  type ReviewSummary } from "../gen/therapy/homework/v1/review_summary_pb.js";
import { ExerciseKind, Measure, type Assignment } from "../gen/therapy/homework/v1/assignment_pb.js";
import "../shared/suds-chart.js";
import "../shared/measure-chart.js";
import { moodGlance } from "../shared/mood-chart.js";
import "../review/safety-flags.js";
import type { SafetyFlags } from "../review/safety-flags.js";
import { recordContext, renderRecord, when } from "../review/records/index.js";
import { reviewStyles } from "../review/styles.js";
import { idOf } from "./dom-ids.js";
import { adherenceFigures, adherenceStyles } from "../shared/adherence.js";
import { catalogue, elementLocale, type Locale } from "../shared/i18n.js";
import { dateFormat } from "../shared/intl-formats.js";

/** The panel's width (px) from which the charts sit open beside the queue (52rem). */
const COMPACT_BELOW_PX = 832;
/** Events that change what the panel shows (not ASSIGNMENT_CREATED: a new assignment is a draft,
 * and the review covers active assignments only). */
const RELOAD_ON = new Set([Event_Type.COMPLETION_RECORDED, Event_Type.COMPLETION_REVIEWED, Event_Type.URGENT_FLAG_RAISED,
  Event_Type.ASSIGNMENT_UPDATED, Event_Type.HIERARCHY_UPDATED]);
const FLAG_EVENTS = new Set([Event_Type.URGENT_FLAG_RAISED, Event_Type.SAFETY_FLAG_RAISED, Event_Type.SAFETY_FLAG_ACKNOWLEDGED,
  Event_Type.SAFETY_FLAG_RESOLVED, Event_Type.SAFETY_FLAG_ESCALATED]);

/** A completion with the assignment it belongs to. */
interface Item {
  completion: Completion;
  assignment?: Assignment;
}

/** The outcome of the last review batch. */
interface BatchResult {
  done: number;
  total: number;
  failed: { item: Item; why: string }[];
}

@defineElement("homework-review-panel")
export class HomeworkReviewPanel extends LitElement {
  static override styles = [...reviewStyles, adherenceStyles];

  @property({ attribute: false }) api?: HomeworkClient;
  @property() client = "";
  @property({ attribute: false }) live?: LiveSession;

  @state() private summary?: ReviewSummary;
  @state() private measureTrend: MeasurePoint[] = [];
  @state() private error = "";
  @state() private selected = new Set<string>();
  @state() private expanded = new Set<string>();
  @state() private quality = 0;
  @state() private qualityError = "";
  @state() private selectionError = "";
  @state() private saving = false;
  @state() private result?: BatchResult;

  /** Narrower than the two-column layout: the charts wait behind a one-line glance. */
  @state() private compact = true;
  @state() private opened = new Set<string>();

  private unsubscribe?: () => void;
  private watch?: AbortController;
  private readonly resize = new ResizeObserver(([entry]) => {
    const compact = (entry?.contentRect.width ?? 0) < COMPACT_BELOW_PX;
    if (compact !== this.compact) this.compact = compact;
  });
  private reloadTimer?: ReturnType<typeof setTimeout>;

  override updated(changed: PropertyValues<this>): void {
    if (changed.has("api") || changed.has("client")) void this.load();
    if (changed.has("live") || changed.has("api") || changed.has("client")) this.listen();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize.disconnect();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.watch?.abort();
    this.watch = undefined;
    clearTimeout(this.reloadTimer);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.resize.observe(this);
    if (this.hasUpdated) this.listen();
  }

  /** Events from the session relay, or from the panel's own WatchEvents stream without one. */
  private listen(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.watch?.abort();
    this.watch = undefined;
    if (this.live) {
      const live = this.live;
      const offs = [
        live.on("event", (event) => {
          // A change of a draft (each keystroke in the session) leaves the review as it is; the
          // draft assigned is (draft-removed, below).
          if (event.detail.type === Event_Type.ASSIGNMENT_UPDATED && live.isOpenDraft(event.detail.resource)) return;
          this.onEvent(event.detail);
        }),
        live.on("draft-removed", (event) => { if (event.detail.reason === "assigned") this.reloadSoon(); }),
      ];
      this.unsubscribe = () => { for (const off of offs) off(); };
    } else if (this.api && this.client) {
      this.watch = new AbortController();
      void watchClientEvents(this.api, this.client, (event) => this.onEvent(event), this.watch.signal);
    }
  }

  private onEvent(event: HomeworkEvent): void {
    if (event.client && this.client && event.client !== this.client) return;
    if (FLAG_EVENTS.has(event.type)) void this.flagsElement?.load();
    if (RELOAD_ON.has(event.type)) this.reloadSoon();
  }

  /** A batch of reviews arrives as a burst of events: one reload for the burst. */
  private reloadSoon(): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => { if (!this.saving) void this.load(); }, 250);
  }

  private get flagsElement(): SafetyFlags | null {
    return this.renderRoot.querySelector("hw-safety-flags");
  }

  /** Reloads the summary (and the flags); public so a host page can refresh it. */
  async load(): Promise<void> {
    if (this.api === undefined || this.client === "") return;
    try {
      // One call: the period's review, and the measures of the 180 days before it for the trend.
      const summary = await this.api.getReviewSummary({ client: this.client });
      this.summary = summary;
      this.measureTrend = [...summary.earlierMeasures, ...summary.measureTrend];
      this.error = "";
      // Selections of work reviewed meanwhile (elsewhere) drop out.
      const open = new Set(this.items().filter((i) => !i.completion.review).map((i) => i.completion.name));
      if ([...this.selected].some((name) => !open.has(name))) {
        this.selected = new Set([...this.selected].filter((name) => open.has(name)));
      }
    } catch (error) {
      this.error = toApiError(error).message;
    }
  }

  private get locale(): Locale {
    return elementLocale(this);
  }

  /** Every completion of the period once, with its assignment. */
  private items(): Item[] {
    const summary = this.summary;
    if (!summary) return [];
    const assignments = new Map<string, Assignment>();
    const byName = new Map<string, Item>();
    for (const review of summary.assignments) {
      if (review.assignment) assignments.set(review.assignment.name, review.assignment);
    }
    const add = (completion: Completion) => {
      if (byName.has(completion.name)) return;
      byName.set(completion.name, { completion, assignment: assignments.get(assignmentOf(completion.name)) });
    };
    summary.assignments.forEach((review) => review.recentCompletions.forEach(add));
    summary.toDiscuss.forEach(add);
    return [...byName.values()];
  }

  override render(): TemplateResult {
    const summary = this.summary;
    const locale = this.locale;
    const t = catalogue(locale);
    const items = this.items();
    const unreviewed = items.filter((i) => !i.completion.review).sort((a, b) => time(a) - time(b));
    const reviewed = items.filter((i) => i.completion.review).sort((a, b) => time(b) - time(a));
    return html`
      <header class="head">
        <h2 id="title">${t.panels.reviewTitle}</h2>
        ${summary ? html`<p class="lede" data-unreviewed=${summary.unreviewedCount}>
          ${summary.sinceTime ? t.review.period(dayOf(summary.sinceTime, locale)) : nothing} ·
          <strong>${t.review.toReviewCount(summary.unreviewedCount)}</strong></p>` : nothing}
      </header>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <hw-safety-flags .api=${this.api} client=${this.client}></hw-safety-flags>
      ${summary === undefined ? html`<p class="status">${t.panels.loading}</p>` : html`
        <div class="layout">
          <div class="main">${this.renderQueue(unreviewed, reviewed, locale)}</div>
          <div class="side">
            ${this.renderMeasures(locale)}
            ${this.renderPractice(summary, locale)}
          </div>
        </div>`}`;
  }

  /**
   * The cards are keyed by completion: when one moves to the reviewed list (here or elsewhere),
   * the others keep their own elements, so focus and a checkbox being clicked stay with their
   * completion, and each checkbox shows the selection (`live`), whatever was clicked before.
   */
  private renderQueue(unreviewed: Item[], reviewed: Item[], locale: Locale): TemplateResult {
    const t = catalogue(locale).review;
    const selectedCount = unreviewed.filter((i) => this.selected.has(i.completion.name)).length;
    return html`
      <section class="queue" aria-labelledby="queue-title">
        <div class="queue-head">
          <h3 id="queue-title">${t.queueTitle} <span class="count">(${unreviewed.length})</span></h3>
          ${unreviewed.length > 0 ? html`<div class="toolbar">
            <button type="button" data-select-all @click=${() => this.selectAll()}>${t.selectAll}</button>
            ${selectedCount > 0 ? html`<button type="button" @click=${() => { this.selected = new Set(); }}>${t.clearSelection}</button>` : nothing}
            <span class="count" aria-live="polite" data-selected=${selectedCount}>${t.selectedCount(selectedCount)}</span>
          </div>` : nothing}
        </div>
        ${unreviewed.length === 0 ? html`<p class="muted">${t.queueEmpty}</p>` : html`
          <ul class="cards" aria-labelledby="queue-title" @keydown=${this.shortcut}>
            ${repeat(unreviewed, (item) => item.completion.name, (item) => this.renderCard(item, locale))}
          </ul>
          ${this.renderForm(selectedCount, locale)}
          <details class="shortcuts">
            <summary>${t.shortcutsTitle}</summary>
            <dl class="keys">${t.shortcuts.map(([keys, what]) => html`<dt>${keys.split(" / ").map((k, i) =>
              html`${i > 0 ? " / " : ""}<kbd>${k}</kbd>`)}</dt><dd>${what}</dd>`)}</dl>
            <p class="muted small">${t.shortcutsNote}</p>
          </details>`}
        ${reviewed.length > 0 ? html`
          <details class="reviewed">
            <summary>${t.reviewedTitle(reviewed.length)}</summary>
            <ul class="cards" @keydown=${this.shortcut}>${repeat(reviewed, (item) => item.completion.name,
              (item) => this.renderCard(item, locale))}</ul>
          </details>` : nothing}
      </section>`;
  }

  private renderCard(item: Item, locale: Locale): TemplateResult {
    const t = catalogue(locale);
    const { completion, assignment } = item;
    const id = idOf(completion.name);
    const open = this.expanded.has(completion.name);
    const review = completion.review;
    const selected = !review && this.selected.has(completion.name);
    const title = assignment?.title ?? t.review.kind.UNSPECIFIED!;
    const kind = assignment?.exercise?.kind ?? ExerciseKind.UNSPECIFIED;
    const point = this.pointOf(completion.name);
    const gist = gistOf(completion, point, locale);
    return html`
      <li class="card ${review ? "is-reviewed" : ""} ${selected ? "is-selected" : ""}" data-completion=${completion.name}
          data-kind=${ExerciseKind[kind]} ?data-reviewed=${review !== undefined}>
        <div class="card-head">
          ${review ? nothing : html`<label class="pick"><input type="checkbox" data-select .checked=${live(selected)}
            aria-label=${t.review.selectOne(title, when(completion.occurTime, locale))}
            @change=${(e: Event) => this.toggle(completion.name, (e.target as HTMLInputElement).checked)}></label>`}
          <button type="button" class="open" id="open-${id}" aria-expanded=${open ? "true" : "false"} aria-controls="body-${id}"
              @click=${() => this.toggleOpen(completion.name)}>
            <span class="title">${title}</span>
            <span class="chip">${statusText(completion.status, locale)}</span>
            <span class="meta">${t.review.kind[ExerciseKind[kind]] ?? ""} · ${when(completion.occurTime, locale)}${review
                ? html` · ${t.review.reviewedBy(review.qualityRating, dayOf(review.reviewTime, locale))}` : nothing}</span>
            ${gist ? html`<span class="gist">${gist}</span>` : nothing}
          </button>
        </div>
        <div class="card-body" id="body-${id}" ?hidden=${!open} data-body>
          ${open ? html`
            ${renderRecord(completion, recordContext(locale, assignment, point))}
            ${review ? html`<div class="review-note" data-part="review">
              <p><strong>${t.review.reviewedBy(review.qualityRating, dayOf(review.reviewTime, locale))}</strong></p>
              ${review.feedback ? html`<p>${t.review.yourFeedback}: <q data-part="feedback">${review.feedback}</q></p>` : nothing}
            </div>` : nothing}` : nothing}
        </div>
      </li>`;
  }

  private renderForm(selectedCount: number, locale: Locale): TemplateResult {
    const t = catalogue(locale).review;
    const result = this.result;
    return html`
      <form class="bulk" novalidate aria-labelledby="form-title" @submit=${this.submit}>
        <h4 id="form-title">${t.formTitle}</h4>
        <fieldset class="quality" aria-invalid=${this.qualityError ? "true" : "false"}
            aria-describedby=${this.qualityError ? "quality-error" : nothing}>
          <legend>${t.qualityLegend}</legend>
          <div class="scale">${[1, 2, 3, 4, 5].map((n) => html`<label>
            <input type="radio" name="quality" value=${n} .checked=${this.quality === n}
              @change=${() => { this.quality = n; this.qualityError = ""; }}>${n}</label>`)}
          </div>
          ${this.qualityError ? html`<p class="field-error" id="quality-error">${this.qualityError}</p>` : nothing}
        </fieldset>
        <label for="feedback">${t.feedbackLabel}</label>
        <textarea id="feedback" name="feedback" maxlength="2000"></textarea>
        <button type="submit" class="primary" ?disabled=${this.saving}
          aria-describedby=${this.selectionError ? "selection-error" : nothing}>${this.saving ? t.saving : t.submit(selectedCount)}</button>
        ${this.selectionError ? html`<p class="field-error" id="selection-error">${this.selectionError}</p>` : nothing}
        <div role="status" class="result ${result && result.failed.length === 0 ? "ok" : ""}" data-result>
          ${result === undefined ? nothing : result.failed.length === 0 ? t.savedAll(result.done) : html`
            <p class="error">${t.savedSome(result.done, result.total)}</p>
            <ul>${result.failed.map(({ item, why }) => html`<li data-failed=${item.completion.name}>${t.failedItem(
              item.assignment?.title ?? "", when(item.completion.occurTime, locale), why)}</li>`)}</ul>`}
        </div>
      </form>`;
  }

  private renderMeasures(locale: Locale): TemplateResult | typeof nothing {
    if (this.measureTrend.length === 0) return nothing;
    const t = catalogue(locale);
    const measures = [Measure.PHQ9, Measure.GAD7].filter((m) => this.measureTrend.some((p) => p.measure === m));
    const glance = measures.map((measure) => {
      const last = this.measureTrend.filter((p) => p.measure === measure).at(-1)!;
      const change = last.change?.sinceBaseline ?? MeasureChange_ReliableChange.UNSPECIFIED;
      return html`<span>${t.measureName[Measure[measure]]} ${last.total}${change !== MeasureChange_ReliableChange.UNSPECIFIED
        ? html` · <span class="rc ${change === MeasureChange_ReliableChange.DETERIORATION ? "worse"
          : change === MeasureChange_ReliableChange.IMPROVEMENT ? "better" : ""}">${t.review.change[MeasureChange_ReliableChange[change]]}</span>`
        : nothing}</span>`;
    });
    return this.section("measures", t.review.measuresTitle, html`${glance.map((g, i) => html`${i > 0 ? "; " : ""}${g}`)}`,
      html`${measures.map((measure) => html`<hw-measure-chart data-measure=${Measure[measure]}
        heading=${t.measureName[Measure[measure]] ?? ""} .points=${this.measureTrend.filter((p) => p.measure === measure)}></hw-measure-chart>`)}`);
  }

  /**
   * A side section: open with its heading when the panel is wide; when compact, a disclosure
   * whose summary is the heading and a one-line glance, opened on demand (and kept open).
   */
  private section(key: string, title: string, glance: TemplateResult | string, body: TemplateResult): TemplateResult {
    const id = `${key}-title`;
    if (!this.compact) {
      return html`<section aria-labelledby=${id} data-section=${key}><h3 id=${id}>${title}</h3>${body}</section>`;
    }
    return html`<details class="section" data-section=${key} ?open=${this.opened.has(key)}
        @toggle=${(e: Event) => this.remember(key, (e.target as HTMLDetailsElement).open)}>
      <summary><h3 id=${id}>${title}</h3><span class="glance">${glance}</span></summary>${body}</details>`;
  }

  private remember(key: string, open: boolean): void {
    if (this.opened.has(key) === open) return;
    const opened = new Set(this.opened);
    if (open) opened.add(key);
    else opened.delete(key);
    this.opened = opened;
  }

  private renderPractice(summary: ReviewSummary, locale: Locale): TemplateResult {
    const t = catalogue(locale);
    return html`
      ${summary.assignments.length > 0 ? html`
        <details class="section" data-practice>
          <summary><h3 id="practice-title">${t.review.practiceTitle} <span class="count">(${summary.assignments.length})</span></h3></summary>
          ${summary.assignments.map((review) => this.renderAssignment(review, locale))}
        </details>` : nothing}
      ${summary.hierarchies.length > 0 ? this.section("hierarchies", t.panels.hierarchies,
        summary.hierarchies.map((h) => `${t.panels.hierarchyStep(h.hierarchy?.target ?? "", (h.hierarchy?.currentStep ?? 0) + 1)}: ${
          progression(h.suggestion?.kind, locale)}`).join("; "), html`
          ${summary.hierarchies.map((h) => html`<div class="practice-card" data-hierarchy=${h.hierarchy?.name ?? ""}>
            <p>${t.panels.hierarchyStep(h.hierarchy?.target ?? "", (h.hierarchy?.currentStep ?? 0) + 1)}:
            <strong>${progression(h.suggestion?.kind, locale)}</strong>
            ${h.suggestion?.reason ? html` <span class="muted">(${h.suggestion.reason})</span>` : nothing}</p>
            ${h.currentStepSeries.length > 0 ? html`<hw-suds-chart .points=${h.currentStepSeries}
              .anchors=${h.hierarchy?.anchors}
              heading=${h.hierarchy?.steps[h.hierarchy.currentStep]?.situation ?? ""}></hw-suds-chart>` : nothing}
          </div>`)}`) : nothing}
      ${summary.moodTrend.length > 0 ? this.section("mood", t.review.moodTitle, moodGlance(summary.moodTrend, locale),
        html`<hw-mood-chart data-mood-trend .points=${summary.moodTrend}></hw-mood-chart>`) : nothing}
      ${summary.suggestedAdjustments.length > 0 ? html`
        <details class="section" data-adjustments>
          <summary><h3 id="adj-title">${t.panels.adjustments} <span class="count">(${summary.suggestedAdjustments.length})</span></h3></summary>
          <ul>${summary.suggestedAdjustments.map((a) => html`
            <li>${a.suggestion} <span class="status">(${a.reason})</span></li>`)}</ul>
        </details>` : nothing}`;
  }

  private renderAssignment(review: AssignmentReview, locale: Locale): TemplateResult {
    const t = catalogue(locale);
    const assignment = review.assignment;
    const adherence = review.adherence;
    const titleId = `a-${idOf(assignment?.name ?? "")}`;
    const kind = assignment?.exercise?.kind ?? ExerciseKind.UNSPECIFIED;
    return html`
      <div class="practice-row" role="group" aria-labelledby=${titleId} data-assignment=${assignment?.name ?? ""}>
        <p class="practice-line"><strong id=${titleId}>${assignment?.title}</strong>
          <span class="muted small">${t.review.kind[ExerciseKind[kind]] ?? ""}</span></p>
        ${adherence ? html`<div class="small">${adherenceFigures(adherence, this.summary?.sinceTime, locale)}
          ${adherence.skippedCount > 0 || adherence.meanQualityRating !== undefined ? html`<p class="muted">${
            t.review.skippedAndQuality(adherence.skippedCount, adherence.meanQualityRating?.toFixed(1))}</p>` : nothing}
        </div>` : nothing}
        ${review.progression && review.progression.kind !== ProgressionSuggestion_Kind.UNSPECIFIED ? html`
          <p class="small">${t.panels.nextStep} <strong>${progression(review.progression.kind, locale)}</strong> — ${review.progression.reason}</p>`
          : nothing}
        ${review.sudsSeries.length > 0 ? html`<details class="chart"><summary>${t.panels.sudsPerPractice(assignment?.title ?? "")}</summary>
          <hw-suds-chart .points=${review.sudsSeries}></hw-suds-chart></details>` : nothing}
      </div>`;
  }

  private pointOf(completion: string): MeasurePoint | undefined {
    return this.measureTrend.find((p) => p.completion === completion);
  }

  private toggle(name: string, on: boolean): void {
    const selected = new Set(this.selected);
    if (on) selected.add(name);
    else selected.delete(name);
    this.selected = selected;
    this.selectionError = "";
  }

  private toggleOpen(name: string): void {
    const expanded = new Set(this.expanded);
    if (!expanded.delete(name)) expanded.add(name);
    this.expanded = expanded;
  }

  private selectAll(): void {
    this.selected = new Set(this.items().filter((i) => !i.completion.review).map((i) => i.completion.name));
    this.selectionError = "";
  }

  /** j/k/arrows, x, o, a, r while a card has focus (never in a text field, never with modifiers). */
  private shortcut(event: KeyboardEvent): void {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.composedPath()[0] as HTMLElement;
    const card = target.closest<HTMLElement>("li.card");
    if (!card) return;
    const list = card.parentElement!;
    const cards = [...list.querySelectorAll<HTMLElement>(":scope > li.card")];
    const index = cards.indexOf(card);
    const name = card.dataset.completion ?? "";
    const focusCard = (to: HTMLElement | undefined) => to?.querySelector<HTMLElement>("button.open")?.focus();
    switch (event.key) {
      case "j": case "ArrowDown": focusCard(cards[Math.min(cards.length - 1, index + 1)]); break;
      case "k": case "ArrowUp": focusCard(cards[Math.max(0, index - 1)]); break;
      case "x": if (!card.hasAttribute("data-reviewed")) this.toggle(name, !this.selected.has(name)); break;
      case "o": this.toggleOpen(name); break;
      case "a": this.selectAll(); break;
      case "r": this.renderRoot.querySelector<HTMLInputElement>('input[name="quality"]')?.focus(); break;
      default: return;
    }
    event.preventDefault();
  }

  private async submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (this.api === undefined || this.saving) return;
    const t = catalogue(this.locale).review;
    const targets = this.items().filter((i) => !i.completion.review && this.selected.has(i.completion.name));
    this.selectionError = targets.length === 0 ? t.selectFirst : "";
    this.qualityError = this.quality === 0 ? t.qualityRequired : "";
    if (this.selectionError || this.qualityError) {
      await this.updateComplete;
      if (this.qualityError) this.renderRoot.querySelector<HTMLInputElement>('input[name="quality"]')?.focus();
      else this.renderRoot.querySelector<HTMLElement>("li.card button.open")?.focus();
      return;
    }
    const textarea = this.renderRoot.querySelector<HTMLTextAreaElement>("#feedback");
    const feedback = textarea?.value ?? "";
    const review = { qualityRating: this.quality, feedback };
    this.saving = true;
    this.result = undefined;
    const api = this.api;
    const outcomes = await Promise.allSettled(targets.map((item) =>
      api.reviewCompletion({ name: item.completion.name, etag: item.completion.etag, review })));
    const failed: BatchResult["failed"] = [];
    const selected = new Set(this.selected);
    outcomes.forEach((outcome, index) => {
      const item = targets[index]!;
      if (outcome.status === "fulfilled") {
        selected.delete(item.completion.name);
      } else {
        const failure = toApiError(outcome.reason);
        failed.push({ item, why: failure.code === Code.Aborted ? t.whyChanged : t.whyOther(failure.codeName) });
      }
    });
    this.selected = selected;
    this.result = { done: targets.length - failed.length, total: targets.length, failed };
    if (failed.length === 0) {
      // The next batch starts unrated again: a quality is chosen each time, never carried over.
      this.quality = 0;
      if (textarea) textarea.value = "";
    }
    this.saving = false;
    await this.load();
  }
}

/** The assignment of a completion name (`.../assignments/{a}/completions/{c}`). */
function assignmentOf(completion: string): string {
  return completion.split("/completions/")[0] ?? "";
}

function time(item: Item): number {
  return item.completion.occurTime ? Number(item.completion.occurTime.seconds) : 0;
}

function dayOf(time: Parameters<typeof timestampDate>[0] | undefined, locale: Locale): string {
  return time ? dateFormat(locale, { weekday: "short", day: "numeric", month: "short" }).format(timestampDate(time)) : "";
}

/** One line that says what a card holds before it is opened. */
function gistOf(completion: Completion, point: MeasurePoint | undefined, locale: Locale): TemplateResult | string {
  const all = catalogue(locale);
  const t = all.review;
  const record = completion.record;
  switch (record.case) {
    case "thoughtRecord": return record.value.automaticThought ? html`<q>${record.value.automaticThought}</q>` : "";
    case "experiment": return record.value.prediction ? html`<q>${record.value.prediction}</q>` : "";
    case "activity": return [record.value.activity,
      record.value.mastery !== undefined ? `${t.mastery} ${record.value.mastery}` : "",
      record.value.pleasure !== undefined ? `${t.pleasure} ${record.value.pleasure}` : ""].filter(Boolean).join(" · ");
    case "measure": {
      const change = point?.change?.sinceBaseline ?? MeasureChange_ReliableChange.UNSPECIFIED;
      const worse = change === MeasureChange_ReliableChange.DETERIORATION;
      return html`${all.measureName[Measure[record.value.measure]] ?? ""} ${record.value.total} ·
        ${t.bands[MeasureResponse_Severity[record.value.severity]] ?? ""}${change !== MeasureChange_ReliableChange.UNSPECIFIED
          ? html` · <span class="chip ${worse ? "worse" : ""}">${t.change[MeasureChange_ReliableChange[change]]}</span>` : nothing}`;
    }
    default: break;
  }
  const suds = completion.suds;
  if (suds && (suds.before !== undefined || suds.peak !== undefined || suds.after !== undefined)) {
    return all.panels.suds(String(suds.before ?? "–"), String(suds.peak ?? "–"), String(suds.after ?? "–"));
  }
  if (completion.mood !== undefined) return all.panels.mood(completion.mood);
  if (completion.status === Completion_Status.SKIPPED) return completion.skipReason;
  return completion.clientNote;
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

declare global {
  interface HTMLElementTagNameMap {
    "homework-review-panel": HomeworkReviewPanel;
  }
}
