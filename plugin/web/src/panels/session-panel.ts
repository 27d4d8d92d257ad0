// <homework-session-panel>: the client's side of homework in the session. Shows each draft the
// therapist is shaping in this session as it changes, with what to do, why it helps and its plan
// in the client's words (portal/practice-brief.ts, the portal's own wording); lets the client
// change its own plan of the draft while the session is live (preferred time, routine, if-then
// plan, cue, two-minute version: the fields the service lets a client change, each sent alone as
// it is typed, draft-editor.ts); shows an assignment the moment it is made, the client's active
// homework, each with the same brief, and the summary once the session ends.
//
// Two ways to use it:
// - wired by the page: properties `live` (an open LiveSession), `api` (HomeworkClient, to list the
//   active homework) and `client` (the client's resource name);
// - self-wiring, on any host page: attributes `api` (the browser API's base URL), `session` (the
//   Session name), `client`, and the property `getToken: () => Promise<string>`; once all are set
//   the panel builds its transport and opens the LiveSession itself (session-wiring.ts). A caller
//   with no homework role for this client sees only "No homework for you in this session".

import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { property, state } from "lit/decorators.js";
import { guard } from "lit/directives/guard.js";
import { defineElement } from "../shared/define.js";
import type { HomeworkClient } from "../client/homework-client.js";
import type { LiveSession } from "../client/live-session.js";
import { toApiError } from "../client/errors.js";
import { Assignment_State, type Assignment } from "../gen/therapy/homework/v1/assignment_pb.js";
import { briefStyles, practiceBrief } from "../portal/practice-brief.js";
import { catalogue, elementLocale, type Catalogue, type Say } from "../shared/i18n.js";
import { practiceStartLine } from "../shared/plan-text.js";
import { panelStyles } from "./panel-styles.js";
import { planFields, withPlanFields } from "./plan-fields.js";
import { idOf } from "./dom-ids.js";
import { DraftEditor } from "./draft-editor.js";
import { wireElement, wiringChanged } from "./session-wiring.js";
import { sessionSummary, summaryStyles } from "./session-summary.js";

@defineElement("homework-session-panel")
export class HomeworkSessionPanel extends LitElement {
  static override styles = [...panelStyles, briefStyles, summaryStyles, css`
    ul.earlier { list-style: none; padding-left: 0; }
    ul.earlier summary { min-height: var(--hw-target); display: flex; align-items: center; gap: 8px; cursor: pointer; }
    /* A flex summary loses the disclosure triangle: draw it, silent for screen readers. */
    ul.earlier summary::before { content: "▸" / ""; color: var(--hw-muted); }
    ul.earlier details[open] > summary::before { content: "▾" / ""; }
    ul.earlier .started { display: block; color: var(--hw-muted); font-size: var(--hw-text-sm); }
  `];

  @property({ attribute: false }) api?: HomeworkClient;
  @property({ attribute: false }) live?: LiveSession;
  @property() client = "";
  /** Self-wiring: the browser API's base URL (attribute `api`). */
  @property({ attribute: "api" }) apiUrl = "";
  /** Self-wiring: the Session, `practices/{p}/sessions/{s}` (attribute `session`). */
  @property({ attribute: "session" }) sessionName = "";
  /** Self-wiring: the host's token provider. */
  @property({ attribute: false }) getToken?: () => Promise<string>;
  /** Set when the caller has no homework role here (self-wiring sets it; a page may): the plain message, no data. */
  @property({ type: Boolean, reflect: true }) denied = false;

  /** One editor per draft of this session on show, by draft name. */
  @state() private editors: DraftEditor[] = [];
  @state() private assignedNow: Assignment[] = [];
  @state() private active: Assignment[] = [];
  /** The newest status line, rendered in the language of the moment (shared/i18n.ts Say). */
  @state() private status?: Say;
  @state() private error = "";

  private unsubscribe: (() => void)[] = [];

  /** The first draft on show, as the form has it. */
  get currentDraft(): Assignment | undefined {
    return this.editors[0]?.view;
  }

