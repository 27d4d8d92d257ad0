// <homework-assign-panel>: the therapist shapes homework with the client during the session.
// Pick a template from the gallery (assign/template-gallery.ts: every page of ListTemplates,
// searchable, grouped by treatment phase and kind, each with its description and rationale);
// for exposure practice pick the step from the client's ladder (assign/ladder-picker.ts, from
// ListHierarchies, with the expected SUDS of each step); edit the situation and instructions,
// the schedule, and the plan (preferred time, habit anchor, the if-then plan beside it, cue,
// minimum version, rationale). Every change goes to the session's shared draft, which the client
// sees and may amend (their amendments arrive here as `draft` events); Assign stores and
// activates it through the plugin.
//
// Properties: `api` (HomeworkClient over the Janus transport), `channel` (a joined
// SessionChannel), `practice` (`practices/{practice}`, whose templates to list), `client` (the
// client's resource name, whose ladders to list).

import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { property, state } from "lit/decorators.js";
import { defineElement } from "../shared/define.js";
import { clone, create } from "@bufbuild/protobuf";
import type { HomeworkClient } from "../client/homework-client.js";
import { staleDraftOf, type Draft, type SessionChannel } from "../client/session-channel.js";
import { toApiError } from "../client/errors.js";
import {
  AssignmentSchema,
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
import { catalogue, elementLocale, type Catalogue } from "../shared/i18n.js";

@defineElement("homework-assign-panel")
export class HomeworkAssignPanel extends LitElement {
  static override styles = [...panelStyles, css`
    details.gallery { border-top: 1px solid var(--hw-border); padding: 8px 0; }
    details.gallery > summary { font-weight: 600; min-height: var(--hw-target); display: flex; align-items: center; cursor: pointer; }
    .kind { color: var(--hw-muted); margin: 0 0 4px; }
    .ladder-title { font-size: 1rem; margin: 12px 0 4px; }
  `];

  @property({ attribute: false }) api?: HomeworkClient;
  @property({ attribute: false }) channel?: SessionChannel;
  @property() practice = "";
  @property() client = "";

  @state() private templates: Template[] = [];
  @state() private hierarchies: Hierarchy[] = [];
  @state() private draft?: Draft;
  @state() private status = "";
  @state() private error = "";
  @state() private busy = false;

  private unsubscribe: (() => void)[] = [];

  /** Adopts a draft the page already knows (e.g. from `join`). */
  showDraft(draft: Draft | undefined): void {
    this.draft = draft;
  }

  override updated(changed: PropertyValues<this>): void {
    if (changed.has("api") || changed.has("practice")) void this.loadTemplates();
    if (changed.has("api") || changed.has("client")) void this.loadHierarchies();
    if (changed.has("channel")) {
      for (const off of this.unsubscribe) off();
      const channel = this.channel;
      if (channel === undefined) return;
      this.unsubscribe = [
        channel.on("draft", (e) => {
          if (this.draft === undefined || this.draft.id === e.detail.id) {
            this.draft = e.detail;
            if (e.detail.updatedBy?.role === "client") this.status = this.t.panels.clientChanged;
          }
        }),
        channel.on("draft-removed", (e) => {
          if (this.draft?.id === e.detail.draft) this.draft = undefined;
        }),
      ];
    }
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
    const assignment = this.draft?.assignment;
    const schedule = assignment?.schedule;
    const exposure = assignment?.exercise?.details.case === "exposurePractice" ? assignment.exercise.details.value : undefined;
    return html`
      <h2>${t.assignTitle}</h2>
      <details class="gallery" ?open=${assignment === undefined}>
        <summary>${t.galleryOpen(this.templates.length)}</summary>
        <hw-template-gallery .templates=${this.templates} ?disabled=${this.busy}
          @hw-template-pick=${this.pickTemplate}></hw-template-gallery>
      </details>
      ${assignment === undefined ? html`<p class="status">${t.noDraft}</p>` : html`
        <form @change=${this.edited} @submit=${this.assign} aria-label=${t.draftForm}>
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
          <p class="status" aria-live="polite">${t.draftVersion(this.draft?.version ?? 0)}${this.draft?.updatedBy
            ? t.lastChangedBy(this.draft.updatedBy.role) : nothing}</p>
          <div class="row">
            <button type="submit" class="primary" ?disabled=${this.busy}>${t.assign}</button>
            <button type="button"  @click=${this.discard} ?disabled=${this.busy}>${t.discard}</button>
          </div>
        </form>`}
      <p class="status" role="status">${this.status}</p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}`;
  }

  private async pickTemplate(event: CustomEvent<TemplatePick>): Promise<void> {
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
    // A new template replaces the open draft's content (same draft, next version).
    await this.save(assignment);
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>("#title")?.focus();
  }

  /** A rung of the ladder: the step, its situation and expected SUDS go into the draft. */
  private async pickStep(event: CustomEvent<LadderPick>): Promise<void> {
    if (this.draft === undefined) return;
    const next = clone(AssignmentSchema, this.draft.assignment);
    const details = next.exercise?.details;
    if (details?.case !== "exposurePractice") return;
    Object.assign(details.value, { hierarchy: event.detail.hierarchy, hierarchyStep: event.detail.step,
      situation: event.detail.situation, expectedSuds: event.detail.expectedSuds });
    await this.save(next);
  }

  private async edited(event: Event): Promise<void> {
    const form = (event.currentTarget as HTMLFormElement);
    if (this.draft === undefined) return;
    const data = new FormData(form);
    const next = withSafetyPlanFields(withPlanFields(this.draft.assignment, form), form);
    next.title = String(data.get("title") ?? "").trim();
    next.rationale = String(data.get("rationale") ?? "").trim();
    const schedule = next.schedule ?? create(ScheduleSchema);
    schedule.targetCount = Number(data.get("targetCount") ?? 1);
    schedule.period = Number(data.get("period") ?? Schedule_Period.DAY) as Schedule_Period;
    schedule.minutesPerPractice = Number(data.get("minutesPerPractice") ?? 0);
    schedule.startDate = String(data.get("startDate") ?? "");
    next.schedule = schedule;
    if (next.exercise) next.exercise.instructions = String(data.get("instructions") ?? "").trim();
    if (next.exercise?.details.case === "exposurePractice" && data.has("situation")) {
      next.exercise.details.value.situation = String(data.get("situation") ?? "").trim();
    }
    await this.save(next);
  }

  /** Sends the draft; on a stale version adopts the current one and says so. */
  private async save(assignment: Assignment): Promise<void> {
    if (this.channel === undefined) return;
    try {
      this.draft = await this.channel.saveDraft({
        id: this.draft?.id ?? "",
        version: this.draft?.version ?? 0,
        assignment,
      });
      this.error = "";
    } catch (error) {
      const stale = staleDraftOf(error);
      if (stale !== undefined) {
        this.draft = stale;
        this.error = this.t.panels.staleTherapist;
      } else {
        this.error = toApiError(error).message;
      }
    }
  }

  private async assign(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (this.channel === undefined || this.draft === undefined) return;
    this.busy = true;
    try {
      const assignment = await this.channel.assign(this.draft.id);
      this.draft = undefined;
      this.status = this.t.panels.assigned(assignment.title);
      this.error = "";
      this.dispatchEvent(new CustomEvent("assigned", { detail: assignment, bubbles: true, composed: true }));
    } catch (error) {
      const apiError = toApiError(error);
      this.error = [apiError.message, ...apiError.fieldViolations.map((v) => `${v.field}: ${v.description}`)].join("; ");
    } finally {
      this.busy = false;
    }
  }

  private async discard(): Promise<void> {
    if (this.channel === undefined || this.draft === undefined) return;
    try {
      await this.channel.discard(this.draft.id);
      this.draft = undefined;
      this.status = this.t.panels.discarded;
    } catch (error) {
      this.error = toApiError(error).message;
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
