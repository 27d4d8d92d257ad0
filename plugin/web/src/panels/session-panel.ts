// <homework-session-panel>: the client's side of homework in the session. Shows the draft the
// therapist is shaping as it changes, with what to do, why it helps and its plan in the client's
// words (portal/practice-brief.ts, the portal's own wording); lets the client propose their own
// plan (preferred time, routine, if-then plan, cue, two-minute version: the fields the plugin
// lets a client amend); shows an assignment the moment it is made, and the client's active
// homework, each with the same brief.
//
// Properties: `channel` (a joined SessionChannel), optional `api` (HomeworkClient, to list the
// active homework) and `client` (the client's resource name).

import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { property, state } from "lit/decorators.js";
import { defineElement } from "../shared/define.js";
import type { HomeworkClient } from "../client/homework-client.js";
import { staleDraftOf, type Draft, type SessionChannel } from "../client/session-channel.js";
import { toApiError } from "../client/errors.js";
import { Assignment_State, type Assignment } from "../gen/therapy/homework/v1/assignment_pb.js";
import { briefStyles, practiceBrief } from "../portal/practice-brief.js";
import { catalogue, elementLocale, type Catalogue } from "../shared/i18n.js";
import { panelStyles } from "./panel-styles.js";
import { planFields, withPlanFields } from "./plan-fields.js";
import { idOf } from "./dom-ids.js";

@defineElement("homework-session-panel")
export class HomeworkSessionPanel extends LitElement {
  static override styles = [...panelStyles, briefStyles, css`
    ul.earlier { list-style: none; padding-left: 0; }
    ul.earlier summary { min-height: var(--hw-target); display: flex; align-items: center; cursor: pointer; }
  `];

  @property({ attribute: false }) api?: HomeworkClient;
  @property({ attribute: false }) channel?: SessionChannel;
  @property() client = "";

  @state() private draft?: Draft;
  @state() private assignedNow: Assignment[] = [];
  @state() private active: Assignment[] = [];
  @state() private status = "";
  @state() private error = "";

  private unsubscribe: (() => void)[] = [];

  /** Adopts a draft the page already knows (e.g. from `join`). */
  showDraft(draft: Draft | undefined): void {
    this.draft = draft;
  }

  /** The draft on show, as last received. */
  get currentDraft(): Draft | undefined {
    return this.draft;
  }

  override updated(changed: PropertyValues<this>): void {
    if (changed.has("api") || changed.has("client")) void this.loadActive();
    if (changed.has("channel")) {
      for (const off of this.unsubscribe) off();
      const channel = this.channel;
      if (channel === undefined) return;
      this.unsubscribe = [
        channel.on("draft", (e) => {
          this.draft = e.detail;
          if (e.detail.updatedBy?.role === "therapist") this.status = this.t.panels.therapistUpdated;
        }),
        channel.on("draft-removed", (e) => {
          if (this.draft?.id === e.detail.draft) this.draft = undefined;
        }),
        channel.on("assigned", (e) => {
          this.assignedNow = [e.detail, ...this.assignedNow.filter((a) => a.name !== e.detail.name)];
          this.status = this.t.panels.assignedNow(e.detail.title);
        }),
      ];
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const off of this.unsubscribe) off();
  }

  private async loadActive(): Promise<void> {
    if (this.api === undefined || this.client === "") return;
    try {
      this.active = (await this.api.listAssignments({ parent: this.client, states: [Assignment_State.ACTIVE] })).assignments;
    } catch (error) {
      this.error = toApiError(error).message;
    }
  }

  /** The catalogue of the nearest `lang`. */
  private get t(): Catalogue {
    return catalogue(elementLocale(this));
  }

  override render(): TemplateResult {
    const t = this.t;
    const earlier = this.active.filter((a) => !this.assignedNow.some((n) => n.name === a.name));
    return html`
      <h2>${t.panels.yourHomework}</h2>
      <p class="status" role="status" aria-live="polite">${this.status}</p>
      ${this.assignedNow.map((a) => html`
        <section class="assigned" data-assignment=${a.name} aria-labelledby="n-${idOf(a.name)}">
          <h3 id="n-${idOf(a.name)}">${t.panels.newHomework(a.title)}</h3>
          ${practiceBrief(a, t)}
        </section>`)}
      ${this.draft === undefined ? nothing : html`
        <section class="draft" aria-labelledby="draft-title" data-draft=${this.draft.id} data-version=${this.draft.version}>
          <h3 id="draft-title">${t.panels.beingPlanned(this.draft.assignment.title)}</h3>
          ${practiceBrief(this.draft.assignment, t)}
          <form @submit=${this.propose} aria-label=${t.panels.proposeForm}>
            ${planFields(this.draft.assignment.schedule, "c", t)}
            <button type="submit" class="primary">${t.panels.propose}</button>
          </form>
        </section>`}
      ${earlier.length === 0 ? nothing : html`
        <section aria-labelledby="active-title">
          <h3 id="active-title">${t.panels.alreadyPractising}</h3>
          <ul class="earlier">${earlier.map((a) => html`<li data-assignment=${a.name}>
            <details><summary>${a.title}</summary>${practiceBrief(a, t)}</details></li>`)}</ul>
        </section>`}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}`;
  }

  private async propose(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (this.channel === undefined || this.draft === undefined) return;
    const next = withPlanFields(this.draft.assignment, event.target as HTMLFormElement);
    try {
      this.draft = await this.channel.saveDraft({ id: this.draft.id, version: this.draft.version, assignment: next });
      this.status = this.t.panels.shared;
      this.error = "";
    } catch (error) {
      const stale = staleDraftOf(error);
      if (stale !== undefined) {
        this.draft = stale;
        this.error = this.t.panels.staleClient;
      } else {
        this.error = toApiError(error).message;
      }
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "homework-session-panel": HomeworkSessionPanel;
  }
}
