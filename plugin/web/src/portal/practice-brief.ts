// What a practice is and why, shown on its Today card and again at the top of its form, so the
// client never has to remember the session: the exposure step's situation, the therapist's
// instructions, why this helps (the rationale), then the plan as the client agreed it, in their
// own words where they gave them (shared/plan-text.ts). Parts the assignment lacks are left out.
import { css, html, nothing } from "lit";
import type { Assignment } from "../gen/therapy/homework/v1/assignment_pb.js";
import type { Catalogue } from "../shared/i18n.js";
import { planLines } from "../shared/plan-text.js";

/** Rules for `practiceBrief`'s list; include them in the element's styles. */
export const briefStyles = css`
  dl.plan { display: grid; grid-template-columns: minmax(7rem, max-content) minmax(0, 1fr); gap: 2px 12px; margin: 8px 0; }
  dl.plan dt { font-weight: 600; }
  dl.plan dd { margin: 0; overflow-wrap: anywhere; }
  dl.plan dd.long { white-space: pre-line; }
  @media (max-width: 420px) { dl.plan { grid-template-columns: minmax(0, 1fr); } dl.plan dd { margin-bottom: 6px; } }
`;

/** The brief of `assignment` as one labelled list (`data-part` names each row for styles and tests). */
export function practiceBrief(assignment: Assignment, t: Catalogue) {
  const details = assignment.exercise?.details;
  const situation = details?.case === "exposurePractice" ? details.value.situation : "";
  const instructions = assignment.exercise?.instructions ?? "";
  const row = (part: string, label: string, text: string) =>
    html`<dt>${label}</dt><dd class="long" data-part=${part}>${text}</dd>`;
  return html`<dl class="plan">
    ${situation ? row("situation", t.portal.situationLabel, situation) : nothing}
    ${instructions ? row("instructions", t.portal.instructionsLabel, instructions) : nothing}
    ${assignment.rationale ? row("rationale", t.portal.rationaleLabel, assignment.rationale) : nothing}
    ${planLines(assignment, t).map((line) => html`<dt>${line.label}</dt><dd data-part=${line.part}>${line.text}</dd>`)}
  </dl>`;
}
