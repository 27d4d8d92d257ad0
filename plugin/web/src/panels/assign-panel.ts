// <homework-assign-panel>: the therapist shapes homework with the client during the session.
// Pick a template from the gallery (assign/template-gallery.ts: every page of ListTemplates,
// searchable, grouped by treatment phase and kind, each with its description and rationale);
// for exposure practice pick the step from the client's ladder (assign/ladder-picker.ts, from
// ListHierarchies, with the expected SUDS of each step); edit the situation and instructions,
// the schedule, and the plan (preferred time, habit anchor, the if-then plan beside it, cue,
// minimum version, rationale). The draft is an Assignment in STATE_DRAFT in the service
// (LiveSession): the first template makes it (CreateAssignment in this session), every change is
// an UpdateAssignment naming only the fields changed (draft-editor.ts), so the client's edits of
// its own plan, arriving as `draft` events, land beside the therapist's; Assign activates it,
// Discard cancels it. Drafts left open in an earlier session are listed under the form to reopen
// here (their plan becomes the client's to edit again) or discard.
//
// Properties: `api` (HomeworkClient), `live` (the open LiveSession), `practice`
// (`practices/{practice}`, whose templates to list), `client` (the client's resource name, whose
// ladders to list).

import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { property, state } from "lit/decorators.js";
import { defineElement } from "../shared/define.js";
import { clone, create } from "@bufbuild/protobuf";
import type { HomeworkClient } from "../client/homework-client.js";
import type { LiveSession } from "../client/live-session.js";
import { toApiError } from "../client/errors.js";
import { DraftEditor } from "./draft-editor.js";
import {
  AssignmentSchema,
  ExerciseSchema,
  ScheduleSchema,
  Schedule_Period,
  type Assignment,
} from "../gen/therapy/homework/v1/assignment_pb.js";
import type { Template } from "../gen/therapy/homework/v1/template_pb.js";
import type { Hierarchy } from "../gen/therapy/homework/v1/hierarchy_pb.js";
import "./assign/template-gallery.js";
import { kindName, type TemplatePick } from "./assign/template-gallery.js";
import "./assign/ladder-picker.js";
import type { LadderPick } from "./assign/ladder-picker.js";
import { panelStyles } from "./panel-styles.js";
import { planFields, withPlanFields } from "./plan-fields.js";
import { safetyPlanFields, withSafetyPlanFields } from "./safety-plan-fields.js";
import { catalogue, elementLocale, type Catalogue, type Say } from "../shared/i18n.js";

@defineElement("homework-assign-panel")
export class HomeworkAssignPanel extends LitElement {
  static override styles = [...panelStyles, css`
    details.gallery { border-top: 1px solid var(--hw-border); padding: 8px 0; }
    details.gallery > summary { font-weight: 600; min-height: var(--hw-target); display: flex; align-items: center; cursor: pointer; }
    .kind { color: var(--hw-muted); margin: 0 0 4px; }
    .ladder-title { font-size: 1rem; margin: 12px 0 4px; }
    .open-drafts ul { list-style: none; padding: 0; }
    .open-drafts li { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px; padding: 4px 0;
      border-top: 1px solid var(--hw-border-subtle); }
    .open-drafts li > span { flex: 1 1 100%; overflow-wrap: anywhere; }
    .open-drafts li button { margin: 0; }
  `];

  @property({ attribute: false }) api?: HomeworkClient;
  @property({ attribute: false }) live?: LiveSession;
  @property() practice = "";
  @property() client = "";

  @state() private templates: Template[] = [];
  @state() private hierarchies: Hierarchy[] = [];
  /** The draft being edited, or none. */
  @state() private editor?: DraftEditor;
  /** The client's other open drafts (this session's and earlier ones). */
  @state() private others: Assignment[] = [];
  /**
   * The newest action's line (assigned, discarded, reopened, the client's change) until a newer
   * one or the next edit: one status line for the panel, saving state included (statusLine).
   */
  @state() private status?: Say;
  @state() private error = "";
  @state() private busy = false;

  private unsubscribe: (() => void)[] = [];

  /** The draft on show, as the form has it (tests, the page). */
  get currentDraft(): Assignment | undefined {
    return this.editor?.view;
  }

