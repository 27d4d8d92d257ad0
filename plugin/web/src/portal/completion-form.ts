// <hw-completion-form>: records one practice of an assignment, with the fields of its exercise
// kind (completion.proto), under the practice's instructions, rationale and plan
// (practice-brief.ts): a thought record, an experiment, SUDS before/peak/after on sliders that
// show the client's own hierarchy anchors and read "not rated yet" until moved (an untouched
// slider is not a rating; an exposure done or partly done needs all three), an activity, self-care, mood, or a PHQ-9/GAD-7.
// A thought record takes up to 10 emotions, one row each (name, intensity 0-100), and optionally
// the emotions re-rated after the balanced thought. "I did the two-minute version" is a status of
// its own. The form checks what the service would
// refuse before anything is saved (the rules of core/rules/validation.cc, with the same field paths
// minus `completion.`), shows each error at its field, and also shows the service's own field
// violations (showViolations). A PHQ-9 item 9 answer above zero shows the crisis resources at
// once. It saves nothing itself: it fires `hw-completion-submit` with the built Completion.
import { LitElement, css, html, nothing, type TemplateResult } from "lit";
import { property, state } from "lit/decorators.js";
import { defineElement } from "../shared/define.js";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ExerciseKind, Measure, type Assignment } from "../gen/therapy/homework/v1/assignment_pb.js";
import { CompletionSchema, Completion_Status, type Completion } from "../gen/therapy/homework/v1/completion_pb.js";
import type { Hierarchy } from "../gen/therapy/homework/v1/hierarchy_pb.js";
import type { FieldViolation } from "../client/errors.js";
import { baseStyles } from "../shared/styles.js";
import { catalogue, elementLocale, type Catalogue, type Locale, type Say } from "../shared/i18n.js";
import { briefStyles, practiceBrief } from "./practice-brief.js";

/** A crisis line or service the platform configures (e.g. a national hotline). */
export interface CrisisResource {
  /** The service's name, e.g. "988 Suicide & Crisis Lifeline". */
  name: string;
  /** Optional. A phone number to dial. */
  phone?: string;
  /** Optional. A web address. */
  url?: string;
  /** Optional. A line of explanation, e.g. "Call or text, 24/7". */
  text?: string;
}

/** The detail of `hw-completion-submit`. */
export interface CompletionSubmit {
  /** The assignment's resource name. */
  parent: string;
  completion: Completion;
}

type Values = Record<string, string>;

/** The two emotion lists of a thought record, by their field paths (core/rules/validation.cc). */
const EMOTIONS = "thought_record.emotions";
const RERATED = "thought_record.emotions_rerated";
export type EmotionList = typeof EMOTIONS | typeof RERATED;
const MAX_EMOTIONS = 10;
const EMOTION_MAX = 60;

const STATUS: Record<string, Completion_Status> = {
  done: Completion_Status.DONE,
  minimum: Completion_Status.MINIMUM_VERSION,
  partial: Completion_Status.PARTIAL,
  skipped: Completion_Status.SKIPPED,
};

let formIds = 0;

@defineElement("hw-completion-form")
export class CompletionForm extends LitElement {
  static override styles = [baseStyles, briefStyles, css`
    :host { background: transparent; }
    form { display: grid; gap: var(--hw-gap); }
    fieldset { border: 1px solid var(--hw-border); border-radius: var(--hw-radius); padding: 8px 12px; margin: 0; min-width: 0; }
    legend { font-weight: 600; padding: 0 4px; }
    .field { display: grid; gap: 4px; }
    .field > label, .label { font-weight: 600; }
    .choice { display: flex; align-items: center; gap: 8px; min-height: var(--hw-target); }
    .choice input { width: 22px; height: 22px; margin: 0; flex: none; }
    .hint { font-size: var(--hw-text-sm); color: var(--hw-muted); }
    .field-error { color: var(--hw-error); font-weight: 600; }
    [aria-invalid="true"] { border-color: var(--hw-error); border-width: 2px; }
    .slider { display: grid; grid-template-columns: 1fr auto; gap: 8px; align-items: center; }
    input[type="range"] { width: 100%; min-height: var(--hw-target); accent-color: var(--hw-primary); }
    .slider output { min-width: 3ch; font-weight: 600; text-align: right; }
    .slider output.unrated { font-weight: 400; font-style: italic; color: var(--hw-muted); }
    /* Unrated: an empty dashed track and no thumb, so nothing looks like an answer (the value
       underneath is 50) until the client moves it. */
    input[type="range"].unrated { -webkit-appearance: none; appearance: none; background: transparent; }
    input[type="range"].unrated::-webkit-slider-runnable-track {
      height: 10px; border: 2px dashed var(--hw-border); border-radius: 5px; background: transparent; }
    input[type="range"].unrated::-webkit-slider-thumb { -webkit-appearance: none; appearance: none; width: 24px; height: 24px; opacity: 0; }
    input[type="range"].unrated::-moz-range-thumb { opacity: 0; }
    input[type="range"].unrated[aria-invalid="true"]::-webkit-slider-runnable-track { border-color: var(--hw-error); }
    .anchors { display: flex; justify-content: space-between; gap: 8px; font-size: var(--hw-text-sm); color: var(--hw-muted); }
    .anchors span:nth-child(2) { text-align: center; }
    .anchors span:last-child { text-align: right; }
    .actions { display: flex; flex-wrap: wrap; gap: 8px; }
    .crisis { border: 3px solid var(--hw-error); border-radius: var(--hw-radius); padding: 12px; background: var(--hw-error-surface); }
    .crisis ul { margin: 4px 0 0; padding-left: 18px; }
    .crisis a { color: var(--hw-error-strong); font-weight: 600; }
    .summary { border-left: 4px solid var(--hw-error); padding-left: 8px; }
    .emotion-row { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 8px; align-items: end;
      padding-bottom: 8px; }
    .emotion-row .remove { grid-column: 1 / -1; justify-self: start; }
    @media (max-width: 420px) { .emotion-row { grid-template-columns: 1fr; } }
  `];

