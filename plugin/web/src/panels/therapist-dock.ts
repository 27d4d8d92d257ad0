// <homework-therapist-dock>: the therapist's homework beside the video, as two tabs, Review and
// Assign, so the assign panel is one key or click away instead of below a long review. The page
// puts a <homework-review-panel slot="review"> and a <homework-assign-panel slot="assign"> inside;
// the dock only switches between them (both stay connected, so each keeps its state and its
// session events while hidden). Keyboard: the tabs pattern of shared/tabs.ts. When the client
// changes the shared draft while Review is showing, the Assign tab says so until it is opened.
//
// Wide mode, for review: a toggle above the tabs sets `wide` (reflected as an attribute) and fires
// `homework-dock-wide` ({wide}, bubbling and composed); the host page gives the dock most of the
// width and shrinks the video to a strip while it is set (examples/telehealth-session does). The
// Review tab counts urgent flags not yet acknowledged (the review panel's
// `homework-flags-changed`), so they show while Assign is open.
//
// The caseload, before a session: a <homework-caseload slot="caseload"> the page puts inside shows
// behind a one-line disclosure above the tabs ("Caseload: who needs attention"), closed by default,
// so the therapist can look across all clients without leaving the dock. Without one, nothing shows.
//
// The session: with a `live` LiveSession the Assign tab notes the client's changes, an "End
// session" button ends it (EndSession) and the summary (Session.summary, session-summary.ts) shows
// above the tabs for everyone once it has ended.
//
// Properties: `view` ("review" or "assign"; reflected as an attribute), `wide` (boolean,
// reflected), optional `live` (the open LiveSession). Text from the catalogue of the nearest
// `lang`.
//
// Self-wiring, on any host page: attributes `api` (the browser API's base URL), `session` (the
// Session name), `client`, and the property `getToken: () => Promise<string>`; once all are set
// the dock builds its transport, opens the LiveSession (session-wiring.ts) and wires its child
// panels (review, assign, caseload) itself, creating a review and an assign panel when the page
// gave none. A caller with no homework role for this client sees only "No homework for you in this
// session".

import { LitElement, css, html, type PropertyValues, type TemplateResult } from "lit";
import { property, state } from "lit/decorators.js";
import { defineElement } from "../shared/define.js";
import type { LiveSession } from "../client/live-session.js";
import type { HomeworkClient } from "../client/homework-client.js";
import { toApiError } from "../client/errors.js";
import { wireElement, wiringChanged } from "./session-wiring.js";
import { sessionSummary, summaryStyles } from "./session-summary.js";
import { baseStyles } from "../shared/styles.js";
import { tabAfterKey, tabStyles } from "../shared/tabs.js";
import { catalogue, elementLocale } from "../shared/i18n.js";

export type DockView = "review" | "assign";
const VIEWS: readonly DockView[] = ["review", "assign"];

@defineElement("homework-therapist-dock")
export class HomeworkTherapistDock extends LitElement {
  static override styles = [baseStyles, tabStyles, summaryStyles, css`
    :host { background: transparent; }
    /* On a light host page the dark scheme's light text needs the dock's own dark ground. */
    @media (prefers-color-scheme: dark) { :host { background: var(--hw-bg); } }
    [role="tabpanel"][hidden] { display: none; }
    .badge { font-weight: 400; }
    .urgent-badge { display: inline-block; margin-left: 4px; padding: 0 8px; border-radius: 999px; background: var(--hw-error);
      color: var(--hw-on-primary); font-weight: 700; font-size: var(--hw-text-sm); }
    .dock-bar { display: flex; flex-wrap: wrap; justify-content: flex-end; gap: 8px; }
    .error { color: var(--hw-error); font-weight: 600; }
    details.caseload { margin: 0 0 var(--hw-space-2, 8px); }
    details.caseload[hidden] { display: none; }
    details.caseload > summary { cursor: pointer; font-weight: 600; padding: 8px 0; min-height: 24px; }
    .dock-bar button { margin: 0; }
    /* One column on a phone: there is no video column to shrink. */
    @media (max-width: 50rem) { .dock-bar [data-wide] { display: none; } }
  `];

  @property({ reflect: true }) view: DockView = "review";
  /** Whether the dock asks the host for most of the width (review). */
  @property({ type: Boolean, reflect: true }) wide = false;
  /** Optional: the open LiveSession, to flag client changes, end the session and show its summary. */
  @property({ attribute: false }) live?: LiveSession;
  /** Self-wiring: the browser API's base URL (attribute `api`). */
  @property({ attribute: "api" }) apiUrl = "";
  /** Self-wiring: the Session, `practices/{p}/sessions/{s}` (attribute `session`). */
  @property({ attribute: "session" }) sessionName = "";
  /** Self-wiring: the client, `practices/{p}/clients/{c}`. */
  @property() client = "";
  /** Self-wiring: the host's token provider. */
  @property({ attribute: false }) getToken?: () => Promise<string>;
  /** Set when the caller has no homework role here (self-wiring sets it; a page may): the plain message, no data. */
  @property({ type: Boolean, reflect: true }) denied = false;

  @state() private draftChanged = false;
  @state() private error = "";
  @state() private ending = false;
  @state() private openFlags = 0;
  @state() private hasCaseload = false;

