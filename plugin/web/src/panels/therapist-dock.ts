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
// Properties: `view` ("review" or "assign"; reflected as an attribute), `wide` (boolean,
// reflected), optional `channel` (the joined SessionChannel, for the Assign tab's note). Text
// from the catalogue of the nearest `lang`.

import { LitElement, css, html, type PropertyValues, type TemplateResult } from "lit";
import { property, state } from "lit/decorators.js";
import { defineElement } from "../shared/define.js";
import type { SessionChannel } from "../client/session-channel.js";
import { baseStyles } from "../shared/styles.js";
import { tabAfterKey, tabStyles } from "../shared/tabs.js";
import { catalogue, elementLocale } from "../shared/i18n.js";

export type DockView = "review" | "assign";
const VIEWS: readonly DockView[] = ["review", "assign"];

@defineElement("homework-therapist-dock")
export class HomeworkTherapistDock extends LitElement {
  static override styles = [baseStyles, tabStyles, css`
    :host { background: transparent; }
    [role="tabpanel"][hidden] { display: none; }
    .badge { font-weight: 400; }
    .urgent-badge { display: inline-block; margin-left: 4px; padding: 0 8px; border-radius: 999px; background: var(--hw-error);
      color: var(--hw-on-primary); font-weight: 700; font-size: var(--hw-text-sm); }
    .dock-bar { display: flex; justify-content: flex-end; }
    details.caseload { margin: 0 0 var(--hw-space-2, 8px); }
    details.caseload[hidden] { display: none; }
    details.caseload > summary { cursor: pointer; font-weight: 600; padding: 8px 0; min-height: 24px; }
    .dock-bar button { margin: 0; }
    /* One column on a phone: there is no video column to shrink. */
    @media (max-width: 50rem) { .dock-bar { display: none; } }
  `];

  @property({ reflect: true }) view: DockView = "review";
  /** Whether the dock asks the host for most of the width (review). */
  @property({ type: Boolean, reflect: true }) wide = false;
  /** Optional: the joined session channel, to flag client changes on the Assign tab. */
  @property({ attribute: false }) channel?: SessionChannel;

  @state() private draftChanged = false;
  @state() private openFlags = 0;
  @state() private hasCaseload = false;

  constructor() {
    super();
    this.addEventListener("homework-flags-changed", (event) => {
      this.openFlags = (event as CustomEvent<{ open: number }>).detail.open;
    });
  }
  private unsubscribe?: () => void;

  override updated(changed: PropertyValues<this>): void {
    if (changed.has("channel")) {
      this.unsubscribe?.();
      this.unsubscribe = this.channel?.on("draft", (e) => {
        if (this.view !== "assign" && e.detail.updatedBy?.role === "client") this.draftChanged = true;
      });
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
  }

  override render(): TemplateResult {
    const t = catalogue(elementLocale(this)).panels;
    const r = catalogue(elementLocale(this)).review;
    const label = (view: DockView) => (view === "review" ? t.tabReview : t.tabAssign);
    return html`
      <details class="caseload" ?hidden=${!this.hasCaseload}><summary>${t.caseloadSummary}</summary>
        <slot name="caseload" @slotchange=${this.caseloadChanged}></slot></details>
      <div class="dock-bar"><button type="button" data-wide aria-pressed=${this.wide ? "true" : "false"}
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