  /** Required. The assignment to record against. */
  @property({ attribute: false }) assignment?: Assignment;
  /** Optional. The hierarchy of an exposure step, for the client's SUDS anchors. */
  @property({ attribute: false }) hierarchy?: Hierarchy;
  /** Optional. Where the client practised when the browser cannot tell (the client's zone). */
  @property({ attribute: false }) fallbackTimeZone = "UTC";
  /** Crisis resources to show after a PHQ-9 item 9 answer above zero. */
  @property({ attribute: false }) crisisResources: CrisisResource[] = [];
  /** Whether a save is in flight (the host sets it). */
  @property({ type: Boolean }) busy = false;

  @state() private values: Values = {};
  @state() private errors: Record<string, string> = {};
  /** The form's alert line, said in the language of the moment it shows. */
  @state() private summary?: Say;
  /** Rows shown per emotion list (thought records); at least one for the required list. */
  @state() private rows: Record<EmotionList, number> = { [EMOTIONS]: 1, [RERATED]: 0 };

  private readonly formId = `hw-form-${++formIds}`;
  private locale: Locale = "en";

  override connectedCallback(): void {
    super.connectedCallback();
    this.locale = elementLocale(this);
  }

  /** Shows the service's field violations (paths like `completion.suds.before`) at their fields. */
  showViolations(violations: FieldViolation[]): void {
    const errors: Record<string, string> = {};
    for (const violation of violations) {
      const path = violation.field.replace(/^completion\.?/, "") || "status";
      errors[path] = violation.description;
      const row = /^(thought_record\.emotions(?:_rerated)?)\[(\d+)\]/.exec(path);
      if (row) this.showRows(row[1] as EmotionList, Number(row[2]) + 1);
    }
    this.errors = errors;
    this.summary = (c) => c.form.serverRejected;
    void this.updateComplete.then(() => this.focusFirstError());
  }

  override render() {
    const assignment = this.assignment;
    if (!assignment) return nothing;
    const t = catalogue(this.locale);
    const kind = assignment.exercise?.kind ?? ExerciseKind.UNSPECIFIED;
    const skipped = this.values["status"] === "skipped";
    const isMeasure = kind === ExerciseKind.OUTCOME_MEASURE;
    return html`
      <form novalidate @submit=${this.submit} aria-labelledby="${this.formId}-heading">
        <h3 id="${this.formId}-heading">${t.form.heading(assignment.title)}</h3>
        ${practiceBrief(assignment, t)}
        ${this.summary ? html`<p class="summary error-text" role="alert">${this.summary(t)}</p>` : nothing}
        ${this.renderStatus(t, isMeasure)}
        ${skipped ? this.textField("skip_reason", t.form.skipReason, { multiline: true }) : nothing}
        ${!skipped ? this.renderKind(kind, t) : nothing}
        ${!skipped && !isMeasure ? this.numberField("minutes", t.form.minutes, 0, 1440) : nothing}
        ${this.textField("client_note", t.form.note, { multiline: true })}
        <div class="actions">
          <button class="primary" type="submit" ?disabled=${this.busy}>${this.busy ? t.form.saving : t.form.save}</button>
          <button type="button" @click=${this.cancel}>${t.form.cancel}</button>
        </div>
      </form>`;
  }