  constructor() {
    super();
    this.addEventListener("homework-flags-changed", (event) => {
      this.openFlags = (event as CustomEvent<{ open: number }>).detail.open;
    });
  }
  private unsubscribe: (() => void)[] = [];

  override updated(changed: PropertyValues<this>): void {
    if (wiringChanged(changed)) void this.wireItself();
    if (changed.has("live")) {
      for (const off of this.unsubscribe) off();
      const live = this.live;
      this.unsubscribe = live === undefined ? [] : [
        live.on("draft", (e) => {
          if (this.view !== "assign" && e.detail.by === "client") this.draftChanged = true;
        }),
        live.on("session", () => this.requestUpdate()),
      ];
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const off of this.unsubscribe) off();
  }

  /** Self-wiring: once the attributes and getToken are all there, open the session and wire the panels. */
  private async wireItself(): Promise<void> {
    const wired = await wireElement(this, (message) => { this.error = message; });
    if (wired !== undefined) this.wirePanels(wired.api, wired.live);
  }

  /**
   * Gives the child panels the session (creating a review and an assign panel when there are none);
   * opens on Assign when this session has a draft.
   */
  wirePanels(api: HomeworkClient, live: LiveSession): void {
    const practice = live.client.split("/clients/")[0] ?? "";
    let review = this.querySelector("homework-review-panel");
    let assign = this.querySelector("homework-assign-panel");
    if (review === null && assign === null) {
      review = Object.assign(document.createElement("homework-review-panel"), { slot: "review" });
      assign = Object.assign(document.createElement("homework-assign-panel"), { slot: "assign" });
      this.append(review, assign);
    }
    if (review !== null) Object.assign(review, { api, live, client: live.client });
    if (assign !== null) Object.assign(assign, { api, live, practice, client: live.client });
    const caseload = this.querySelector("homework-caseload");
    if (caseload !== null) Object.assign(caseload, { api, practice });
    if (live.openDrafts.some((d) => live.isOurs(d))) this.view = "assign";
    this.live = live;
  }

  /** Ends the session (EndSession); everyone's panels then show the summary. */
  private async endSession(): Promise<void> {
    if (this.live === undefined) return;
    this.ending = true;
    try {
      await this.live.end();
      this.error = "";
    } catch (error) {
      this.error = toApiError(error).message;
    } finally {
      this.ending = false;
    }
  }

  override render(): TemplateResult {
    const t = catalogue(elementLocale(this)).panels;
    const r = catalogue(elementLocale(this)).review;
    const label = (view: DockView) => (view === "review" ? t.tabReview : t.tabAssign);
    if (this.denied) return html`<p class="status" data-denied>${t.noHomeworkHere}</p>`;
    const live = this.live;
    return html`
      ${live === undefined ? "" : sessionSummary(live.session, (name) => live.titleOf(name), catalogue(elementLocale(this)), true)}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ""}
      <details class="caseload" ?hidden=${!this.hasCaseload}><summary>${t.caseloadSummary}</summary>
        <slot name="caseload" @slotchange=${this.caseloadChanged}></slot></details>
      <div class="dock-bar">${live?.isLive ? html`<button type="button" data-end ?disabled=${this.ending}
        @click=${this.endSession}>${t.endSession}</button>` : ""}<button type="button" data-wide aria-pressed=${this.wide ? "true" : "false"}
        @click=${() => this.setWide(!this.wide)}>${this.wide ? r.narrow : r.widen}</button></div>
      <div role="tablist" aria-label=${t.dock} @keydown=${this.tabKeys}>
        ${VIEWS.map((view) => html`<button role="tab" id="tab-${view}" aria-controls="panel-${view}"
          aria-selected=${this.view === view ? "true" : "false"} tabindex=${this.view === view ? 0 : -1}
          @click=${() => this.show(view)}>${label(view)}${view === "assign" && this.draftChanged
            ? html` <span class="badge">(${t.draftChangedBadge})</span>` : ""}${view === "review" && this.openFlags > 0
            ? html`<span class="urgent-badge">${r.dockUrgentBadge(this.openFlags)}</span>` : ""}</button>`)}
      </div>
      ${VIEWS.map((view) => html`<div role="tabpanel" id="panel-${view}" aria-labelledby="tab-${view}"
        ?hidden=${this.view !== view}><slot name=${view}></slot></div>`)}`;
  }

  private caseloadChanged(event: Event): void {
    this.hasCaseload = (event.target as HTMLSlotElement).assignedElements().length > 0;
  }

  /** Widens (or narrows) the dock and tells the host page (`homework-dock-wide`). */
  setWide(wide: boolean): void {
    this.wide = wide;
    this.dispatchEvent(new CustomEvent<{ wide: boolean }>("homework-dock-wide", { bubbles: true, composed: true, detail: { wide } }));
  }

  /** Shows `view`'s panel. */
  show(view: DockView): void {
    this.view = view;
    if (view === "assign") this.draftChanged = false;
  }

  private tabKeys(event: KeyboardEvent): void {
    const next = tabAfterKey(VIEWS, this.view, event.key);
    if (next === undefined) return;
    event.preventDefault();
    this.show(next);
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#tab-${next}`)?.focus());
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "homework-therapist-dock": HomeworkTherapistDock;
  }
}
