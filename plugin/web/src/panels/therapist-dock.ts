// <homework-therapist-dock>: the therapist's homework beside the video, as two tabs, Review and
// Assign, so the assign panel is one key or click away instead of below a long review. The page
// puts a <homework-review-panel slot="review"> and a <homework-assign-panel slot="assign"> inside;
// the dock only switches between them (both stay connected, so each keeps its state and its
// session events while hidden). Keyboard: the tabs pattern of shared/tabs.ts. When the client
// changes the shared draft while Review is showing, the Assign tab says so until it is opened.
//
// Properties: `view` ("review" or "assign"; reflected as an attribute), optional `channel` (the
// joined SessionChannel, for the Assign tab's note). Text from the catalogue of the nearest `lang`.

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
  `];

  @property({ reflect: true }) view: DockView = "review";
  /** Optional: the joined session channel, to flag client changes on the Assign tab. */
  @property({ attribute: false }) channel?: SessionChannel;

  @state() private draftChanged = false;
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
    const label = (view: DockView) => (view === "review" ? t.tabReview : t.tabAssign);
    return html`
      <div role="tablist" aria-label=${t.dock} @keydown=${this.tabKeys}>
        ${VIEWS.map((view) => html`<button role="tab" id="tab-${view}" aria-controls="panel-${view}"
          aria-selected=${this.view === view ? "true" : "false"} tabindex=${this.view === view ? 0 : -1}
          @click=${() => this.show(view)}>${label(view)}${view === "assign" && this.draftChanged
            ? html` <span class="badge">(${t.draftChangedBadge})</span>` : ""}</button>`)}
      </div>
      ${VIEWS.map((view) => html`<div role="tabpanel" id="panel-${view}" aria-labelledby="tab-${view}"
        ?hidden=${this.view !== view}><slot name=${view}></slot></div>`)}`;
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
