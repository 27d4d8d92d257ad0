// The demo's data, made through the service's own API (the Connect listener) as the platform,
// the therapist and the client would make it. Two seeds:
//
// - `seedDemo`: Alex (Europe/Berlin), three weeks into treatment for social anxiety with low
//   mood, with Dr Ada on the care team and a session a week ago. Six practices from the built-in
//   templates, each with a plan whose time, routine and cue agree (paced breathing at 22:00 right
//   before bed, a thought record at 20:00 after dinner, exposure at 13:30 after lunch, ...), and
//   the history a therapist would review: practices done at their planned times (and some not),
//   SUDS falling over the exposure practices, thought records, weekly PHQ-9 and GAD-7 scores
//   coming down, the earlier weeks reviewed (some with a word of feedback), this week's waiting.
//   The newest PHQ-9 answers item 9 above zero, so the review opens with an urgent flag.
// - `quickStart`: the `--service-only` first result: client Alex and one active assignment,
//   reused when they exist, so it can run any number of times against the same store.

export const practice = "demo";

/** The people of the demo: token subject, role, display name. */
export const people = {
  therapist: { sub: "dr-ada", role: "therapist", display: "Dr Ada" },
  client: { sub: "alex", role: "client", display: "Alex" },
  otherClient: { sub: "sam", role: "client", display: "Sam" },
  otherTherapist: { sub: "dr-bo", role: "therapist", display: "Dr Bo" },
  platform: { sub: "platform-backend", role: "service", display: "Platform" },
};

export const timeZone = "Europe/Berlin";
const DAY = 86_400_000;

/** `YYYY-MM-DD` of `date` in `zone`. */
export function localDay(date, zone = timeZone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
    .format(date);
}

/** The instant of local time `hhmm` on the day `daysAgo` days before today, in `zone`. */
export function localTime(daysAgo, hhmm, zone = timeZone, now = Date.now()) {
  const [year, month, day] = localDay(new Date(now - daysAgo * DAY), zone).split("-").map(Number);
  const [hour, minute] = hhmm.split(":").map(Number);
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23",
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
    .formatToParts(new Date(guess)).map((p) => [p.type, p.value]));
  const shown = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute);
  return new Date(guess - (shown - guess));
}

/** Records one practice as the client (done unless `fields.status` says otherwise). */
export function recordCompletion(callService, clientToken, assignmentName, fields, requestId) {
  return callService("CreateCompletion", {
    parent: assignmentName, requestId,
    completion: { occurTimeZone: timeZone, status: "STATUS_DONE", ...fields },
  }, clientToken);
}

/**
 * Seeds the demo into an empty store. Returns the names the tests and pages need:
 * `completions` are this week's (since the last session, unreviewed), `urgent` the PHQ-9 that
 * raised the flag.
 */