  private renderStatus(t: Catalogue, isMeasure: boolean) {
    const minimum = this.assignment?.schedule?.minimumVersion ?? "";
    const options: [string, string, string][] = isMeasure
      ? [["done", t.form.statusDone, ""], ["skipped", t.form.statusSkipped, ""]]
      : [
        ["done", t.form.statusDone, ""],
        ["minimum", t.form.statusMinimum, minimum],
        ["partial", t.form.statusPartial, ""],
        ["skipped", t.form.statusSkipped, ""],
      ];
    const error = this.errors["status"];
    return html`
      <fieldset aria-describedby=${error ? `${this.formId}-status-error` : nothing}>
        <legend>${t.form.howFar}</legend>
        ${options.map(([value, label, hint]) => html`
          <label class="choice">
            <input type="radio" name="status" value=${value} .checked=${this.values["status"] === value}
              data-field="status" @change=${() => this.set("status", value)}>
            <span>${label}${hint ? html`<br><span class="hint">${hint}</span>` : nothing}</span>
          </label>`)}
        ${error ? html`<p class="field-error" id="${this.formId}-status-error">${error}</p>` : nothing}
      </fieldset>`;
  }

  private renderKind(kind: ExerciseKind, t: Catalogue): TemplateResult | typeof nothing {
    const details = this.assignment?.exercise?.details;
    switch (kind) {
      case ExerciseKind.THOUGHT_RECORD:
      case ExerciseKind.COGNITIVE_RESTRUCTURING:
        return html`
          ${this.textField("thought_record.situation", t.form.situation, { multiline: true })}
          ${this.textField("thought_record.automatic_thought", t.form.automaticThought, { multiline: true })}
          ${this.numberField("thought_record.automatic_thought_belief", t.form.automaticBelief, 0, 100)}
          ${this.emotionRows(EMOTIONS, t.form.emotions, "", t)}
          ${this.textField("thought_record.evidence_for", t.form.evidenceFor, { multiline: true })}
          ${this.textField("thought_record.evidence_against", t.form.evidenceAgainst, { multiline: true })}
          ${this.textField("thought_record.balanced_thought", t.form.balancedThought, { multiline: true })}
          ${this.numberField("thought_record.balanced_thought_belief", t.form.balancedBelief, 0, 100)}
          ${this.emotionRows(RERATED, t.form.emotionsRerated, t.form.rerateHint, t)}`;
      case ExerciseKind.BEHAVIORAL_EXPERIMENT:
        return html`
          ${this.textField("experiment.prediction", t.form.prediction, {
            multiline: true, initial: details?.case === "behavioralExperiment" ? details.value.prediction : "" })}
          ${this.numberField("experiment.belief_before", t.form.beliefBefore, 0, 100)}
          ${this.textField("experiment.experiment", t.form.experiment, { multiline: true })}
          ${this.textField("experiment.outcome", t.form.outcome, { multiline: true })}
          ${this.numberField("experiment.belief_after", t.form.beliefAfter, 0, 100)}
          ${this.textField("experiment.learning", t.form.learning, { multiline: true })}`;
      case ExerciseKind.EXPOSURE_PRACTICE: {
        const track = details?.case === "exposurePractice" && details.value.trackExpectancy;
        return html`
          ${this.sudsSlider("suds.before", t.form.sudsBefore)}
          ${this.sudsSlider("suds.peak", t.form.sudsPeak)}
          ${this.sudsSlider("suds.after", t.form.sudsAfter)}
          ${track ? html`
            ${this.numberField("expectancy.before", t.form.expectancyBefore, 0, 100)}
            ${this.numberField("expectancy.after", t.form.expectancyAfter, 0, 100)}
            ${this.yesNo("expectancy.feared_outcome_occurred", t.form.fearedHappened, t)}` : nothing}`;
      }
      case ExerciseKind.SKILLS_PRACTICE:
        return html`${this.sudsSlider("suds.before", t.form.sudsBefore)}${this.sudsSlider("suds.after", t.form.sudsAfter)}`;
      case ExerciseKind.MOOD_MONITORING: {
        const emotions = details?.case === "moodMonitoring" ? details.value.emotions : [];
        return emotions.length === 0
          ? this.numberField("mood", t.form.mood, 0, 10)
          : html`<fieldset><legend>${t.form.emotions}</legend>
              ${emotions.map((emotion, i) => this.numberField(`emotions[${i}].intensity`, `${emotion}: ${t.form.intensity}`, 0, 100))}
            </fieldset>`;
      }
      case ExerciseKind.BEHAVIORAL_TRACKING: {
        const rate = details?.case === "behavioralTracking" && details.value.rateMasteryAndPleasure;
        return html`
          ${this.textField("activity.activity", t.form.activity)}
          ${rate ? html`${this.numberField("activity.mastery", t.form.mastery, 0, 10)}
            ${this.numberField("activity.pleasure", t.form.pleasure, 0, 10)}` : nothing}`;
      }
      case ExerciseKind.SELF_CARE: {
        const unit = details?.case === "selfCare" ? details.value.unit : "";
        return this.numberField("self_care.amount", t.form.amount(unit), 0, 1000, { decimals: true });
      }
      case ExerciseKind.OUTCOME_MEASURE:
        return this.renderMeasure(t);
      default:
        return nothing;
    }
  }