  override updated(changed: PropertyValues<this>): void {
    if (changed.has("api") || changed.has("practice")) void this.loadTemplates();
    if (changed.has("api") || changed.has("client")) void this.loadHierarchies();
    if (changed.has("live")) {
      for (const off of this.unsubscribe) off();
      this.unsubscribe = [];
      const live = this.live;
      this.editor = undefined;
      if (live === undefined) return;
      // The newest draft of this session opens in the form; the others are listed.
      const ours = live.openDrafts.find((d) => live.isOurs(d));
      if (ours !== undefined) this.edit(ours);
      this.listOthers();
      this.unsubscribe = [
        live.on("draft", (e) => {
          const draft = e.detail.assignment;
          if (this.editor?.name === draft.name) {
            this.editor.remote(draft);
            if (e.detail.by === "client") this.status = (t) => t.panels.clientChanged;
          } else if (this.editor === undefined && live.isOurs(draft)) {
            this.edit(draft);
          }
          this.listOthers();
        }),
        live.on("connection", () => this.requestUpdate()),
        live.on("draft-removed", (e) => {
          if (this.editor?.name === e.detail.name) this.editor = undefined;
          this.listOthers();
        }),
      ];
    }
  }

  /** Opens `draft` in the form. */
  private edit(draft: Assignment): void {
    this.editor = new DraftEditor(this.requireLive(), draft, () => this.requestUpdate(), (error) => {
      this.error = toApiError(error).message;
    });
    this.listOthers();
  }

  private listOthers(): void {
    this.others = (this.live?.openDrafts ?? []).filter((d) => d.name !== this.editor?.name);
  }

