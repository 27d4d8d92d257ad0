// The end-of-session summary as both people see it (the therapist's dock and the client's session
// panel): from Session.summary, what was assigned, how many completions were reviewed, and which
// drafts stay open for next time, each assignment by its title. One place for both views.

import { css, html, nothing, type TemplateResult } from "lit";
import type { Session } from "../gen/therapy/homework/v1/session_pb.js";
import type { Catalogue } from "../shared/i18n.js";

export const summaryStyles = css`
  section.summary { border: 1px solid var(--hw-border-subtle); border-left: 4px solid var(--hw-success);
    border-radius: var(--hw-radius); padding: 4px 12px 8px; margin: 8px 0; }
  section.summary h3 { margin: 4px 0; font-size: var(--hw-text-md); }
  section.summary ul { margin: 2px 0 6px; padding-left: 18px; }
  section.summary li, section.summary p { overflow-wrap: anywhere; }
`;

/**
 * The summary of an ended `session`; `titleOf` gives an assignment's title by its name (the name
 * itself when unknown). Nothing while the session is live.
 */
export function sessionSummary(session: Session | undefined, titleOf: (name: string) => string,
                               t: Catalogue, careTeam: boolean): TemplateResult | typeof nothing {
  const summary = session?.summary;
  if (session === undefined || summary === undefined || session.endTime === undefined) return nothing;
  const s = t.panels.summary;
  return html`<section class="summary" data-summary aria-labelledby="summary-title">
    <h3 id="summary-title">${s.title}</h3>
    <p data-part="assigned-count">${s.assignedCount(summary.assigned.length)}</p>
    ${summary.assigned.length === 0 ? nothing : html`<ul data-part="assigned">
      ${summary.assigned.map((name) => html`<li data-assignment=${name}>${titleOf(name)}</li>`)}</ul>`}
    ${careTeam ? html`<p data-part="reviewed">${s.reviewedCount(summary.reviewed.length)}</p>` : nothing}
    ${careTeam && summary.draftsOpen.length > 0 ? html`<p>${s.draftsOpen}</p><ul data-part="drafts-open">
      ${summary.draftsOpen.map((name) => html`<li data-assignment=${name}>${titleOf(name)}</li>`)}</ul>` : nothing}
    ${summary.discussed ? html`<p data-part="discussed">${summary.discussed}</p>` : nothing}
  </section>`;
}