  private renderMeasure(t: Catalogue) {
    const details = this.assignment?.exercise?.details;
    const measure = details?.case === "outcomeMeasure" ? details.value.measure : Measure.UNSPECIFIED;
    const items = measure === Measure.PHQ9 ? t.phq9 : measure === Measure.GAD7 ? t.gad7 : [];
    const crisis = measure === Measure.PHQ9 && Number(this.values["measure.item_scores[8]"] ?? "0") > 0;
    return html`
      <p>${t.form.measureLead}</p>
      ${items.map((item, i) => {
        const path = `measure.item_scores[${i}]`;
        const error = this.errors[path];
        return html`
          <fieldset aria-describedby=${error ? `${this.formId}-${cssId(path)}-error` : nothing}
            aria-invalid=${error ? "true" : nothing}>
            <legend>${i + 1}. ${item}</legend>
            ${t.form.measureChoice.map((choice, score) => html`
              <label class="choice">
                <input type="radio" name=${path} value=${score} data-field=${path}
                  .checked=${this.values[path] === String(score)} @change=${() => this.set(path, String(score))}>
                <span>${choice} (${score})</span>
              </label>`)}
            ${error ? html`<p class="field-error" id="${this.formId}-${cssId(path)}-error">${error}</p>` : nothing}
          </fieldset>
          ${i === 8 && crisis ? this.renderCrisis(t) : nothing}`;
      })}`;
  }

  /** The crisis resources, announced at once (role=alert) right below the answer. */
  private renderCrisis(t: Catalogue) {
    return html`
      <section class="crisis" role="alert" aria-labelledby="${this.formId}-crisis" data-crisis>
        <h4 id="${this.formId}-crisis">${t.form.crisisHeading}</h4>
        <p>${t.form.crisisLead}</p>
        <ul>
          ${this.crisisResources.map((resource) => html`<li>
            <strong>${resource.name}</strong>
            ${resource.phone ? html` <a href="tel:${resource.phone.replace(/[^0-9+]/g, "")}">${resource.phone}</a>` : nothing}
            ${resource.url ? html` <a href=${resource.url} target="_blank" rel="noopener">${resource.url}</a>` : nothing}
            ${resource.text ? html`<br><span>${resource.text}</span>` : nothing}
          </li>`)}
        </ul>
      </section>`;
  }

  /**
   * A list of emotions, one row each (name and 0-100 intensity), up to 10 rows; rows can be added
   * and removed, blank rows are not sent. Re-rated rows start with the name of the emotion in the
   * same place of the first list.
   */
  private emotionRows(list: EmotionList, legend: string, hint: string, t: Catalogue) {
    const count = this.rows[list];
    const error = this.errors[list];
    const errorId = `${this.formId}-${cssId(list)}-error`;
    return html`<fieldset data-list=${list} aria-describedby=${error ? errorId : nothing}
        aria-invalid=${error ? "true" : nothing}>
      <legend>${legend}</legend>
      ${hint ? html`<p class="hint">${hint}</p>` : nothing}
      ${Array.from({ length: count }, (_, i) => html`<div class="emotion-row" data-row=${i}>
        ${this.textField(`${list}[${i}].emotion`, (list === RERATED ? t.form.emotionNowN : t.form.emotionN)(i + 1),
          { maxLength: EMOTION_MAX })}
        ${this.numberField(`${list}[${i}].intensity`, (list === RERATED ? t.form.intensityNowN : t.form.intensityN)(i + 1), 0, 100)}
        ${list === RERATED || count > 1 ? html`<button type="button" class="remove"
          @click=${() => this.removeRow(list, i)}>${t.form.removeEmotion(i + 1)}</button>` : nothing}
      </div>`)}
      ${error ? html`<p class="field-error" id=${errorId}>${error}</p>` : nothing}
      ${count < MAX_EMOTIONS ? html`<button type="button" @click=${() => this.addRow(list)}>
        ${list === RERATED ? t.form.addRerated : t.form.addEmotion}</button>` : nothing}
    </fieldset>`;
  }

