// <homework-assign-panel>: the therapist shapes homework with the client during the session.
// Pick a template (ListTemplates), personalise it (schedule, preferred time, habit anchor, cue,
// minimum version, rationale, hierarchy step); every change goes to the session's shared draft,
// which the client sees and may amend (their amendments arrive here as `draft` events); Assign
// stores and activates it through the plugin.
//
// Properties: `api` (HomeworkClient over the Janus transport), `channel` (a joined
// SessionChannel), `practice` (`practices/{practice}`, whose templates to list).

import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from "lit";
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
import { panelStyles } from "./panel-styles.js";
import { planFields, withPlanFields } from "./plan-fields.js";
import { safetyPlanFields, withSafetyPlanFields } from "./safety-plan-fields.js";
import { catalogue, elementLocale, type Catalogue } from "../shared/i18n.js";

@defineElement("homework-assign-panel")
export class HomeworkAssignPanel extends LitElement {
  static override styles = panelStyles;

  @property({ attribute: false }) api?: HomeworkClient;
  @property({ attribute: false }) channel?: SessionChannel;
  @property() practice = "";

  @state() private templates: Template[] = [];
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

  private async loadTemplates(): Promise<void> {
    if (this.api === undefined || this.practice === "") return;
    try {
      this.templates = (await this.api.listTemplates({ parent: this.practice, pageSize: 200 })).templates;
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
      <label for="template">${t.fromTemplate}</label>
      <select id="template" @change=${this.pickTemplate} ?disabled=${this.busy}>
        <option value="">${t.choose}</option>
        ${this.templates.map((t) => html`<option value=${t.name}>${t.title}</option>`)}
      </select>
      ${assignment === undefined ? html`<p class="status">${t.noDraft}</p>` : html`
        <form @change=${this.edited} @submit=${this.assign} aria-label=${t.draftForm}>
          <label for="title">${t.title}</label>
          <input id="title" name="title" required maxlength="200" .value=${assignment.title}>
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
          ${exposure === undefined ? nothing : html`
            <label for="step">${t.stepLabel}</label>
            <input id="step" name="hierarchyStep" type="number" min="1" max="50"
              .value=${String(exposure.hierarchyStep + 1)}>`}
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

  private async pickTemplate(event: Event): Promise<void> {
    const name = (event.target as HTMLSelectElement).value;
    const template = this.templates.find((t) => t.name === name);
    if (template === undefined) return;
    const assignment = create(AssignmentSchema, {
      title: template.title,
      rationale: template.rationale,
      phase: template.phase,
      ...(template.exercise ? { exercise: template.exercise } : {}),
      schedule: template.schedule ? clone(ScheduleSchema, template.schedule) : { targetCount: 1, period: Schedule_Period.DAY },
    });
    // Templates carry no dates: practice starts today (the therapist can change it).
    if (assignment.schedule && assignment.schedule.startDate === "") assignment.schedule.startDate = localToday();
    // A new template replaces the open draft's content (same draft, next version).
    await this.save(assignment);
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
    if (next.exercise?.details.case === "exposurePractice" && data.has("hierarchyStep")) {
      next.exercise.details.value.hierarchyStep = Math.max(0, Number(data.get("hierarchyStep")) - 1);
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