  override updated(changed: PropertyValues<this>): void {
    if (wiringChanged(changed)) void this.wireItself();
    if (changed.has("api") || changed.has("client")) void this.loadActive();
    if (changed.has("live")) {
      for (const off of this.unsubscribe) off();
      this.unsubscribe = [];
      const live = this.live;
      this.editors = [];
      if (live === undefined) return;
      for (const draft of live.openDrafts) if (live.isOurs(draft)) this.open(draft);
      this.unsubscribe = [
        live.on("draft", (e) => {
          const draft = e.detail.assignment;
          const editor = this.editors.find((d) => d.name === draft.name);
          if (editor !== undefined) editor.remote(draft);
          else if (live.isOurs(draft)) this.open(draft);
          else return;
          if (e.detail.by === "care-team") this.status = (t) => t.panels.therapistUpdated;
        }),
        live.on("draft-removed", (e) => {
          this.editors = this.editors.filter((d) => d.name !== e.detail.name);
        }),
        live.on("assigned", (e) => {
          this.assignedNow = [e.detail, ...this.assignedNow.filter((a) => a.name !== e.detail.name)];
          const title = e.detail.title;
          this.status = (t) => t.panels.assignedNow(title);
        }),
        live.on("connection", () => this.requestUpdate()),
        live.on("session", () => {
          if (!live.isLive) this.status = undefined;
          this.requestUpdate();
        }),
      ];
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const off of this.unsubscribe) off();
  }

  /** Self-wiring: once the attributes and getToken are all there. */
  private async wireItself(): Promise<void> {
    const wired = await wireElement(this, (message) => { this.error = message; });
    if (wired === undefined) return;
    this.api = wired.api;
    this.live = wired.live;
  }

  private open(draft: Assignment): void {
    const live = this.live;
    if (live === undefined) return;
    this.editors = [...this.editors, new DraftEditor(live, draft, () => this.requestUpdate(), (error) => {
      this.error = toApiError(error).message;
    })];
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
    if (this.denied) return html`<h2>${t.panels.yourHomework}</h2><p class="status" data-denied>${t.panels.noHomeworkHere}</p>`;
    const live = this.live;
    const editable = live?.isLive ?? false;
    // Each assignment once; a title given twice reads apart by its start and schedule.
    const earlier = [...new Map(this.active.filter((a) => !this.assignedNow.some((n) => n.name === a.name))
      .map((a) => [a.name, a] as const)).values()];
    const locale = elementLocale(this);
    const today = new Date().toDateString();  // "started today" becomes "yesterday" at midnight
    // Sections that did not change since the last render (the same stored object, the same
    // language and day) are not rendered again (guard): a keystroke in a draft re-renders the
    // draft, not every assignment on the page.
    return html`
      <h2>${t.panels.yourHomework}</h2>
      <p class="status" role="status" aria-live="polite">${
        live?.connected === false ? t.panels.reconnecting : this.status?.(t) ?? ""}</p>
      ${live === undefined ? nothing : sessionSummary(live.session, (name) => live.titleOf(name), t, false)}
      ${this.assignedNow.map((a) => guard([a, t], () => html`
        <section class="assigned" data-assignment=${a.name} aria-labelledby="n-${idOf(a.name)}">
          <h3 id="n-${idOf(a.name)}">${t.panels.newHomework(a.title)}</h3>
          ${practiceBrief(a, t)}
        </section>`))}
      ${this.editors.map((editor, index) => {
        const draft = editor.view;
        const prefix = index === 0 ? "c" : `c${index + 1}`;
        return html`
        <section class="draft" aria-labelledby="${prefix}-draft-title" data-draft=${draft.name}>
          <h3 id="${prefix}-draft-title">${t.panels.beingPlanned(draft.title)}</h3>
          ${practiceBrief(draft, t)}
          ${editable ? html`<form @input=${(e: Event) => this.edited(editor, e)} @change=${(e: Event) => this.edited(editor, e)}
            @submit=${(e: SubmitEvent) => this.propose(editor, e)} aria-label=${t.panels.proposeForm}>
            ${planFields(draft.schedule, prefix, t)}
            <button type="submit" class="primary">${t.panels.propose}</button>
          </form>` : nothing}
        </section>`;
      })}
      ${earlier.length === 0 ? nothing : html`
        <section aria-labelledby="active-title">
          <h3 id="active-title">${t.panels.alreadyPractising}</h3>
          <ul class="earlier">${earlier.map((a) => guard([a, t, locale, today], () => html`<li data-assignment=${a.name}>
            <details><summary><span>${a.title}<span class="started" data-started>${practiceStartLine(a, t, locale)}</span></span></summary>
              ${practiceBrief(a, t)}</details></li>`))}</ul>
        </section>`}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}`;
  }

  /** Each keystroke of the client's plan: only the plan field changed is sent. */
  private edited(editor: DraftEditor, event: Event): void {
    editor.edit(withPlanFields(editor.view, event.currentTarget as HTMLFormElement));
  }

  /** "Propose change": sends what is not sent yet and says when it is shared. */
  private async propose(editor: DraftEditor, event: SubmitEvent): Promise<void> {
    event.preventDefault();
    editor.edit(withPlanFields(editor.view, event.currentTarget as HTMLFormElement));
    await editor.settled();
    if (this.error === "") this.status = (t) => t.panels.shared;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "homework-session-panel": HomeworkSessionPanel;
  }
}