  private showRows(list: EmotionList, count: number): void {
    if (count > this.rows[list]) this.rows = { ...this.rows, [list]: Math.min(MAX_EMOTIONS, count) };
  }

  private addRow(list: EmotionList): void {
    const index = this.rows[list];
    if (index >= MAX_EMOTIONS) return;
    const name = `${list}[${index}].emotion`;
    const same = (this.values[`${EMOTIONS}[${index}].emotion`] ?? "").trim();
    if (list === RERATED && same !== "" && !this.values[name]) this.values = { ...this.values, [name]: same };
    this.rows = { ...this.rows, [list]: index + 1 };
    if (this.errors[list]) {
      const { [list]: _, ...rest } = this.errors;
      this.errors = rest;
    }
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLElement>(`[data-field="${name}"]`)?.focus());
  }

  /** Removes row `index`; the rows below move up, with their values and errors. */
  private removeRow(list: EmotionList, index: number): void {
    const count = this.rows[list];
    const moved = (record: Record<string, string>) => {
      const next = { ...record };
      for (let i = index; i < count; i++) {
        for (const part of ["emotion", "intensity"]) {
          const below = record[`${list}[${i + 1}].${part}`];
          if (i + 1 < count && below !== undefined) next[`${list}[${i}].${part}`] = below;
          else delete next[`${list}[${i}].${part}`];
        }
      }
      return next;
    };
    this.values = moved(this.values);
    this.errors = moved(this.errors);
    this.rows = { ...this.rows, [list]: Math.max(list === EMOTIONS ? 1 : 0, count - 1) };
    void this.updateComplete.then(() => {
      const focus = this.renderRoot.querySelector<HTMLElement>(`fieldset[data-list="${list}"] [data-row="${Math.max(0, index - 1)}"] input`) ??
        this.renderRoot.querySelector<HTMLElement>(`fieldset[data-list="${list}"] button`);
      focus?.focus();
    });
  }

  private textField(path: string, label: string, options: { multiline?: boolean; initial?: string; maxLength?: number } = {}) {
    if (options.initial && this.values[path] === undefined) this.values[path] = options.initial;
    const id = `${this.formId}-${cssId(path)}`;
    const error = this.errors[path];
    const value = this.values[path] ?? "";
    const input = options.multiline
      ? html`<textarea id=${id} data-field=${path} .value=${value} aria-invalid=${error ? "true" : "false"}
          aria-describedby=${error ? `${id}-error` : nothing} @input=${(e: Event) => this.set(path, (e.target as HTMLTextAreaElement).value)}></textarea>`
      : html`<input type="text" id=${id} data-field=${path} .value=${value} aria-invalid=${error ? "true" : "false"}
          maxlength=${options.maxLength ?? nothing}
          aria-describedby=${error ? `${id}-error` : nothing} @input=${(e: Event) => this.set(path, (e.target as HTMLInputElement).value)}>`;
    return html`<div class="field"><label for=${id}>${label}</label>${input}
      ${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : nothing}</div>`;
  }

  private numberField(path: string, label: string, min: number, max: number, options: { decimals?: boolean } = {}) {
    const id = `${this.formId}-${cssId(path)}`;
    const error = this.errors[path];
    return html`<div class="field"><label for=${id}>${label}</label>
      <input type="number" id=${id} data-field=${path} min=${min} max=${max} step=${options.decimals ? "any" : "1"}
        inputmode=${options.decimals ? "decimal" : "numeric"} .value=${this.values[path] ?? ""}
        aria-invalid=${error ? "true" : "false"} aria-describedby=${error ? `${id}-error` : nothing}
        @input=${(e: Event) => this.set(path, (e.target as HTMLInputElement).value)}>
      ${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : nothing}</div>`;
  }

  /** A 0-100 SUDS slider, unrated until moved; the client's anchors are shown under it. */
  private sudsSlider(path: string, label: string) {
    const t = catalogue(this.locale);
    const id = `${this.formId}-${cssId(path)}`;
    const error = this.errors[path];
    const raw = this.values[path];
    const anchors = this.hierarchy?.anchors;
    const words = raw === undefined ? "" : anchorWords(Number(raw), anchors);
    return html`<div class="field">
      <label for=${id}>${label}</label>
      <div class="slider">
        <input type="range" id=${id} data-field=${path} min="0" max="100" step="5" .value=${raw ?? "50"}
          class=${raw === undefined ? "unrated" : ""} data-rated=${raw === undefined ? "false" : "true"}
          aria-valuetext=${raw === undefined ? t.form.notRated : t.suds.sliderValue(Number(raw), words)}
          aria-invalid=${error ? "true" : "false"}
          aria-describedby="${error ? `${id}-error ` : ""}${id}-anchors"
          @input=${(e: Event) => this.set(path, (e.target as HTMLInputElement).value)}
          @click=${(e: Event) => this.set(path, (e.target as HTMLInputElement).value)}>
        <output for=${id} aria-hidden="true" class=${raw === undefined ? "unrated" : ""}>${raw ?? t.form.notRated}</output>
      </div>
      <div class="anchors" id="${id}-anchors">
        <span>0${anchors?.calm ? `: ${anchors.calm}` : ""}</span>
        <span>50${anchors?.moderate ? `: ${anchors.moderate}` : ""}</span>
        <span>100${anchors?.worst ? `: ${anchors.worst}` : ""}</span>
      </div>
      ${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : nothing}
    </div>`;
  }

  private yesNo(path: string, label: string, t: Catalogue) {
    return html`<fieldset><legend>${label}</legend>
      ${([["true", t.form.yes], ["false", t.form.no]] as const).map(([value, text]) => html`
        <label class="choice"><input type="radio" name=${path} value=${value} data-field=${path}
          .checked=${this.values[path] === value} @change=${() => this.set(path, value)}><span>${text}</span></label>`)}
    </fieldset>`;
  }

  private set(path: string, value: string): void {
    this.values = { ...this.values, [path]: value };
    if (this.errors[path]) {
      const { [path]: _, ...rest } = this.errors;
      this.errors = rest;
    }
  }

  private cancel(): void {
    this.dispatchEvent(new CustomEvent("hw-completion-cancel", { bubbles: true, composed: true }));
  }

  private submit(event: Event): void {
    event.preventDefault();
    const t = catalogue(this.locale);
    const assignment = this.assignment;
    if (!assignment || this.busy) return;
    // Blank emotion rows are dropped first, so row i is the i-th emotion sent and the service's
    // field paths (emotions[i]) point at the row the client sees.
    this.values = compactEmotionRows(this.values);
    this.rows = {
      [EMOTIONS]: Math.max(1, emotionRowCount(this.values, EMOTIONS)),
      [RERATED]: emotionRowCount(this.values, RERATED),
    };
    const result = buildCompletion(assignment, this.values, t, this.fallbackTimeZone);
    this.errors = result.errors;
    if (Object.keys(result.errors).length > 0) {
      this.summary = (c) => c.form.fixErrors;
      void this.updateComplete.then(() => this.focusFirstError());
      return;
    }
    this.summary = undefined;
    this.dispatchEvent(new CustomEvent<CompletionSubmit>("hw-completion-submit", {
      bubbles: true, composed: true, detail: { parent: assignment.name, completion: result.completion },
    }));
  }

  private focusFirstError(): void {
    const first = this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"] input, [aria-invalid="true"]');
    first?.focus();
  }
}

