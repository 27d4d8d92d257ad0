// <hw-ladder-picker>: the client's exposure hierarchies (ListHierarchies) drawn as ladders, the
// least distressing step at the bottom, each rung with its situation, its prescription and the
// SUDS the client expects (a bar on the 0-100 scale and the number); the step being practised is
// marked. Choosing a rung fires `hw-ladder-pick` with the hierarchy, the step and its situation
// and expected SUDS. One radio group for all ladders: arrow keys move between rungs.
//
// Properties: `hierarchies`, `hierarchy` and `step` (the chosen rung, if any), `disabled`.

import { LitElement, css, html, nothing, type TemplateResult } from "lit";
import { property } from "lit/decorators.js";
import { defineElement } from "../../shared/define.js";
import type { Hierarchy } from "../../gen/therapy/homework/v1/hierarchy_pb.js";
import { baseStyles } from "../../shared/styles.js";
import { catalogue, elementLocale, type Catalogue } from "../../shared/i18n.js";
import { idOf } from "../dom-ids.js";

/** The detail of `hw-ladder-pick`. */
export interface LadderPick {
  hierarchy: string;
  step: number;
  situation: string;
  expectedSuds: number;
}

@defineElement("hw-ladder-picker")
export class LadderPicker extends LitElement {
  static override styles = [baseStyles, css`
    :host { background: transparent; }
    fieldset { border: 0; margin: 0 0 8px; padding: 0; min-width: 0; }
    legend { font-weight: 600; padding: 0; margin-bottom: 4px; }
    ol.ladder {
      list-style: none; margin: 0; padding: 0 10px;
      border-left: 6px solid var(--hw-ladder-rail); border-right: 6px solid var(--hw-ladder-rail); border-radius: 2px;
      display: flex; flex-direction: column-reverse;
    }
    ol.ladder li { border-bottom: 4px solid var(--hw-ladder-rail); padding: 6px 0; }
    ol.ladder li:last-child { border-top: 0; }
    label.rung {
      display: grid; grid-template-columns: auto minmax(0, 1fr) auto; gap: 4px 8px; align-items: center;
      padding: 6px 8px; border-radius: var(--hw-radius); background: var(--hw-bg); cursor: pointer;
      min-height: var(--hw-target);
    }
    label.rung:has(input:checked) { background: var(--hw-selected); outline: 2px solid var(--hw-primary); }
    input[type="radio"] { width: 20px; height: 20px; margin: 0; }
    .situation { overflow-wrap: anywhere; }
    .step { font-size: var(--hw-text-sm); color: var(--hw-muted); }
    .suds { font-variant-numeric: tabular-nums; font-weight: 700; white-space: nowrap; }
    .bar { grid-column: 2 / 4; height: 8px; border-radius: 4px; background: var(--hw-track); overflow: hidden; }
    .bar span { display: block; height: 100%; background: linear-gradient(90deg, var(--hw-success), var(--hw-warning) 55%, var(--hw-error)); }
    .prescription { grid-column: 2 / 4; font-size: var(--hw-text-sm); color: var(--hw-muted); margin: 0; }
    .current { font-size: var(--hw-text-sm); font-weight: 600; color: var(--hw-success); }
    .none { color: var(--hw-muted); }
  `];

  @property({ attribute: false }) hierarchies: Hierarchy[] = [];
  @property() hierarchy = "";
  @property({ type: Number }) step = -1;
  @property({ type: Boolean }) disabled = false;

  private get t(): Catalogue {
    return catalogue(elementLocale(this));
  }

  override render(): TemplateResult {
    const l = this.t.panels.ladder;
    if (this.hierarchies.length === 0) return html`<p class="none">${l.none}</p>`;
    return html`${this.hierarchies.map((h) => this.ladder(h))}`;
  }

  private ladder(hierarchy: Hierarchy): TemplateResult {
    const l = this.t.panels.ladder;
    const id = idOf(hierarchy.name);
    return html`<fieldset data-hierarchy=${hierarchy.name} ?disabled=${this.disabled}>
      <legend>${l.legend(hierarchy.target)}</legend>
      <ol class="ladder" aria-label=${l.stepsOf(hierarchy.target)}>
        ${hierarchy.steps.map((step, index) => {
          const chosen = this.hierarchy === hierarchy.name && this.step === index;
          const suds = Math.max(0, Math.min(100, step.expectedSuds));
          return html`<li data-step=${index}>
            <label class="rung" for="r-${id}-${index}">
              <input type="radio" id="r-${id}-${index}" name="rung" .checked=${chosen}
                aria-describedby="d-${id}-${index}"
                @change=${() => this.pick(hierarchy, index)}>
              <span class="situation"><span class="step">${l.step(index + 1)}</span>
                ${step.situation}${index === hierarchy.currentStep
                  ? html` <span class="current">${l.current}</span>` : nothing}</span>
              <span class="suds" aria-hidden="true">${suds}</span>
              <span class="bar" aria-hidden="true"><span style="width:${suds}%"></span></span>
              <span id="d-${id}-${index}" class="prescription">${l.expected(suds)}${step.prescription
                ? ` · ${step.prescription}` : ""}</span>
            </label>
          </li>`;
        })}
      </ol>
    </fieldset>`;
  }

  private pick(hierarchy: Hierarchy, index: number): void {
    const step = hierarchy.steps[index];
    if (step === undefined) return;
    this.hierarchy = hierarchy.name;
    this.step = index;
    this.dispatchEvent(new CustomEvent<LadderPick>("hw-ladder-pick", {
      detail: { hierarchy: hierarchy.name, step: index, situation: step.situation, expectedSuds: step.expectedSuds },
      bubbles: true, composed: true,
    }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "hw-ladder-picker": LadderPicker;
  }
}
