// Skills practice (breathing, grounding, relaxation, mindfulness): the skill, distress before and
// after (SUDS), minutes.
import { html } from "lit";
import type { Completion } from "../../gen/therapy/homework/v1/completion_pb.js";
import { SkillsPracticeInstructions_Skill } from "../../gen/therapy/homework/v1/assignment_pb.js";
import { commonFacts, field, sudsFigures, type RecordContext } from "./common.js";

export function renderSkills(completion: Completion, context: RecordContext) {
  const { t } = context;
  const skill = context.assignment?.exercise?.details.case === "skillsPractice"
    ? context.assignment.exercise.details.value : undefined;
  const name = skill === undefined ? "" : skill.skill === SkillsPracticeInstructions_Skill.OTHER
    ? skill.skillName : t.skills[SkillsPracticeInstructions_Skill[skill.skill]] ?? "";
  return html`
    <dl class="record" data-kind="skills">
      ${field(t.skill, name, "skill")}
      ${sudsFigures(completion.suds, t)}
      ${commonFacts(completion, t)}
    </dl>`;
}