/**
 * Builds the completion from the form's values, or the errors at their field paths. The checks
 * are the service's (core/rules/validation.cc ValidateCompletion), made early so the client sees them
 * at once and nothing invalid is queued offline.
 */
export function buildCompletion(assignment: Assignment, values: Values, t: Catalogue, fallbackTimeZone: string):
    { completion: Completion; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const text = (path: string) => (values[path] ?? "").trim();
  const required = (path: string, maxLength?: number) => {
    if (text(path) === "") errors[path] = t.form.required;
    else if (maxLength !== undefined && text(path).length > maxLength) errors[path] = t.form.tooLong(maxLength);
    return text(path);
  };
  const optional = (path: string, maxLength: number) => {
    if (text(path).length > maxLength) errors[path] = t.form.tooLong(maxLength);
    return text(path);
  };
  const number = (path: string, min: number, max: number, options: { required?: boolean; integer?: boolean } = {}) => {
    const raw = text(path);
    if (raw === "") {
      if (options.required) errors[path] = t.form.required;
      return undefined;
    }
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max || (options.integer !== false && !Number.isInteger(value))) {
      errors[path] = t.form.range(min, max);
      return undefined;
    }
    return value;
  };

  const completion = create(CompletionSchema, {
    occurTime: timestampFromDate(new Date()),
    occurTimeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || fallbackTimeZone,
  });
  const status = STATUS[text("status")];
  if (status === undefined) errors["status"] = t.form.required;
  else completion.status = status;
  const skipped = status === Completion_Status.SKIPPED;
  const done = status === Completion_Status.DONE;
  if (skipped) completion.skipReason = required("skip_reason");
  completion.clientNote = text("client_note");
  if (skipped) return { completion, errors };

  completion.minutes = number("minutes", 0, 1440) ?? 0;
  const kind = assignment.exercise?.kind ?? ExerciseKind.UNSPECIFIED;
  const anyOf = (prefix: string) => Object.keys(values).some((k) => k.startsWith(prefix) && text(k) !== "");

  if (kind === ExerciseKind.EXPOSURE_PRACTICE || kind === ExerciseKind.SKILLS_PRACTICE) {
    // An exposure done or partly done is its SUDS: each of before, peak and after must be rated
    // (an untouched slider has no value). The two-minute version and skills practice may go
    // without. The same rule as core/rules/validation.cc ValidateCompletion.
    const rated = kind === ExerciseKind.EXPOSURE_PRACTICE &&
      (status === Completion_Status.DONE || status === Completion_Status.PARTIAL);
    const suds = (path: string) => {
      if (rated && text(path) === "") errors[path] = t.form.sudsRequired;
      return number(path, 0, 100);
    };
    const before = suds("suds.before");
    const peak = suds("suds.peak");
    const after = suds("suds.after");
    if (before !== undefined || peak !== undefined || after !== undefined) {
      completion.suds = { $typeName: "therapy.homework.v1.SudsRatings", before, peak, after };
      if (peak !== undefined && ((before !== undefined && peak < before) || (after !== undefined && peak < after))) {
        errors["suds.peak"] = t.form.peakTooLow;
      }
    }
    const eBefore = number("expectancy.before", 0, 100);
    const eAfter = number("expectancy.after", 0, 100);
    const happened = text("expectancy.feared_outcome_occurred");
    if (eBefore !== undefined || eAfter !== undefined || happened !== "") {
      completion.expectancy = {
        $typeName: "therapy.homework.v1.Expectancy", before: eBefore, after: eAfter,
        fearedOutcomeOccurred: happened === "" ? undefined : happened === "true",
      };
    }
  }
  if (kind === ExerciseKind.MOOD_MONITORING) {
    const details = assignment.exercise?.details;
    const emotions = details?.case === "moodMonitoring" ? details.value.emotions : [];
    if (emotions.length === 0) {
      completion.mood = number("mood", 0, 10, { required: done });
    } else {
      emotions.forEach((emotion, i) => {
        const intensity = number(`emotions[${i}].intensity`, 0, 100);
        if (intensity !== undefined) {
          completion.emotions.push({ $typeName: "therapy.homework.v1.EmotionRating", emotion, intensity });
        }
      });
    }
  }
  if (kind === ExerciseKind.THOUGHT_RECORD || kind === ExerciseKind.COGNITIVE_RESTRUCTURING) {
    // A blank record is not a completion: done needs it whole, and any record sent must be whole.
    if (done || anyOf("thought_record.")) {
      // Each row with anything in it needs both its name (1-60 characters) and its intensity.
      const emotionList = (list: EmotionList) => {
        const ratings: { $typeName: "therapy.homework.v1.EmotionRating"; emotion: string; intensity: number }[] = [];
        const count = emotionRowCount(values, list);
        if (count > MAX_EMOTIONS) errors[list] = t.form.tooManyEmotions(MAX_EMOTIONS);
        for (let i = 0; i < Math.min(count, MAX_EMOTIONS); i++) {
          const name = `${list}[${i}].emotion`;
          const level = `${list}[${i}].intensity`;
          if (text(name) === "" && text(level) === "") continue;
          const emotion = required(name, EMOTION_MAX);
          const intensity = number(level, 0, 100, { required: true });
          if (emotion !== "" && intensity !== undefined) {
            ratings.push({ $typeName: "therapy.homework.v1.EmotionRating", emotion, intensity });
          }
        }
        return ratings;
      };
      const emotions = emotionList(EMOTIONS);
      if (emotionRowCount(values, EMOTIONS, { filledOnly: true }) === 0) errors[EMOTIONS] = t.form.atLeastOneEmotion;
      completion.record = { case: "thoughtRecord", value: {
        $typeName: "therapy.homework.v1.ThoughtRecord",
        situation: required("thought_record.situation", 2000),
        automaticThought: required("thought_record.automatic_thought", 1000),
        automaticThoughtBelief: number("thought_record.automatic_thought_belief", 0, 100, { required: true }),
        emotions,
        evidenceFor: optional("thought_record.evidence_for", 2000),
        evidenceAgainst: optional("thought_record.evidence_against", 2000),
        balancedThought: required("thought_record.balanced_thought", 1000),
        balancedThoughtBelief: number("thought_record.balanced_thought_belief", 0, 100, { required: true }),
        emotionsRerated: emotionList(RERATED),
      } };
    }
  }
  if (kind === ExerciseKind.BEHAVIORAL_EXPERIMENT && (done || anyOf("experiment.") &&
      Object.keys(values).some((k) => k.startsWith("experiment.") && k !== "experiment.prediction" && text(k) !== ""))) {
    completion.record = { case: "experiment", value: {
      $typeName: "therapy.homework.v1.ExperimentRecord",
      prediction: required("experiment.prediction"),
      beliefBefore: number("experiment.belief_before", 0, 100, { required: true }),
      experiment: required("experiment.experiment"),
      outcome: required("experiment.outcome"),
      beliefAfter: number("experiment.belief_after", 0, 100, { required: true }),
      learning: text("experiment.learning"),
    } };
  }
  if (kind === ExerciseKind.BEHAVIORAL_TRACKING && (done || anyOf("activity."))) {
    completion.record = { case: "activity", value: {
      $typeName: "therapy.homework.v1.ActivityRecord",
      activity: required("activity.activity"),
      mastery: number("activity.mastery", 0, 10),
      pleasure: number("activity.pleasure", 0, 10),
    } };
  }
  if (kind === ExerciseKind.SELF_CARE) {
    const amount = number("self_care.amount", 0, 1000, { required: done, integer: false });
    if (amount !== undefined) {
      completion.record = { case: "selfCare", value: { $typeName: "therapy.homework.v1.SelfCareRecord", amount } };
    }
  }
  if (kind === ExerciseKind.OUTCOME_MEASURE) {
    const details = assignment.exercise?.details;
    const measure = details?.case === "outcomeMeasure" ? details.value.measure : Measure.UNSPECIFIED;
    const count = measure === Measure.PHQ9 ? 9 : measure === Measure.GAD7 ? 7 : 0;
    const scores: number[] = [];
    for (let i = 0; i < count; i++) {
      const score = number(`measure.item_scores[${i}]`, 0, 3, { required: true });
      if (score !== undefined) scores.push(score);
    }
    completion.record = { case: "measure", value: {
      $typeName: "therapy.homework.v1.MeasureResponse", itemScores: scores, measure: Measure.UNSPECIFIED,
      total: 0, severity: 0, loinc: "", urgent: false,
    } };
  }
  return { completion, errors };
}