export async function seedDemo(callService, tokens) {
  const now = Date.now();
  const client = `practices/${practice}/clients/${people.client.sub}`;
  const otherClient = `practices/${practice}/clients/${people.otherClient.sub}`;
  const created = await callService("CreateClient", { parent: `practices/${practice}`, clientId: people.client.sub,
    client: { displayName: "Alex", timeZone, careTeam: [people.therapist.sub] } }, tokens.platform);
  await callService("CreateClient", { parent: `practices/${practice}`, clientId: people.otherClient.sub,
    client: { displayName: "Sam", timeZone, careTeam: [people.otherTherapist.sub] } }, tokens.platform);
  // Treatment started three weeks ago; the last session was a week ago, at 17:00.
  const lastSession = localTime(7, "17:00", timeZone, now);
  await callService("UpdateClient", { client: { name: created.name, etag: created.etag,
    lastSessionTime: lastSession.toISOString() }, updateMask: "lastSessionTime" }, tokens.platform);

  const { templates = [] } = await callService("ListTemplates", { parent: `practices/${practice}`, pageSize: 100 },
    tokens.therapist);
  const template = (id) => {
    const found = templates.find((t) => t.name === `templates/${id}`);
    if (found === undefined) throw new Error(`the service lists no template templates/${id} to seed from`);
    return found;
  };
  const startDate = localDay(new Date(now - 21 * DAY));
  /**
   * An active assignment from a template: the service merges `plan` over the template's schedule
   * and `exercise` (only the fields to change) over its exercise.
   */
  const assign = async (id, plan = {}, exercise = undefined) => {
    const t = template(id);
    const made = await callService("CreateAssignment", {
      parent: client, template: t.name, requestId: `seed-${id}`,
      assignment: { schedule: { startDate, ...plan }, ...(exercise ? { exercise } : {}) },
    }, tokens.therapist);
    return callService("ActivateAssignment", { name: made.name, etag: made.etag }, tokens.therapist);
  };

  const history = [];
  const thisWeek = [];
  /**
   * Records a practice `daysAgo` days ago at local `hhmm` (none when that is still ahead); one
   * before the last session was reviewed then, with `feedback` when it is not empty. Each
   * assignment's practices are recorded in order, the assignments side by side (the store
   * commits concurrent writes together); `recorded()` waits for all.
   */
  const chains = new Map();
  const practised = (assignment, daysAgo, hhmm, fields, feedback = undefined) => {
    const occur = localTime(daysAgo, hhmm, timeZone, now);
    if (occur.getTime() > now) return Promise.resolve(undefined);
    const chain = (chains.get(assignment.name) ?? Promise.resolve()).then(async () => {
      const completion = await recordCompletion(callService, tokens.client, assignment.name,
        { occurTime: occur.toISOString(), ...fields }, `seed-${assignment.name.split("/").pop()}-${daysAgo}`);
      (occur < lastSession ? history : thisWeek).push({ completion, feedback });
      return completion;
    });
    chain.catch(() => {}); // reported by recorded(), not as an unhandled rejection meanwhile
    chains.set(assignment.name, chain);
    return chain;
  };
  const recorded = () => Promise.all(chains.values());

  // 1. Paced breathing, daily at 22:00 right before bed (the template's plan): most evenings.
  const breathing = await assign("paced-breathing");
  const breathingDays = [20, 19, 18, 16, 15, 14, 13, 11, 10, 9, 8, 6, 5, 3, 2, 1];
  for (const daysAgo of breathingDays) {
    const late = daysAgo % 4 === 0 ? "22:40" : "22:05";
    practised(breathing, daysAgo, late, { minutes: daysAgo % 5 === 0 ? 2 : 5,
      status: daysAgo % 5 === 0 ? "STATUS_MINIMUM_VERSION" : "STATUS_DONE",
      suds: { before: 45 - (20 - daysAgo), after: 25 - Math.floor((20 - daysAgo) / 2) } },
    { 15: "Five evenings in a row: the routine is forming.",
      8: "The two-minute evenings count too. Keep the card on the pillow." }[daysAgo] ?? "");
  }

  // 2. Exposure: the social-anxiety ladder's first step, four times a week at 13:30 after lunch,
  //    with SUDS falling practice by practice (habituation: the review suggests the next step).
  const ladder = await callService("CreateHierarchy", { parent: client, template: "hierarchyTemplates/social-anxiety-ladder",
    requestId: "seed-ladder", hierarchy: { anchors: { calm: "Reading on the sofa on a Sunday",
      moderate: "Waiting to be called in at the doctor's", worst: "Giving a talk to the whole team" } } }, tokens.therapist);
  const step = ladder.steps[ladder.currentStep ?? 0];
  const exposure = await assign("exposure-practice", {
    preferredLocalTime: "13:30",
    habitAnchor: { when: "EVENT_TIMING_AFTER_LUNCH", clientWords: "after lunch, on the walk back to the office" },
    environmentalCue: "The ladder card in my wallet, next to my bank card",
  }, { exposurePractice: { situation: step.situation, expectedSuds: step.expectedSuds, hierarchy: ladder.name,
    hierarchyStep: ladder.currentStep ?? 0 } });
  const sudsSeries = [[20, 70, 85, 60], [18, 68, 80, 55], [16, 65, 78, 50], [13, 60, 72, 45], [11, 58, 70, 40],
    [9, 55, 65, 35], [6, 50, 60, 30], [4, 45, 55, 25], [2, 40, 50, 20], [1, 35, 45, 15]];
  for (const [daysAgo, before, peak, after] of sudsSeries) {
    practised(exposure, daysAgo, "13:35", { minutes: 25, suds: { before, peak, after },
      expectancy: { before: Math.min(90, before + 10), after: Math.max(10, after - 5), fearedOutcomeOccurred: false } },
    { 16: "You stayed until it dropped: that is exactly the practice.",
      9: "Your peak is coming down week by week. Next session we look at the next step." }[daysAgo] ?? "");
  }

  // 3. Thought record, daily at 20:00 after dinner (the template's plan): a few a week.
  const thoughts = await assign("thought-record");
  const records = [
    [15, { situation: "Colleague did not say hello in the corridor", automaticThought: "She is annoyed with me",
      automaticThoughtBelief: 75, emotions: [{ emotion: "worried", intensity: 65 }],
      evidenceFor: "She looked away", evidenceAgainst: "She was on the phone and smiled at lunch",
      balancedThought: "She was busy; it was not about me", balancedThoughtBelief: 60,
      emotionsRerated: [{ emotion: "worried", intensity: 35 }] }],
    [10, { situation: "Sent a message to the team chat", automaticThought: "Everyone thinks it was a stupid question",
      automaticThoughtBelief: 70, emotions: [{ emotion: "embarrassed", intensity: 70 }],
      evidenceFor: "Only one reply", evidenceAgainst: "The reply thanked me for asking",
      balancedThought: "Others probably had the same question", balancedThoughtBelief: 55,
      emotionsRerated: [{ emotion: "embarrassed", intensity: 40 }] }],
    [2, { situation: "Meeting ran late", automaticThought: "They think I am useless", automaticThoughtBelief: 80,
      emotions: [{ emotion: "anxious", intensity: 70 }, { emotion: "sad", intensity: 40 }],
      evidenceFor: "Nobody replied to my idea", evidenceAgainst: "My manager thanked me afterwards",
      balancedThought: "One quiet meeting says little", balancedThoughtBelief: 60,
      emotionsRerated: [{ emotion: "anxious", intensity: 40 }, { emotion: "sad", intensity: 25 }] }],
  ];
  for (const [daysAgo, record] of records) {
    practised(thoughts, daysAgo, "20:10", { minutes: 15, thoughtRecord: record },
      { 15: "Good catch: the evidence against was there all along.",
        10: "Notice how much the belief dropped once you wrote the evidence down." }[daysAgo] ?? "");
  }

  // 4. Reach out to someone, three times a week after dinner: the hardest to start (below half
  //    of the plan this week, so the review suggests a smaller version or another routine).
  const social = await assign("social-connection", { preferredLocalTime: "19:30",
    habitAnchor: { when: "EVENT_TIMING_AFTER_DINNER", clientWords: "after dinner, before I turn the TV on" },
    environmentalCue: "My sister's name on a note by the TV remote" });
  practised(social, 17, "19:40", { minutes: 10, selfCare: { amount: 1 } }, "Calling your sister was a big step.");
  practised(social, 12, "19:35", { minutes: 5, selfCare: { amount: 1 } }, "");
  practised(social, 3, "19:30", { status: "STATUS_SKIPPED", skipReason: "Too tired after work" });

  // 5 and 6. PHQ-9 and GAD-7, weekly after breakfast on the day before the session.
  const phq9 = await assign("phq-9");
  const gad7 = await assign("gad-7");
  const phq9Answers = [[15, [2, 2, 2, 2, 1, 2, 2, 1, 0]], [8, [2, 1, 2, 2, 1, 2, 1, 1, 0]]];
  for (const [daysAgo, itemScores] of phq9Answers) {
    practised(phq9, daysAgo, "08:15", { measure: { measure: "MEASURE_PHQ9", itemScores } },
      daysAgo === 8 ? "Lower than last time; we will go through it together." : "");
  }
  const gad7Answers = [[15, [2, 2, 3, 2, 1, 2, 2]], [8, [2, 2, 2, 2, 1, 1, 2]], [1, [1, 2, 2, 1, 1, 1, 1]]];
  for (const [daysAgo, itemScores] of gad7Answers) {
    practised(gad7, daysAgo, "08:20", { measure: { measure: "MEASURE_GAD7", itemScores } },
      "");
  }
  // This week's PHQ-9 totals 10, with item 9 above zero: an urgent flag for the care team.
  const urgent = practised(phq9, 1, "08:15", { measure: { measure: "MEASURE_PHQ9",
    itemScores: [1, 2, 1, 2, 1, 1, 1, 0, 1] } });

  await recorded();

  // The earlier weeks were reviewed in the last sessions; this week's work waits for review.
  await Promise.all(history.filter(({ feedback }) => feedback !== undefined).map(({ completion, feedback }) =>
    callService("ReviewCompletion", { name: completion.name, etag: completion.etag,
      review: { qualityRating: completion.status === "STATUS_MINIMUM_VERSION" ? 3 : 4, ...(feedback ? { feedback } : {}) } },
    tokens.therapist)));
  thisWeek.sort((a, b) => Date.parse(a.completion.occurTime) - Date.parse(b.completion.occurTime));
  return {
    client, otherClient, lastSessionTime: lastSession.toISOString(),
    assignments: { breathing, exposure, thoughts, social, phq9, gad7 },
    hierarchy: ladder,
    // This week's work, newest last; the review panel lists each.
    completions: thisWeek.map((entry) => entry.completion),
    urgent: await urgent,
  };
}

