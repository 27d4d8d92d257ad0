// <hw-template-gallery>: the therapist's template library while assigning. A search box over
// title, kind, phase, description and rationale; the templates grouped by treatment phase (in the
// order treatment runs: awareness, practice, consolidation, then any phase) and, inside a phase,
// by exercise kind, each sorted by title; every template with its description (for the therapist)
// and why it helps (for the client). "Use" fires `hw-template-pick` with the template.
//
// Properties: `templates` (every page of ListTemplates; the assign panel loads them), `disabled`.
// Text from the catalogue of the nearest `lang`.

import { LitElement, css, html, nothing, type TemplateResult } from "lit";
import { property, state } from "lit/decorators.js";
import { defineElement } from "../../shared/define.js";
import { ExerciseKind, TreatmentPhase } from "../../gen/therapy/homework/v1/assignment_pb.js";
import type { Template } from "../../gen/therapy/homework/v1/template_pb.js";
import { baseStyles } from "../../shared/styles.js";
import { catalogue, elementLocale, type Catalogue } from "../../shared/i18n.js";
import { idOf } from "../dom-ids.js";

/** The phases in the order treatment runs; templates for any phase last. */
const PHASES = [TreatmentPhase.AWARENESS, TreatmentPhase.PRACTICE, TreatmentPhase.CONSOLIDATION,
  TreatmentPhase.UNSPECIFIED] as const;

/** The detail of `hw-template-pick`. */
export interface TemplatePick {
  template: Template;
}

/** A kind's name in the catalogue. */
export function kindName(kind: ExerciseKind | undefined, t: Catalogue): string {
  const name = ExerciseKind[kind ?? ExerciseKind.UNSPECIFIED] ?? "UNSPECIFIED";
  return t.review.kind[name] ?? t.review.kind.UNSPECIFIED ?? name;
}

function phaseName(phase: TreatmentPhase, t: Catalogue): string {
  const g = t.panels.gallery;
  switch (phase) {
    case TreatmentPhase.AWARENESS: return g.phaseAwareness;
    case TreatmentPhase.PRACTICE: return g.phasePractice;
    case TreatmentPhase.CONSOLIDATION: return g.phaseConsolidation;
    default: return g.phaseAny;
  }
}

/** Lower case without accents, so "cafe" finds "café". */
function fold(text: string): string {
  return text.normalize("NFD").replace(/\p{Diacritic}/gu, "").toLowerCase();
}

/** The templates grouped for display: phase, then kind, then title, each group sorted. */
export function groupTemplates(templates: Template[], query: string, t: Catalogue):
    { phase: TreatmentPhase; kinds: { kind: ExerciseKind; templates: Template[] }[] }[] {
  const words = fold(query).split(/\s+/).filter(Boolean);
  const matches = (template: Template) => {
    const text = fold([template.title, template.description, template.rationale,
      kindName(template.exercise?.kind, t), phaseName(template.phase, t)].join(" "));
    return words.every((word) => text.includes(word));
  };
  const found = templates.filter(matches);
  return PHASES.map((phase) => {
    const inPhase = found.filter((template) => (PHASES.includes(template.phase as typeof PHASES[number])
      ? template.phase : TreatmentPhase.UNSPECIFIED) === phase);
    const kinds = [...new Set(inPhase.map((template) => template.exercise?.kind ?? ExerciseKind.UNSPECIFIED))]
      .sort((a, b) => kindName(a, t).localeCompare(kindName(b, t)))
      .map((kind) => ({
        kind,
        templates: inPhase.filter((template) => (template.exercise?.kind ?? ExerciseKind.UNSPECIFIED) === kind)
          .sort((a, b) => a.title.localeCompare(b.title)),
      }));
    return { phase, kinds };
  }).filter((group) => group.kinds.length > 0);
}

@defineElement("hw-template-gallery")
export class TemplateGallery extends LitElement {
  static override styles = [baseStyles, css`
    :host { background: transparent; }
    label { display: block; font-weight: 600; }
    input[type="search"] {
      min-height: var(--hw-target); width: 100%; padding: 8px;
      border: 1px solid var(--hw-border); border-radius: var(--hw-radius); background: var(--hw-bg);
    }
    .count { color: var(--hw-muted); font-size: var(--hw-text-sm); margin: 4px 0 8px; }
    h3 { margin-top: 12px; }
    h4 { font-size: var(--hw-text-sm); text-transform: uppercase; letter-spacing: 0.04em; color: var(--hw-muted); margin: 8px 0 4px; }
    ul { list-style: none; margin: 0; padding: 0; }
    li.template {
      background: var(--hw-surface); border-radius: var(--hw-radius); padding: 8px 12px; margin: 0 0 8px;
      border-left: 4px solid var(--hw-primary);
    }
    li.template h5 { font-size: var(--hw-text-md); margin: 0 0 4px; }
    li.template p { margin: 0 0 4px; font-size: var(--hw-text-sm); overflow-wrap: anywhere; }
    li.template .why { color: var(--hw-muted); }
    li.template button { margin-top: 4px; }
  `];

  @property({ attribute: false }) templates: Template[] = [];
  @property({ type: Boolean }) disabled = false;

  @state() private query = "";

  private get t(): Catalogue {
    return catalogue(elementLocale(this));
  }

  override render(): TemplateResult {
    const t = this.t;
    const g = t.panels.gallery;
    const groups = groupTemplates(this.templates, this.query, t);
    const shown = groups.reduce((n, group) => n + group.kinds.reduce((m, k) => m + k.templates.length, 0), 0);
    return html`
      <label for="search">${g.search}</label>
      <input id="search" type="search" autocomplete="off" .value=${this.query} aria-describedby="count"
        @input=${(e: Event) => { this.query = (e.target as HTMLInputElement).value; }}>
      <p id="count" class="count" role="status">${shown === 0 && this.query ? g.noMatch(this.query) : g.count(shown)}</p>
      ${groups.map((group) => html`
        <section aria-labelledby="phase-${group.phase}" data-phase=${TreatmentPhase[group.phase]}>
          <h3 id="phase-${group.phase}">${phaseName(group.phase, t)}</h3>
          ${group.kinds.map((kind) => html`
            <h4 id="kind-${group.phase}-${kind.kind}">${kindName(kind.kind, t)}</h4>
            <ul aria-labelledby="kind-${group.phase}-${kind.kind}">
              ${kind.templates.map((template) => this.card(template, t))}
            </ul>`)}
        </section>`)}`;
  }

  private card(template: Template, t: Catalogue): TemplateResult {
    const g = t.panels.gallery;
    const id = `tpl-${idOf(template.name)}`;
    return html`<li class="template" data-template=${template.name}>
      <h5 id=${id}>${template.title}</h5>
      ${template.description ? html`<p data-part="description">${template.description}</p>` : nothing}
      ${template.rationale ? html`<p class="why" data-part="rationale"><strong>${g.why}</strong> ${template.rationale}</p>` : nothing}
      <button type="button" class="primary" ?disabled=${this.disabled}
        @click=${() => this.pick(template)}>${g.use(template.title)}</button>
    </li>`;
  }

  private pick(template: Template): void {
    this.dispatchEvent(new CustomEvent<TemplatePick>("hw-template-pick", {
      detail: { template }, bubbles: true, composed: true,
    }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "hw-template-gallery": TemplateGallery;
  }
}