/** The client's word for a SUDS value when it is within 10 of an anchor. */
function anchorWords(value: number, anchors: Hierarchy["anchors"]): string {
  if (!anchors) return "";
  const points: [number, string][] = [[0, anchors.calm], [50, anchors.moderate], [100, anchors.worst]];
  const near = points.filter(([point, words]) => words && Math.abs(point - value) <= 10);
  return near[0]?.[1] ?? "";
}

/**
 * Rows in `list` (one past the highest row index with a value key), or with `filledOnly` the
 * rows with a name or an intensity.
 */
export function emotionRowCount(values: Values, list: EmotionList, options: { filledOnly?: boolean } = {}): number {
  const rows = new Set<number>();
  for (const [key, value] of Object.entries(values)) {
    const match = key.startsWith(`${list}[`) ? /^\[(\d+)\]\.(emotion|intensity)$/.exec(key.slice(list.length)) : null;
    if (match && (!options.filledOnly || value.trim() !== "")) rows.add(Number(match[1]));
  }
  return options.filledOnly ? rows.size : rows.size === 0 ? 0 : Math.max(...rows) + 1;
}

/** `values` with the blank rows of both emotion lists removed and the others renumbered. */
export function compactEmotionRows(values: Values): Values {
  const next: Values = {};
  for (const [key, value] of Object.entries(values)) {
    if (!/^thought_record\.emotions(_rerated)?\[\d+\]\./.test(key)) next[key] = value;
  }
  for (const list of [EMOTIONS, RERATED] as const) {
    let row = 0;
    for (let i = 0; i < emotionRowCount(values, list); i++) {
      const name = values[`${list}[${i}].emotion`] ?? "";
      const level = values[`${list}[${i}].intensity`] ?? "";
      if (name.trim() === "" && level.trim() === "") continue;
      next[`${list}[${row}].emotion`] = name;
      next[`${list}[${row}].intensity`] = level;
      row++;
    }
  }
  return next;
}

/** A field path as an id fragment. */
function cssId(path: string): string {
  return path.replace(/[^A-Za-z0-9_-]/g, "-");
}

declare global {
  interface HTMLElementTagNameMap {
    "hw-completion-form": CompletionForm;
  }
  interface HTMLElementEventMap {
    "hw-completion-submit": CustomEvent<CompletionSubmit>;
    "hw-completion-cancel": CustomEvent<void>;
  }
}