  private requireLive(): LiveSession {
    if (this.live === undefined) throw new Error("assign panel: no live session");
    return this.live;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const off of this.unsubscribe) off();
  }

  /** Every page of ListTemplates (the built-in library and the practice's own). */
  private async loadTemplates(): Promise<void> {
    if (this.api === undefined || this.practice === "") return;
    try {
      const all: Template[] = [];
      let pageToken = "";
      do {
        const page = await this.api.listTemplates({ parent: this.practice, pageSize: 100, pageToken });
        all.push(...page.templates);
        pageToken = page.nextPageToken;
      } while (pageToken);
      this.templates = all;
    } catch (error) {
      this.error = toApiError(error).message;
    }
  }

  /** The client's exposure ladders (every page of ListHierarchies). */
  private async loadHierarchies(): Promise<void> {
    if (this.api === undefined || this.client === "") return;
    try {
      const all: Hierarchy[] = [];
      let pageToken = "";
      do {
        const page = await this.api.listHierarchies({ parent: this.client, pageSize: 100, pageToken });
        all.push(...page.hierarchies);
        pageToken = page.nextPageToken;
      } while (pageToken);
      this.hierarchies = all;
    } catch (error) {
      this.error = toApiError(error).message;
    }
  }

  /** The catalogue of the nearest `lang`. */
  private get t(): Catalogue {
    return catalogue(elementLocale(this));
  }

  override render(): TemplateResult {
    const t = this.t.panels;
    const assignment = this.editor?.view;
    const schedule = assignment?.schedule;
    const exposure = assignment?.exercise?.details.case === "exposurePractice" ? assignment.exercise.details.value : undefined;
    return html`
      ${this.live?.connected === false ? html`
        <p class="connection" role="alert" data-connection>${t.reconnecting}</p>` : nothing}
      <h2>${t.assignTitle}</h2>
      ${this.others.length === 0 ? nothing : html`
        <section class="open-drafts" aria-labelledby="open-drafts-title">
          <h3 id="open-drafts-title">${t.openDrafts}</h3>
          <ul>${this.others.map((d) => html`<li data-draft=${d.name}>
            <span>${d.title}${this.live?.isOurs(d) ? nothing : html` <em>(${t.fromEarlierSession})</em>`}</span>
            <button type="button" ?disabled=${this.busy} aria-label=${t.reopenDraftLabel(d.title)}
              @click=${() => this.reopen(d)}>${this.live?.isOurs(d) ? t.openDraft : t.reopenDraft}</button>
            <button type="button" ?disabled=${this.busy} aria-label=${t.discardDraftLabel(d.title)}
              @click=${() => this.discard(d.name)}>${t.discard}</button></li>`)}</ul>
        </section>`}
      <details class="gallery" ?open=${assignment === undefined}>
        <summary>${t.galleryOpen(this.templates.length)}</summary>
        <hw-template-gallery .templates=${this.templates} ?disabled=${this.busy}
          @hw-template-pick=${this.pickTemplate}></hw-template-gallery>
      </details>
      ${assignment === undefined ? html`<p class="status">${t.noDraft}</p>` : html`
        <form @input=${this.edited} @change=${this.edited} @submit=${this.assign} aria-label=${t.draftForm}>
          <p class="kind" data-kind>${t.exerciseKind(kindName(assignment.exercise?.kind, this.t))}</p>
          <label for="title">${t.title}</label>
          <input id="title" name="title" required maxlength="200" .value=${assignment.title}>
          ${exposure === undefined ? nothing : html`
            <h3 class="ladder-title">${t.ladderTitle}</h3>
            <hw-ladder-picker .hierarchies=${this.hierarchies} hierarchy=${exposure.hierarchy}
              step=${exposure.hierarchy ? exposure.hierarchyStep : -1} ?disabled=${this.busy}
              @hw-ladder-pick=${this.pickStep}></hw-ladder-picker>
            <label for="situation">${t.situationLabel}</label>
            <input id="situation" name="situation" required maxlength="500" .value=${exposure.situation}>`}
          <label for="instructions">${t.instructionsLabel}</label>
          <textarea id="instructions" name="instructions" rows="3" maxlength="4000"
            .value=${assignment.exercise?.instructions ?? ""}></textarea>
          <div class="row">
            <div><label for="count">${t.times}</label>
              <input id="count" name="targetCount" type="number" min="1" max="50"
                .value=${String(schedule?.targetCount ?? 1)}></div>
            <div><label for="period">${t.per}</label>
              <select id="period" name="period">
                <option value=${Schedule_Period.DAY} ?selected=${schedule?.period === Schedule_Period.DAY}>${t.day}</option>
                <option value=${Schedule_Period.WEEK} ?selected=${schedule?.period === Schedule_Period.WEEK}>${t.week}</option>
              </select></div>
            <div><label for="minutes">${t.minutesLabel}</label>
              <input id="minutes" name="minutesPerPractice" type="number" min="0" max="240"
                .value=${String(schedule?.minutesPerPractice ?? 0)}></div>
            <div><label for="start">${t.starts}</label>
              <input id="start" name="startDate" type="date" required .value=${schedule?.startDate ?? ""}></div>
          </div>
          ${planFields(schedule, "t", this.t)}
          <label for="rationale">${t.rationale}</label>
          <textarea id="rationale" name="rationale" rows="2" maxlength="2000" .value=${assignment.rationale}></textarea>
          ${assignment.exercise?.details.case === "safetyPlan" ? safetyPlanFields(assignment.exercise.details.value, "t", this.t) : nothing}
          <div class="row">
            <button type="submit" class="primary" ?disabled=${this.busy}>${t.assign}</button>
            <button type="button" @click=${() => this.discard(this.editor?.name ?? "")} ?disabled=${this.busy}>${t.discard}</button>
          </div>
        </form>`}
      <p class="status" role="status" aria-live="polite" data-status data-saving=${this.editor?.busy ? "true" : "false"}>${
        this.statusLine(this.t)}</p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}`;
  }

  /**
   * The panel's one status line, under its buttons: saving while an edit is on its way, else the
   * newest action's line, else what became of the draft on show. A lost connection is said at the
   * top instead (`data-connection`, kept in view while the form scrolls).
   */
  private statusLine(catalogue: Catalogue): string {
    const t = catalogue.panels;
    if (this.editor?.busy) return t.saving;
    if (this.status !== undefined) return this.status(catalogue);
    if (this.editor === undefined) return "";
    return this.live?.isLive ? t.savedInService : t.savedDraft;
  }

  private async pickTemplate(event: CustomEvent<TemplatePick>): Promise<void> {
    this.status = undefined;
    const template = event.detail.template;
    const assignment = create(AssignmentSchema, {
      title: template.title,
      rationale: template.rationale,
      phase: template.phase,
      ...(template.exercise ? { exercise: template.exercise } : {}),
      schedule: template.schedule ? clone(ScheduleSchema, template.schedule) : { targetCount: 1, period: Schedule_Period.DAY },
    });
    // Templates carry no dates: practice starts today (the therapist can change it).
    if (assignment.schedule && assignment.schedule.startDate === "") assignment.schedule.startDate = localToday();
    // An exposure step starts on the step the client's first ladder is practising (changeable).
    const ladder = this.hierarchies[0];
    const details = assignment.exercise?.details;
    if (details?.case === "exposurePractice" && details.value.hierarchy === "" && ladder !== undefined) {
      const step = ladder.steps[ladder.currentStep];
      details.value.hierarchy = ladder.name;
      details.value.hierarchyStep = ladder.currentStep;
      if (step) Object.assign(details.value, { situation: step.situation, expectedSuds: step.expectedSuds });
    }
    // A new template replaces the open draft's content (the same draft), or makes a new draft.
    if (this.editor !== undefined) {
      this.editor.edit({ ...assignment, name: this.editor.name, session: this.editor.server.session });
    } else if (this.live !== undefined) {
      this.busy = true;
      try {
        this.edit(await this.live.createDraft(assignment));
        this.error = "";
      } catch (error) {
        this.error = toApiError(error).message;
      } finally {
        this.busy = false;
      }
    }
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>("#title")?.focus();
  }

  /** A rung of the ladder: the step, its situation and expected SUDS go into the draft. */
  private async pickStep(event: CustomEvent<LadderPick>): Promise<void> {
    if (this.editor === undefined) return;
    const next = clone(AssignmentSchema, this.editor.view);
    const details = next.exercise?.details;
    if (details?.case !== "exposurePractice") return;
    Object.assign(details.value, { hierarchy: event.detail.hierarchy, hierarchyStep: event.detail.step,
      situation: event.detail.situation, expectedSuds: event.detail.expectedSuds });
    this.editor.edit(next);
    await this.updateComplete;
  }

  /** Every keystroke and choice: the form read whole, and only what differs sent (DraftEditor). */
  private edited(event: Event): void {
    const form = (event.currentTarget as HTMLFormElement);
    if (this.editor === undefined) return;
    const data = new FormData(form);
    const next = withSafetyPlanFields(withPlanFields(this.editor.view, form), form);
    next.title = String(data.get("title") ?? "").trim();
    next.rationale = String(data.get("rationale") ?? "").trim();
    const schedule = next.schedule ?? create(ScheduleSchema);
    schedule.targetCount = Number(data.get("targetCount") ?? 1);
    schedule.period = Number(data.get("period") ?? Schedule_Period.DAY) as Schedule_Period;
    schedule.minutesPerPractice = Number(data.get("minutesPerPractice") ?? 0);
    schedule.startDate = String(data.get("startDate") ?? "");
    next.schedule = schedule;
    // The exercise is copied only when the form changed it (it may be the stored draft's own).
    const instructions = String(data.get("instructions") ?? "").trim();
    const situation = String(data.get("situation") ?? "").trim();
    const exposure = next.exercise?.details.case === "exposurePractice" && data.has("situation")
      ? next.exercise.details.value : undefined;
    if (next.exercise && (next.exercise.instructions !== instructions
        || (exposure !== undefined && exposure.situation !== situation))) {
      const exercise = clone(ExerciseSchema, next.exercise);
      exercise.instructions = instructions;
      if (exposure !== undefined && exercise.details.case === "exposurePractice") exercise.details.value.situation = situation;
      next.exercise = exercise;
    }
    // A required field emptied while it is retyped is not sent (the service would refuse it).
    this.editor.edit(next, form.checkValidity());
    // A newer edit: its saving state is the line now, not an earlier action's.
    if (this.editor.busy) this.status = undefined;
  }

  private async assign(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (this.live === undefined || this.editor === undefined) return;
    this.busy = true;
    try {
      // With nothing left to save the call leaves at once, before the form re-renders as busy.
      if (this.editor.busy) await this.editor.settled();
      const assignment = await this.live.assign(this.editor.name);
      this.editor = undefined;
      this.status = (t) => t.panels.assigned(assignment.title);
      this.error = "";
      this.dispatchEvent(new CustomEvent("assigned", { detail: assignment, bubbles: true, composed: true }));
    } catch (error) {
      const apiError = toApiError(error);
      this.error = [apiError.message, ...apiError.fieldViolations.map((v) => `${v.field}: ${v.description}`)].join("; ");
    } finally {
      this.busy = false;
    }
  }

  private async discard(name: string): Promise<void> {
    if (this.live === undefined || name === "") return;
    this.busy = true;
    try {
      await this.live.discard(name);
      if (this.editor?.name === name) this.editor = undefined;
      this.listOthers();
      this.status = (t) => t.panels.discarded;
      this.error = "";
    } catch (error) {
      this.error = toApiError(error).message;
    } finally {
      this.busy = false;
    }
  }

  /** Opens another draft of this session, or brings an earlier session's draft into this one. */
  private async reopen(draft: Assignment): Promise<void> {
    if (this.live === undefined) return;
    this.busy = true;
    try {
      this.edit(this.live.isOurs(draft) ? draft : await this.live.reopen(draft.name));
      this.status = (t) => t.panels.reopened(draft.title);
      this.error = "";
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>("#title")?.focus();
    } catch (error) {
      this.error = toApiError(error).message;
    } finally {
      this.busy = false;
    }
  }
}

/** Today in the browser's time zone as YYYY-MM-DD. */
function localToday(): string {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
}

declare global {
  interface HTMLElementTagNameMap {
    "homework-assign-panel": HomeworkAssignPanel;
  }
}
