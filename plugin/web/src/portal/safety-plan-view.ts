// <hw-safety-plan>: the client's own safety plan (Stanley & Brown's steps, SafetyPlan in
// assignment.proto) with the platform's crisis resources above it, as the portal shows it first
// when the client taps "I need help now" or a PHQ-9 answer raises an urgent flag. Phone numbers
// are links that dial. It reads nothing from the network: the portal passes the plan it keeps
// on the device (safety-plan-store.ts), so it shows offline too.
import { LitElement, css, html, nothing } from "lit";
import { property } from "lit/decorators.js";
import { defineElement } from "../shared/define.js";
import type { SafetyPlan, SafetyPlanContact } from "../gen/therapy/homework/v1/assignment_pb.js";
import { baseStyles } from "../shared/styles.js";
import { catalogue, elementLocale, type Catalogue } from "../shared/i18n.js";
import type { CrisisResource } from "./completion-form.js";
import type { HelpState } from "./safety-plan-store.js";

type Step = keyof Catalogue["safety"]["steps"];

/** The steps in the order a client works through them; contacts are the steps with people. */
const STEPS: readonly Step[] = ["warningSigns", "copingStrategies", "socialDistractions", "helpContacts",
  "professionalContacts", "environmentSteps", "reasonsForLiving"];

/** A number as `tel:` wants it: digits and a leading +. */
export function dialable(phone: string): string {
  return phone.replace(/[^0-9+]/g, "");
}

@defineElement("hw-safety-plan")
export class SafetyPlanView extends LitElement {
  static override styles = [baseStyles, css`
    :host { background: transparent; }
    section.danger { border: 3px solid var(--hw-error); border-radius: var(--hw-radius); padding: 12px; background: var(--hw-error-surface); margin-bottom: 12px; }
    .danger h3, .plan h3 { margin-top: 0; }
    ul.entries { margin: 4px 0 0; padding-left: 20px; }
    ul.entries li { margin-bottom: 4px; overflow-wrap: anywhere; }
    ol.steps { list-style: none; padding: 0; margin: 0; display: grid; gap: 8px; }
    ol.steps > li { border: 1px solid var(--hw-border); border-radius: var(--hw-radius); padding: 8px 12px; }
    ol.steps h4 { margin: 0; }
    a.dial { color: var(--hw-error-strong); font-weight: 700; display: inline-block; min-height: var(--hw-target); line-height: var(--hw-target); }
    .help-state { font-weight: 600; }
    .help-state.waiting, .help-state.refused { color: var(--hw-warning-strong); }
  `];

  /** The plan's steps; undefined when the client has none. */
  @property({ attribute: false }) plan?: SafetyPlan;
  /** The platform's crisis resources. */
  @property({ attribute: false }) crisisResources: CrisisResource[] = [];
  /** How the client's "I need help now" went, when it was tapped. */
  @property({ attribute: false }) helpState?: HelpState;

  override render() {
    const t = catalogue(elementLocale(this));
    return html`
      ${this.helpState ? html`<p class="help-state ${this.helpState}" role="status" data-help-state=${this.helpState}>${
        this.helpState === "sent" ? t.safety.helpSent : this.helpState === "waiting" ? t.safety.helpWaiting : t.safety.helpRefused}</p>` : nothing}
      <section class="danger" aria-labelledby="danger-heading" data-crisis-resources>
        <h3 id="danger-heading">${t.safety.dangerHeading}</h3>
        ${this.crisisResources.length === 0 ? html`<p>${t.safety.noResources}</p>` : html`
          <p>${t.safety.dangerLead}</p>
          <ul class="entries">${this.crisisResources.map((r) => html`<li>
            <strong>${r.name}</strong>
            ${r.phone ? html` <a class="dial" href="tel:${dialable(r.phone)}" aria-label=${t.safety.call(r.name, r.phone)}>${r.phone}</a>` : nothing}
            ${r.url ? html` <a href=${r.url} target="_blank" rel="noopener">${r.url}</a>` : nothing}
            ${r.text ? html`<br><span>${r.text}</span>` : nothing}</li>`)}</ul>`}
      </section>
      <section class="plan" aria-labelledby="plan-heading" data-safety-plan=${this.plan ? "kept" : "none"}>
        <h3 id="plan-heading" tabindex="-1">${t.safety.heading}</h3>
        ${this.plan ? html`<p>${t.safety.lead}</p>
          <ol class="steps">${STEPS.map((step) => this.renderStep(step, t))}</ol>` : html`<p>${t.safety.noPlan}</p>`}
      </section>`;
  }

  private renderStep(step: Step, t: Catalogue) {
    const entries = this.plan?.[step] ?? [];
    if (entries.length === 0) return nothing;
    return html`<li data-step=${step}><h4>${t.safety.steps[step]}</h4>
      <ul class="entries">${entries.map((entry) => typeof entry === "string" ? html`<li>${entry}</li>` : this.renderContact(entry, t))}</ul>
    </li>`;
  }

  private renderContact(contact: SafetyPlanContact, t: Catalogue) {
    return html`<li><strong>${contact.name}</strong>${contact.phone ? html` <a class="dial" href="tel:${dialable(contact.phone)}"
      aria-label=${t.safety.call(contact.name, contact.phone)}>${contact.phone}</a>` : nothing}${contact.note ? html`<br><span>${contact.note}</span>` : nothing}</li>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "hw-safety-plan": SafetyPlanView;
  }
}
