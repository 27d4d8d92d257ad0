// The practice data both portal suites start from, made through the real API: a client "alex"
// (Europe/Berlin) with therapist "dr-ada" on the care team, a social-anxiety hierarchy with
// Alex's own SUDS anchors, and one active assignment of each kind the tests record.
import { ExerciseKind, Measure, Schedule_Period, EventTiming, type Assignment }
  from "../../plugin/web/src/gen/therapy/homework/v1/assignment_pb.js";
import type { Hierarchy } from "../../plugin/web/src/gen/therapy/homework/v1/hierarchy_pb.js";
import type { ServerProcess } from "./harness.js";

export const PRACTICE = "demo";
export const CLIENT_ID = "alex";
export const CLIENT = `practices/${PRACTICE}/clients/${CLIENT_ID}`;
export const THERAPIST = "dr-ada";
export const TIME_ZONE = "Europe/Berlin";

/** The seeded resources, by what the tests call them. */
export interface Seeded {
  hierarchy: Hierarchy;
  thoughtRecord: Assignment;
  exposure: Assignment;
  mood: Assignment;
  selfCare: Assignment;
  experiment: Assignment;
  phq9: Assignment;
  gad7: Assignment;
}

/** `YYYY-MM-DD` of `date` in `zone`. */
export function localDay(date: Date, zone = TIME_ZONE): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
    .format(date);
}

/** Creates the client, hierarchy and assignments, and activates the assignments. */
export async function seed(server: ServerProcess): Promise<Seeded> {
  const service = server.stub(server.token("platform-backend", "service"));
  const therapist = server.stub(server.token(THERAPIST, "therapist"));
  await service.createClient({
    parent: `practices/${PRACTICE}`, clientId: CLIENT_ID,
    client: { displayName: "Alex", timeZone: TIME_ZONE, careTeam: [THERAPIST] },
  });
  const hierarchy = await therapist.createHierarchy({
    parent: CLIENT,
    hierarchy: {
      target: "Social anxiety",
      anchors: { calm: "lying on the sofa", moderate: "waiting for a call", worst: "giving a speech" },
      steps: [
        { situation: "Brief eye contact with a stranger", expectedSuds: 30, prescription: "3 times daily" },
        { situation: "Say hello to a cashier", expectedSuds: 45, prescription: "5 interactions over the week" },
      ],
    },
  });
  const start = localDay(new Date(Date.now() - 14 * 86_400_000));
  const schedule = (period: Schedule_Period, targetCount: number, extra: object = {}) => ({
    targetCount, period, startDate: start, minutesPerPractice: 10,
    minimumVersion: "Two minutes, just start", ...extra,
  });
  const make = async (title: string, exercise: object, sched: object, extra: object = {}): Promise<Assignment> => {
    const created = await therapist.createAssignment({ parent: CLIENT,
      assignment: { title, exercise, schedule: sched, ...extra } });
    return therapist.activateAssignment({ name: created.name, etag: created.etag });
  };
  return {
    hierarchy,
    thoughtRecord: await make("Catch one worry thought",
      { kind: ExerciseKind.THOUGHT_RECORD, details: { case: "thoughtRecord", value: { focus: "dread before work" } } },
      schedule(Schedule_Period.DAY, 1, {
        preferredLocalTime: "20:30",
        habitAnchor: { when: EventTiming.AFTER_DINNER, offsetMinutes: 0, clientWords: "after I clear the dinner table" },
        environmentalCue: "journal on the pillow",
      })),
    exposure: await make("Eye contact practice",
      { kind: ExerciseKind.EXPOSURE_PRACTICE, details: { case: "exposurePractice", value: {
        situation: "Brief eye contact with a stranger", expectedSuds: 30, hierarchy: hierarchy.name, hierarchyStep: 0,
        trackExpectancy: true } },
        instructions: "Look a passer-by in the eye for two seconds. Stay until your distress has clearly dropped." },
      schedule(Schedule_Period.DAY, 3, { habitAnchor: { clientWords: "on my way to the bakery" } }),
      { rationale: "Staying in the situation teaches you that the distress passes and the feared outcome rarely comes." }),
    mood: await make("Mood check", { kind: ExerciseKind.MOOD_MONITORING },
      schedule(Schedule_Period.DAY, 1, { minutesPerPractice: 0 })),
    selfCare: await make("Evening walk",
      { kind: ExerciseKind.SELF_CARE, details: { case: "selfCare", value: { domain: 2, targetAmount: 20, unit: "minutes" } } },
      schedule(Schedule_Period.WEEK, 4)),
    experiment: await make("Test: people will laugh",
      { kind: ExerciseKind.BEHAVIORAL_EXPERIMENT, details: { case: "behavioralExperiment", value: { prediction: "They will laugh" } } },
      schedule(Schedule_Period.WEEK, 1)),
    phq9: await make("PHQ-9 check-in",
      { kind: ExerciseKind.OUTCOME_MEASURE, details: { case: "outcomeMeasure", value: { measure: Measure.PHQ9 } } },
      schedule(Schedule_Period.WEEK, 1, { minutesPerPractice: 5 })),
    gad7: await make("GAD-7 check-in",
      { kind: ExerciseKind.OUTCOME_MEASURE, details: { case: "outcomeMeasure", value: { measure: Measure.GAD7 } } },
      schedule(Schedule_Period.WEEK, 1, { minutesPerPractice: 5 })),
  };
}
