// The safety plan's seven steps (SafetyPlan in assignment.proto) as inputs of the assign panel,
// written with the client in session: one textarea per step, one entry per line; for people
// and places "name, phone, note". Step titles come from the catalogue the client's portal uses
// (`safety.steps`), so the therapist writes under the words the client will read.
import { html, type TemplateResult } from "lit";
import { clone, create } from "@bufbuild/protobuf";
import { AssignmentSchema, SafetyPlanContactSchema, type Assignment, type SafetyPlan, type SafetyPlanContact }
  from "../gen/therapy/homework/v1/assignment_pb.js";
import type { Catalogue } from "../shared/i18n.js";

type TextStep = "warningSigns" | "copingStrategies" | "environmentSteps" | "reasonsForLiving";
type ContactStep = "socialDistractions" | "helpContacts" | "professionalContacts";
const STEPS: readonly (TextStep | ContactStep)[] = ["warningSigns", "copingStrategies", "socialDistractions",
  "helpContacts", "professionalContacts", "environmentSteps", "reasonsForLiving"];
const CONTACTS: ReadonlySet<string> = new Set<ContactStep>(["socialDistractions", "helpContacts", "professionalContacts"]);

/** A contact as one line: "name, phone, note" (empty parts left out at the end). */
export function contactLine(contact: SafetyPlanContact): string {
  return [contact.name, contact.phone, contact.note].join(", ").replace(/(, )+$/, "");
}

/** A line back into a contact: the first part is the name, the second the phone, the rest the note. */
export function parseContactLine(line: string): SafetyPlanContact {
  const [name = "", phone = "", ...note] = line.split(",").map((part) => part.trim());
  return create(SafetyPlanContactSchema, { name, phone, note: note.join(", ") });
}

/** The seven steps as labelled textareas, ids prefixed with `prefix`. */
export function safetyPlanFields(plan: SafetyPlan, prefix: string, t: Catalogue): TemplateResult {
  const contacts = plan.helpContacts.length + plan.professionalContacts.length;
  return html`<fieldset class="safety-plan">
    <legend>${t.safety.editorHeading}</legend>
    <p class="status" id="${prefix}-sp-hint">${t.safety.editorHint}</p>
    ${contacts === 0 ? html`<p class="status" data-needs-contact>${t.safety.editorNeedsContact}</p>` : ""}
    ${STEPS.map((step) => {
      const lines = CONTACTS.has(step) ? (plan[step as ContactStep]).map(contactLine) : plan[step as TextStep];
      return html`<label for="${prefix}-sp-${step}">${t.safety.steps[step]}</label>
        <textarea id="${prefix}-sp-${step}" name="sp-${step}" rows="3" aria-describedby="${prefix}-sp-hint"
          .value=${lines.join("\n")}></textarea>`;
    })}
  </fieldset>`;
}

/** A copy of `assignment` with the safety plan read from `form` (when it is a safety plan). */
export function withSafetyPlanFields(assignment: Assignment, form: HTMLFormElement): Assignment {
  if (assignment.exercise?.details.case !== "safetyPlan") return assignment;
  const next = clone(AssignmentSchema, assignment);
  const details = next.exercise?.details;
  if (details?.case !== "safetyPlan") return next;
  const data = new FormData(form);
  for (const step of STEPS) {
    if (!data.has(`sp-${step}`)) continue;
    const lines = String(data.get(`sp-${step}`)).split("\n").map((line) => line.trim()).filter((line) => line !== "");
    if (CONTACTS.has(step)) details.value[step as ContactStep] = lines.map(parseContactLine);
    else details.value[step as TextStep] = lines;
  }
  return next;
}