/**
 * The `--service-only` first result, idempotent: as the platform, client Alex (kept when it
 * exists); as Dr Ada, an active "Paced breathing" assignment for Alex from the template (kept
 * when Alex has one); then Alex's practices due today. Returns what it did and found.
 */
export async function quickStart(callService, tokens, now = Date.now()) {
  const client = `practices/${practice}/clients/${people.client.sub}`;
  let clientCreated = true;
  try {
    await callService("CreateClient", { parent: `practices/${practice}`, clientId: people.client.sub,
      client: { displayName: "Alex", timeZone, careTeam: [people.therapist.sub] } }, tokens.platform);
  } catch (error) {
    if (error.code !== "already_exists") throw error;
    clientCreated = false;
  }
  const alex = await callService("GetClient", { name: client }, tokens.therapist);

  const { assignments = [] } = await callService("ListAssignments", { parent: client, pageSize: 100 }, tokens.therapist);
  let assignment = assignments.find((a) => a.title === "Paced breathing" && a.state === "STATE_ACTIVE");
  const assignmentCreated = assignment === undefined;
  if (assignment === undefined) {
    const startDate = localDay(new Date(now), alex.timeZone);
    const made = await callService("CreateAssignment", { parent: client, template: "templates/paced-breathing",
      requestId: `quickstart-paced-breathing-${startDate}`, assignment: { schedule: { startDate } } }, tokens.therapist);
    assignment = made.state === "STATE_ACTIVE" ? made
      : await callService("ActivateAssignment", { name: made.name, etag: made.etag }, tokens.therapist);
  }

  // Today in Alex's time zone: what is still to do, with the reminder text the platform sends.
  const today = localDay(new Date(now), alex.timeZone);
  const startOfDay = localTime(0, "00:00", alex.timeZone, now);
  const endOfDay = new Date(localTime(-1, "00:00", alex.timeZone, now).getTime() - 1000);
  const { reminders = [] } = await callService("ListDueReminders", { parent: `practices/${practice}`,
    startTime: startOfDay.toISOString(), endTime: endOfDay.toISOString() }, tokens.platform);
  return { client: alex, clientCreated, assignment, assignmentCreated, today,
    reminders: reminders.filter((r) => r.client === client) };
}
