// The therapist's review (issue 11 "Review" and "Charts", issue 15's flag actions) in real
// headless Chromium against the real homework-server, seeded through the API: a completion of
// every exercise kind with its full content, a PHQ-9 series ending in reliable deterioration
// (whose item 9 raises an urgent flag), a GAD-7 pair with reliable improvement. The panel sits in
// <homework-therapist-dock> on a host page that honours the dock's wide mode. Checked:
// - every kind opens to its full content (each field the client wrote is visible);
// - the PHQ-9 chart's bands, its reliable-change marks and its data table;
// - the urgent flag: shown first with its age and state; Acknowledge and Resolve refuse a missing
//   note at the field (nothing sent), then work (checked through the API); a flag the client
//   raises appears live (WatchEvents) and is counted on the dock's Review tab;
// - quality has no preset; bulk review of 3 completions sets quality and feedback on each
//   (checked through the API), and the client's portal shows that feedback live;
// - a batch where one call fails names the one not saved and keeps it selected;
// - keyboard only (keyboard events only): move, select, rate, write, submit; visible focus;
// - wide mode; no horizontal overflow and axe 0 at 360 and 1280 px, in English and Spanish;
//   screenshots review-*.png in --output.
// The steps are node:test tests run in order on one page; a failing step leaves
// review-failure-*.png and the pages' errors.
// Run: tsx review_browser_test.ts --server P --ctl P --output DIR
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Completion_Status, type Completion } from "../../plugin/web/src/gen/therapy/homework/v1/completion_pb.js";
import { ExerciseKind, Schedule_Period, SkillsPracticeInstructions_Skill, type Assignment }
  from "../../plugin/web/src/gen/therapy/homework/v1/assignment_pb.js";
import { SafetyFlag_State, type SafetyFlag } from "../../plugin/web/src/gen/therapy/homework/v1/safety_flag_pb.js";
import type { HomeworkClient } from "../../plugin/web/src/client/homework-client.js";
import { CLIENT, CLIENT_ID, THERAPIST, TIME_ZONE, localDay, seed, type Seeded } from "../portal/fixture.js";
import { CHROMIUM_ARGS, startBrowserSuite, storySteps, type BrowserSuite } from "../portal/browser_suite.js";

const WIDTHS = [360, 1280] as const;
const DAY = 86_400_000;

/** A host page: a video area and the therapist's dock holding the review panel; wide mode honoured. */
function dockPageHtml(options: { token: string; lang: string }): string {
  return `<!doctype html>
    <html lang="${options.lang}"><head><meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${options.lang === "es" ? "Sesión" : "Session"}</title>
    <style>body { margin: 0; font-family: system-ui, sans-serif; }
      main { display: grid; grid-template-columns: minmax(0, 2fr) minmax(18rem, 1fr); gap: 12px; padding: 12px; }
      main.review-wide { grid-template-columns: minmax(8rem, 12rem) minmax(0, 1fr); }
      .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
      .video { background: #1d2330; color: #fff; aspect-ratio: 4 / 3; border-radius: 4px; padding: 8px; }
      @media (max-width: 50rem) { main, main.review-wide { grid-template-columns: minmax(0, 1fr); } }</style></head>
    <body><main id="main"><h1 class="visually-hidden">${options.lang === "es" ? "Sesión con Alex" : "Session with Alex"}</h1><section aria-label="Video"><div class="video">Video</div></section>
      <section aria-label="Homework"><homework-therapist-dock>
        <homework-review-panel slot="review"></homework-review-panel></homework-therapist-dock></section></main>
    <script type="module">
      import { createHomeworkClient, connectTransport } from "/dist/session-panels.js";
      const token = ${JSON.stringify(options.token)};
      const panel = document.querySelector("homework-review-panel");
      panel.api = createHomeworkClient(connectTransport({ baseUrl: location.origin, token: () => token }));
      panel.client = ${JSON.stringify(CLIENT)};
      document.addEventListener("homework-dock-wide", (e) => document.getElementById("main").classList.toggle("review-wide", e.detail.wide));
    </script></body></html>`;
}

let suite: BrowserSuite;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
let panel: Locator;
let dock: Locator;
let seeded: Seeded;
let therapist: HomeworkClient;
let alex: HomeworkClient;
/** What each completion holds and the texts the review must show for it. */
const content: { name: string; kind: string; completion: Completion; texts: string[] }[] = [];
let lastPhq: Completion;
let flag: SafetyFlag | undefined;
const pageErrors: string[] = [];
let hour = 0;
const record = async (assignment: Assignment, completion: object, daysAgo = 2): Promise<Completion> =>
  alex.createCompletion({ parent: assignment.name, completion: {
    occurTime: timestampFromDate(new Date(Date.now() - daysAgo * DAY - (hour++) * 3_600_000)), occurTimeZone: TIME_ZONE,
    status: Completion_Status.DONE, ...completion } });
const phq = async (items: number[], daysAgo: number) =>
  record(seeded.phq9, { record: { case: "measure", value: { itemScores: items } } }, daysAgo);
const flags = async () => (await therapist.listSafetyFlags({ parent: CLIENT })).safetyFlags;
const dockUrl = (lang: string) => `${suite.page$.origin}/review-dock-${lang}.html`;
const card = (completion: Completion) => panel.locator(`li.card[data-completion="${completion.name}"]`);
/** At 360 and 1280 px: no horizontal overflow, axe clean, a full-page screenshot. */
const look = async (target: Page, name: string) => {
  for (const width of WIDTHS) {
    await target.setViewportSize({ width, height: 900 });
    await target.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const [scroll, client] = await target.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(scroll! <= client!, `${name} at ${width} px: no horizontal overflow (scrollWidth ${scroll}, clientWidth ${client})`);
    await target.screenshot({ path: path.join(suite.shots, `review-${name}-${width}.png`), fullPage: true });
    const results = await new AxeBuilder({ page: target }).analyze();
    assert.deepEqual(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`), [],
      `axe finds no violations on ${name} at ${width} px`);
  }
  await target.setViewportSize({ width: 1280, height: 900 });
};
// How the pages looked when a step failed, and what they threw.
const step = storySteps(async () => {
  console.error(`page errors: ${pageErrors.join("; ")}`);
  for (const [index, open] of (browser?.contexts() ?? []).flatMap((c) => c.pages()).entries()) {
    await open.screenshot({ path: path.join(suite.shots, `review-failure-${index}.png`), fullPage: true }).catch(() => {});
  }
});

before(async () => {
  suite = await startBrowserSuite();
  const { server } = suite;
  seeded = await seed(server);
  therapist = server.stub(server.token(THERAPIST, "therapist"));
  alex = server.stub(server.token(CLIENT_ID, "client"));
  const start = localDay(new Date(Date.now() - 30 * DAY));
  const make = async (title: string, exercise: object): Promise<Assignment> => {
    const created = await therapist.createAssignment({ parent: CLIENT, assignment: { title, exercise,
      schedule: { targetCount: 1, period: Schedule_Period.WEEK, startDate: start, minutesPerPractice: 10,
        minimumVersion: "Two minutes, just start" } } });
    return therapist.activateAssignment({ name: created.name, etag: created.etag });
  };
  const more = {
    activity: await make("Activity log", { kind: ExerciseKind.BEHAVIORAL_TRACKING,
      details: { case: "behavioralTracking", value: { activities: ["walk"], rateMasteryAndPleasure: true } } }),
    restructuring: await make("Work the belief", { kind: ExerciseKind.COGNITIVE_RESTRUCTURING,
      details: { case: "cognitiveRestructuring", value: { targetBelief: "I am useless at work", questions: ["What is the evidence?"] } } }),
    skills: await make("Paced breathing", { kind: ExerciseKind.SKILLS_PRACTICE,
      details: { case: "skillsPractice", value: { skill: SkillsPracticeInstructions_Skill.BREATHING } } }),
    copingCard: await make("Coping card: meetings", { kind: ExerciseKind.COPING_CARD,
      details: { case: "copingCard", value: { situation: "Before a meeting", statements: ["Anxiety is uncomfortable, not dangerous", "I can speak slowly"] } } }),
    relapse: await make("Relapse-prevention plan", { kind: ExerciseKind.RELAPSE_PREVENTION_PLAN,
      details: { case: "relapsePrevention", value: { warningSigns: ["Skipping lunch with colleagues"],
        copingStrategies: ["Plan one lunch a week"], supportContacts: ["Sam, my brother"] } } }),
    custom: await make("Letter to my younger self", { kind: ExerciseKind.CUSTOM,
      details: { case: "custom", value: { description: "Write half a page to yourself at fifteen." } } }),
  };
  const add = async (kind: string, assignment: Assignment, completion: object, texts: string[], daysAgo = 2) => {
    content.push({ name: kind, kind, completion: await record(assignment, completion, daysAgo), texts });
  };
  await add("thought record", seeded.thoughtRecord, { minutes: 15, engagement: 7,
    record: { case: "thoughtRecord", value: {
      situation: "Team meeting on Monday, my manager frowned", automaticThought: "They think I am useless",
      automaticThoughtBelief: 80, emotions: [{ emotion: "anxious", intensity: 70 }, { emotion: "ashamed", intensity: 55 }],
      evidenceFor: "She frowned while I spoke", evidenceAgainst: "She thanked me afterwards",
      balancedThought: "She may have been thinking about the budget", balancedThoughtBelief: 60,
      emotionsRerated: [{ emotion: "anxious", intensity: 35 }] } }, clientNote: "Hard to find evidence against" },
    ["Team meeting on Monday, my manager frowned", "They think I am useless", "believed 80%", "anxious", "70", "ashamed", "55",
      "She frowned while I spoke", "She thanked me afterwards", "She may have been thinking about the budget", "believed 60%",
      "Re-rated afterwards", "35", "Hard to find evidence against", "7 of 10", "15"]);
  await add("cognitive restructuring", more.restructuring, { record: { case: "thoughtRecord", value: {
      situation: "Reading a colleague's email", automaticThought: "I always get it wrong", automaticThoughtBelief: 70,
      emotions: [{ emotion: "frustrated", intensity: 60 }], evidenceFor: "One typo last week",
      evidenceAgainst: "Twenty reports went out fine", balancedThought: "I make few mistakes and fix them", balancedThoughtBelief: 75 } } },
    ["I am useless at work", "Reading a colleague's email", "I always get it wrong", "believed 70%", "frustrated", "60",
      "One typo last week", "Twenty reports went out fine", "I make few mistakes and fix them", "believed 75%"]);
  await add("behavioural experiment", seeded.experiment, { expectancy: { before: 70, after: 20, fearedOutcomeOccurred: false },
    record: { case: "experiment", value: { prediction: "If I speak up, people will laugh", beliefBefore: 70,
      experiment: "Asked a question in the team call", outcome: "Two people nodded, nobody laughed", beliefAfter: 20,
      learning: "People mostly listen" } } },
    ["If I speak up, people will laugh", "70% before", "Asked a question in the team call", "Two people nodded, nobody laughed",
      "20% after", "People mostly listen", "Did it happen?", "no"]);
  await add("activity log", more.activity, { record: { case: "activity", value: { activity: "Walked to the park", mastery: 6, pleasure: 8 } } },
    ["Walked to the park", "Mastery", "6 of 10", "Pleasure", "8 of 10"]);
  await add("exposure", seeded.exposure, { minutes: 25, suds: { before: 60, peak: 85, after: 30 },
    expectancy: { before: 65, after: 25, fearedOutcomeOccurred: false }, clientNote: "Harder at the start" },
    ["Brief eye contact with a stranger", "expected SUDS 30", "60", "85", "30", "peak to end: 65% lower", "65% before",
      "25% after", "Harder at the start", "25"]);
  await add("mood log", seeded.mood, { mood: 4, emotions: [{ emotion: "sad", intensity: 60 }], clientNote: "Rainy day, stayed in" },
    ["4 of 10", "sad", "60", "Rainy day, stayed in"]);
  await add("skills", more.skills, { minutes: 10, suds: { before: 55, peak: 55, after: 25 }, clientNote: "Four rounds of 4-7-8" },
    ["Breathing", "55", "25", "Four rounds of 4-7-8", "10"]);
  await add("self-care", seeded.selfCare, { mood: 7, record: { case: "selfCare", value: { amount: 25 } }, clientNote: "Along the river" },
    ["Exercise", "25 minutes", "target 20 minutes", "7 of 10", "Along the river"]);
  await add("coping card", more.copingCard, { suds: { before: 50, peak: 50, after: 30 }, clientNote: "Read it twice before the meeting" },
    ["Before a meeting", "Anxiety is uncomfortable, not dangerous", "I can speak slowly", "Read it twice before the meeting"]);
  await add("relapse prevention", more.relapse, { clientNote: "Noticed I skipped lunch twice; called Sam" },
    ["Skipping lunch with colleagues", "Plan one lunch a week", "Sam, my brother", "Noticed I skipped lunch twice; called Sam"]);
  await add("custom", more.custom, { mood: 6, clientNote: "Wrote it at the kitchen table" },
    ["Write half a page to yourself at fifteen.", "6 of 10", "Wrote it at the kitchen table"]);
  // PHQ-9: 8 -> 9 -> 11 -> 15 (+7 from the first: reliable deterioration at 6 points); the last
  // answers item 9 with 1, which raises an urgent flag. GAD-7: 12 -> 7 (reliable improvement).
  await phq([1, 1, 1, 1, 1, 1, 1, 1, 0], 27);
  await phq([1, 1, 1, 1, 1, 1, 1, 2, 0], 20);
  await phq([2, 1, 1, 2, 1, 1, 1, 2, 0], 13);
  lastPhq = await phq([2, 2, 2, 2, 2, 2, 1, 1, 1], 1);
  content.push({ name: "PHQ-9", kind: "outcome measure", completion: lastPhq, texts: ["PHQ-9 15", "Moderately severe",
    "Since last time", "+4", "Since the first", "+7", "8 → 15", "reliable deterioration",
    "Thoughts that you would be better off dead or of hurting yourself in some way", "Several days", "More than half the days",
    "Item 9 answered above 0"] });
  await record(seeded.gad7, { record: { case: "measure", value: { itemScores: [2, 2, 2, 2, 2, 1, 1] } } }, 15);
  await record(seeded.gad7, { record: { case: "measure", value: { itemScores: [1, 1, 1, 1, 1, 1, 1] } } }, 1);
  [flag] = await flags();

  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: TIME_ZONE });
  for (const lang of ["en", "es"]) {
    await context.route(dockUrl(lang), (route) => route.fulfill({ contentType: "text/html; charset=utf-8",
      body: dockPageHtml({ token: server.token(THERAPIST, "therapist"), lang }) }));
  }
  page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  panel = page.locator("homework-review-panel");
  dock = page.locator("homework-therapist-dock");
  await page.goto(dockUrl("en"));
  await card(lastPhq).waitFor({ timeout: 15_000 });
});

after(async () => {
  await browser?.close();
  await suite?.stop();
});

step("the PHQ-9 item 9 answer raised an open flag", async () => {
  assert.ok(flag?.state === SafetyFlag_State.OPEN, "the PHQ-9 item 9 answer raised an open flag");
});

step("urgent flags come first, then the work to review, the cards collapsed", async () => {
  // ---- Order: urgent flags before the work; unreviewed work first.
  const order = await panel.evaluate((el) => [...el.shadowRoot!.querySelectorAll("hw-safety-flags, section")]
    .map((s) => s.localName === "hw-safety-flags" ? "flags" : s.className));
  assert.deepEqual(order.slice(0, 2), ["flags", "queue"], "urgent flags first, then the work to review");
  assert.deepEqual(await panel.locator("details.reviewed").count(), 0, "nothing reviewed yet");
  assert.deepEqual(await panel.locator("li.card [data-body]:visible").count(), 0, "cards start collapsed");
  const collapsedHeight = await page.evaluate(() => document.documentElement.scrollHeight);
  assert.ok(collapsedHeight < 3300, `the collapsed review is not 3,300 px tall (${collapsedHeight} px at 1280)`);
  await look(page, "collapsed");
});

step("every kind opens to its full content", async () => {
  // ---- Full content of every kind.
  for (const item of content) {
    const c = card(item.completion);
    await c.locator("button.open").click();
    const body = c.locator("[data-body]");
    await body.waitFor();
    const text = await body.innerText();
    const missing = item.texts.filter((expected) => !text.includes(expected));
    assert.deepEqual(missing, [], `${item.name}: the full content is visible when opened`);
    assert.deepEqual(await c.locator("button.open").getAttribute("aria-expanded"), "true", `${item.name}: the card says it is open`);
  }
  for (const [index, name] of [[0, "thought-record"], [2, "experiment"], [4, "exposure"], [content.length - 1, "phq9"]] as const) {
    await card(content[index]!.completion).screenshot({ path: path.join(suite.shots, `review-card-${name}.png`) });
  }
  const phqBody = card(lastPhq).locator("[data-body]");
  assert.deepEqual(await phqBody.locator("table.items tbody tr").count(), 9, "PHQ-9: all nine item answers");
  assert.deepEqual(await phqBody.locator("table.items tr.risk td").getAttribute("data-score"), "1", "PHQ-9: item 9 marked");
  assert.deepEqual(await card(content[0]!.completion).locator('[data-part="evidence-for"] dd').textContent(), "She frowned while I spoke",
    "thought record: evidence for in its column");
});

step("the PHQ-9 chart shows its bands, reliable-change marks and table; the GAD-7 chart its improvement", async () => {
  // ---- The PHQ-9 chart: bands, marks, its table; the GAD-7 chart: improvement. In the narrow
  // dock the charts wait behind a glance line that already says what changed.
  const measuresSummary = panel.locator('details[data-section="measures"] > summary');
  assert.ok((await measuresSummary.innerText()).includes("PHQ-9 15 · reliable deterioration"),
    "narrow dock: the measures' glance line says the reliable deterioration");
  await measuresSummary.click();
  const phqChart = panel.locator('hw-measure-chart[data-measure="PHQ9"]');
  assert.deepEqual(await phqChart.locator("svg rect[class^='band-']").count(), 5, "PHQ-9 chart: five shaded severity bands");
  assert.deepEqual(await phqChart.locator("figure > svg .mark.worse").count(), 1, "PHQ-9 chart: the +7 point marked as reliable deterioration");
  await phqChart.locator("summary").click();
  const phqRows = await phqChart.locator("table tbody tr").evaluateAll((rows) =>
    rows.map((row) => Array.from(row.querySelectorAll("td"), (td) => td.textContent?.trim())));
  assert.deepEqual(phqRows.map((r) => r[0]), ["8", "9", "11", "15"], "PHQ-9 table: the totals, oldest first");
  assert.deepEqual(phqRows.map((r) => r[3]), ["first score", "no reliable change", "no reliable change", "reliable deterioration"],
    "PHQ-9 table: the reliable-change class of each point from the service");
  assert.ok((await phqChart.locator("figure > svg").getAttribute("aria-label") ?? "").includes("reliable deterioration"),
    "PHQ-9 chart: its accessible name says the latest class");
  const gadChart = panel.locator('hw-measure-chart[data-measure="GAD7"]');
  assert.deepEqual(await gadChart.locator("figure > svg .mark.better").count(), 1, "GAD-7 chart: the reliable improvement marked");
  const sudsRows = await panel.locator(`[data-assignment="${seeded.exposure.name}"] hw-suds-chart table tbody tr`).evaluateAll((rows) =>
    rows.map((row) => Array.from(row.querySelectorAll("td"), (td) => td.textContent?.trim())));
  assert.deepEqual(sudsRows, [["60", "85", "30"]], "the exposure's SUDS chart: before, peak, after");
  // The mood ratings as a chart over time with the figures in words, every rating in its table;
  // in the narrow dock the chart waits behind the same words.
  const moodSummary = panel.locator('details[data-section="mood"] > summary');
  assert.deepEqual(await moodSummary.locator(".glance").innerText(), "3 ratings; latest 4, average 5.7, lowest 4, highest 7.",
    "narrow dock: the mood's glance line");
  await moodSummary.click();
  const moodChart = panel.locator("hw-mood-chart[data-mood-trend]");
  assert.deepEqual(await moodChart.locator("[data-glance]").innerText(),
    "3 ratings; latest 4, average 5.7, lowest 4, highest 7.", "the mood chart's glance: latest, average, range");
  assert.deepEqual(await moodChart.locator("figure > svg").getAttribute("aria-label"),
    "3 ratings; latest 4, average 5.7, lowest 4, highest 7.", "the mood chart's accessible name says the same");
  assert.deepEqual(await moodChart.locator("figure > svg circle.mark").count(), 3, "the mood chart: a marker per rating");
  await moodChart.locator("summary").click();
  assert.deepEqual(await moodChart.locator("table tbody td").allInnerTexts(), ["6", "7", "4"],
    "the mood table: every rating, oldest first");
  // Ratings the test chooses, in a chart of their own beside the seeded one; `data-<name>` finds it.
  const injectMoodChart = (name: string, start: number, count: number, step: number) =>
    page.evaluateHandle(({ name, start, count, step }) => {
      const chart = document.createElement("hw-mood-chart") as HTMLElement & { points: unknown[] };
      chart.points = Array.from({ length: count }, (_, i) => ({
        occurTime: { seconds: BigInt((start + i * step) / 1000), nanos: 0 }, mood: 3 + ((i * 7) % 6) }));
      chart.setAttribute(`data-${name}`, "");
      document.querySelector("homework-review-panel")?.shadowRoot?.querySelector("[data-mood-trend]")?.after(chart);
      return chart;
    }, { name, start, count, step });
  const ticks = async (chart: Locator) =>
    (await chart.locator("figure > svg text.tick").allTextContents()).slice(3).map((text) => text.replace(/\s/g, " "));
  // Ratings all on one day: the axis says their times, not the same day twice.
  const dayChart = await injectMoodChart("day-of-mood", Date.UTC(2026, 2, 10, 7, 30), 3, 6.75 * 3_600_000);
  assert.deepEqual(await ticks(panel.locator("hw-mood-chart[data-day-of-mood]")), ["8:30 AM", "10:00 PM"],
    "ratings on one day: the axis gives the first and last times (Berlin)");
  await dayChart.evaluate((chart) => chart.remove());
  // A year of daily ratings (what a review since a year ago carries): the line is each week's
  // average, without a marker per rating, and the table still holds all 365.
  const yearChart = await injectMoodChart("year-of-mood", Date.UTC(2025, 11, 1, 20), 365, 86_400_000);
  const year = panel.locator("hw-mood-chart[data-year-of-mood]");
  assert.deepEqual(await year.locator("figure > svg").getAttribute("data-drawn"), "weekly", "a year: drawn as weekly averages");
  assert.deepEqual(await year.locator("figure > svg circle.mark").count(), 0, "a year: no marker per rating");
  assert.deepEqual(await ticks(year), ["Dec 1", "Nov 30"], "a year: the axis gives the first and last days");
  const weeks = (await year.locator("figure > svg polyline").getAttribute("points") ?? "").trim().split(/\s+/).length;
  assert.ok(weeks >= 52 && weeks <= 54, `a year: one point per week on the line (${weeks})`);
  assert.ok((await year.locator("[data-glance]").innerText()).startsWith("365 ratings; latest"), "a year: the glance counts all 365");
  assert.deepEqual(await year.locator("table tbody tr").count(), 365, "a year: the table holds every rating");
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(scroll! <= client!, `a year of mood at ${width} px: no horizontal overflow`);
    for (const [chart, name] of [[moodChart, "week"], [year, "year"]] as const) {
      await chart.screenshot({ path: path.join(suite.shots, `review-mood-${name}-${width}.png`) });
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await yearChart.evaluate((chart) => chart.remove());
  await look(page, "expanded");
});

step("an urgent flag needs a note at the field to be acknowledged and resolved; a flag the client raises appears live", async () => {
  // ---- The urgent flag: note required at the field, then acknowledge, then resolve.
  assert.ok(flag, "the PHQ-9 item 9 answer raised a flag");
  const flagItem = panel.locator(`hw-safety-flags li[data-flag="${flag.name}"]`);
  assert.deepEqual(await flagItem.getAttribute("data-state"), "OPEN", "the flag shows as open");
  assert.ok(/raised (now|this minute|\d+ minutes? ago)/.test(await flagItem.locator('[data-part="age"]').innerText()), "the flag shows its age");
  assert.ok((await flagItem.innerText()).includes("PHQ-9 item 9 above 0"), "the flag says what raised it");
  assert.deepEqual(await flagItem.locator('[data-part="reason"]').innerText(),
    "Item 9 (thoughts of being better off dead or of hurting oneself) answered 1, “Several days”: above 0. PHQ-9 total 15. Review with the client now.",
    "the flag's reason is worded from its code and figures");
  assert.ok((await dock.getByRole("tab", { name: /Review/ }).innerText()).includes("1 urgent"), "the dock's Review tab counts the open flag");
  const note = flagItem.locator("textarea");
  await flagItem.locator('button[data-action="acknowledge"]').click();
  await flagItem.locator(".field-error").waitFor();
  assert.deepEqual(await note.getAttribute("aria-invalid"), "true", "acknowledge without a note: refused at the field");
  assert.deepEqual(await flagItem.locator(".field-error").innerText(), "Write a note first: what you did or will do.", "the field says why");
  assert.ok(await note.evaluate((el) => el.matches(":focus")), "focus moves to the note");
  assert.deepEqual((await flags())[0]?.state, SafetyFlag_State.OPEN, "nothing was sent without a note");
  await page.screenshot({ path: path.join(suite.shots, "review-flag-note-required-1280.png") });
  await note.fill("Called Alex; safety plan reviewed, no intent");
  await flagItem.locator('button[data-action="acknowledge"]').click();
  await panel.locator(`hw-safety-flags li[data-flag="${flag.name}"][data-state="ACKNOWLEDGED"]`).waitFor();
  const acknowledged = (await flags())[0]!;
  assert.deepEqual([acknowledged.state, acknowledged.acknowledgeNote, acknowledged.acknowledgedBy],
    [SafetyFlag_State.ACKNOWLEDGED, "Called Alex; safety plan reviewed, no intent", THERAPIST], "acknowledged with the note (API)");
  await flagItem.locator('button[data-action="resolve"]').click();
  await flagItem.locator(".field-error").waitFor();
  assert.deepEqual(await flagItem.locator("textarea").getAttribute("aria-invalid"), "true", "resolve without a note: refused at the field");
  assert.deepEqual((await flags())[0]?.state, SafetyFlag_State.ACKNOWLEDGED, "still acknowledged: nothing sent");
  await flagItem.locator("textarea").fill("Seen in session; plan updated");
  await flagItem.locator('button[data-action="resolve"]').click();
  await flagItem.waitFor({ state: "detached" });
  assert.deepEqual([(await flags())[0]?.state, (await flags())[0]?.resolveNote], [SafetyFlag_State.RESOLVED, "Seen in session; plan updated"],
    "resolved with the note (API)");
  assert.deepEqual(await panel.locator("hw-safety-flags .flag-status").innerText(), "Resolved.", "the panel says it is resolved");
  // A flag the client raises now appears without a reload (WatchEvents).
  const raised = await alex.raiseSafetyFlag({ parent: CLIENT, note: "I need to talk to someone today" });
  await panel.locator(`hw-safety-flags li[data-flag="${raised.name}"]`).waitFor({ timeout: 10_000 });
  assert.ok((await panel.locator(`hw-safety-flags li[data-flag="${raised.name}"]`).innerText()).includes("I need to talk to someone today"),
    "a flag the client raised appears live with its words");
  assert.deepEqual(await panel.locator(`hw-safety-flags li[data-flag="${raised.name}"] [data-part="reason"]`).innerText(),
    "In the client's words:", "the client's request is worded from its code");
  await dock.getByRole("tab", { name: /1 urgent/ }).waitFor();
});

step("bulk review: no quality preset; three reviewed at once; the client's portal shows the feedback live", async () => {
  // ---- Bulk review: quality has no preset; 3 at once; the client's portal shows the feedback live.
  const portal = await context.newPage();
  portal.on("pageerror", (error) => pageErrors.push(error.message));
  await portal.goto(`${suite.page$.origin}/#token=${suite.server.token(CLIENT_ID, "client")}`);
  await portal.getByRole("tab", { name: "Progress" }).click();
  await portal.getByRole("heading", { name: "Feedback from your therapist" }).waitFor({ timeout: 15_000 });
  const radios = panel.locator('input[name="quality"]');
  assert.deepEqual(await radios.evaluateAll((els) => els.filter((el) => (el as HTMLInputElement).checked).length), 0, "no quality is preset");
  const batch = [content[0]!.completion, content[2]!.completion, content[3]!.completion];
  for (const c of batch) await card(c).locator("input[data-select]").check();
  assert.deepEqual(await panel.locator("[data-selected]").getAttribute("data-selected"), "3", "three selected");
  await panel.locator("form.bulk button[type=submit]").click();
  assert.deepEqual(await panel.locator("#quality-error").innerText(), "Choose a quality from 1 to 5. Nothing is preset.",
    "submitting without a quality is refused at the field");
  assert.deepEqual((await therapist.getCompletion({ name: batch[0]!.name })).review, undefined, "nothing stored without a quality");
  await panel.getByRole("radio", { name: "4" }).check();
  await panel.locator("#feedback").fill("Careful work: you tested the thought and wrote what you learned.");
  await panel.getByRole("button", { name: "Mark 3 reviewed" }).click();
  await panel.locator("[data-result]").filter({ hasText: "3 completions reviewed" }).waitFor();
  for (const c of batch) {
    const stored = await therapist.getCompletion({ name: c.name });
    assert.deepEqual([stored.review?.qualityRating, stored.review?.feedback],
      [4, "Careful work: you tested the thought and wrote what you learned."], `bulk review stored on ${c.name.split("/").at(-3)}`);
  }
  assert.deepEqual(await radios.evaluateAll((els) => els.filter((el) => (el as HTMLInputElement).checked).length), 0,
    "after the batch the rating is empty again");
  await panel.locator("details.reviewed").waitFor();
  await portal.locator(`[data-feedback="${batch[0]!.name}"]`).waitFor({ timeout: 10_000 });
  assert.ok((await portal.locator(`[data-feedback="${batch[0]!.name}"]`).innerText())
    .includes("Careful work: you tested the thought"), "the client's portal shows the feedback live");
  await portal.close();
});

step("a batch with one failed call names the one not saved and keeps it selected", async () => {
  // ---- A batch with one failed call: the one not saved is named and stays selected.
  const failing = content[4]!.completion;
  await page.route("**/therapy.homework.v1.HomeworkService/ReviewCompletion", async (route) => {
    const body = route.request().postData() ?? "";
    if (body.includes(failing.name)) {
      await route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ code: "unavailable", message: "try later" }) });
    } else {
      await route.continue();
    }
  });
  const pair = [content[4]!.completion, content[5]!.completion];
  for (const c of pair) await card(c).locator("input[data-select]").check();
  await panel.getByRole("radio", { name: "3" }).check();
  await panel.getByRole("button", { name: "Mark 2 reviewed" }).click();
  await panel.locator(`[data-result] [data-failed="${failing.name}"]`).waitFor();
  assert.ok((await panel.locator("[data-result]").innerText()).includes("Reviewed 1 of 2"), "partial failure: 1 of 2 said plainly");
  assert.ok(await card(failing).locator("input[data-select]").isChecked(), "the one not saved stays selected");
  assert.deepEqual((await therapist.getCompletion({ name: pair[1]!.name })).review?.qualityRating, 3, "the other one is stored");
  assert.deepEqual((await therapist.getCompletion({ name: failing.name })).review, undefined, "the failed one is not");
  await page.unroute("**/therapy.homework.v1.HomeworkService/ReviewCompletion");
  await card(failing).locator("input[data-select]").uncheck();
});

step("keyboard only: move, select, rate, write and submit, with a visible focus ring and no trap", async () => {
  // ---- Keyboard only: from the page's start, Tab to the queue, move, select, rate, write, submit.
  await page.reload();
  await card(content[6]!.completion).waitFor({ timeout: 15_000 });
  const active = () => page.evaluate(() => {
    let el: Element | null = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return { tag: el?.tagName ?? "", cls: el?.className ?? "", card: el?.closest("li.card")?.getAttribute("data-completion") ?? "",
      outline: el ? getComputedStyle(el).outlineStyle : "", name: (el as HTMLInputElement | null)?.name ?? "" };
  });
  let presses = 0;
  while (!(await active()).cls.includes("open") && presses < 80) { await page.keyboard.press("Tab"); presses++; }
  const first = await active();
  assert.ok(first.cls.includes("open"), `Tab reaches the first card (${presses} presses)`);
  assert.ok(first.outline !== "none", "the focused card shows a visible focus ring");
  // Unreviewed work is listed oldest first: self-care (recorded an hour before skills), then skills.
  const keyTargets = [content[7]!.completion, content[6]!.completion];
  while ((await active()).card !== keyTargets[0]!.name && presses < 120) { await page.keyboard.press("j"); presses++; }
  await page.keyboard.press("x");
  await page.keyboard.press("o");
  await card(keyTargets[0]!).locator("[data-body]").waitFor();
  assert.deepEqual(await card(keyTargets[0]!).locator("[data-body]").isVisible(), true, "o opens the focused card");
  await page.keyboard.press("j");
  assert.deepEqual((await active()).card, keyTargets[1]!.name, "j moves to the next card");
  await page.keyboard.press("x");
  await page.keyboard.press("k");
  assert.deepEqual((await active()).card, keyTargets[0]!.name, "k moves back");
  await page.keyboard.press("j");
  await page.keyboard.press("r");
  assert.deepEqual((await active()).name, "quality", "r goes to the quality rating");
  await page.keyboard.press("Space");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("Tab");
  assert.deepEqual((await active()).tag, "TEXTAREA", "Tab moves from the rating to the feedback");
  await page.keyboard.type("Good, steady practice.");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await panel.locator("[data-result]").filter({ hasText: "2 completions reviewed" }).waitFor();
  for (const c of keyTargets) {
    const stored = await therapist.getCompletion({ name: c.name });
    assert.deepEqual([stored.review?.qualityRating, stored.review?.feedback], [5, "Good, steady practice."],
      `keyboard-only review stored on ${c.name.split("/").at(-3)}`);
  }
  // No trap: Tab keeps moving past the review form to the end of the page.
  const seen = new Set<string>();
  for (let i = 0; i < 40; i++) { await page.keyboard.press("Tab"); const a = await active(); seen.add(`${a.tag}.${a.cls}`); }
  assert.ok(seen.size > 3, `Tab keeps moving through the panel (${seen.size} distinct stops)`);
});

step("wide mode: the dock takes most of the width", async () => {
  // ---- Wide mode: the dock takes most of the width; the video becomes a strip.
  await dock.locator("button[data-wide]").click();
  const widths = await page.evaluate(() => [document.querySelector("homework-therapist-dock")!.getBoundingClientRect().width, window.innerWidth]);
  assert.ok(widths[0]! > widths[1]! * 0.7, `wide mode: the dock takes most of the width (${Math.round(widths[0]!)} of ${widths[1]})`);
  assert.deepEqual(await dock.getAttribute("wide"), "", "the dock reflects wide");
  await panel.locator("li.card button.open").first().click();
  await look(page, "wide");
});

step("in Spanish the flags are worded from their codes in Spanish", async () => {
  // ---- Spanish. One more PHQ-9 answers item 9 with 2: its open flag and the client's request
  // read in Spanish, from their codes (the stored English text is not shown).
  await phq([2, 2, 2, 2, 2, 2, 1, 1, 2], 0);
  const es = await context.newPage();
  es.on("pageerror", (error) => pageErrors.push(error.message));
  await es.goto(dockUrl("es"));
  const esPanel = es.locator("homework-review-panel");
  await esPanel.getByRole("heading", { name: "Desde la última sesión", exact: true }).waitFor({ timeout: 15_000 });
  assert.ok(await esPanel.getByRole("heading", { name: /Por revisar/ }).waitFor({ timeout: 15_000 }).then(() => true, () => false),
    "the queue is in Spanish");
  assert.ok(await esPanel.getByRole("heading", { name: /Alertas urgentes/ }).isVisible(), "the flags are in Spanish");
  const esReasons = esPanel.locator('hw-safety-flags [data-part="reason"]');
  await esReasons.nth(1).waitFor({ timeout: 10_000 });
  const reasonTexts = await esReasons.allInnerTexts();
  assert.ok(reasonTexts.includes("Pregunta 9 (pensamientos de que estaría mejor muerto o de hacerse daño) respondida 2, " +
    "«Más de la mitad de los días»: por encima de 0. Total del PHQ-9: 16. Revísalo con el cliente ahora."),
    `the Spanish panel words the PHQ-9 flag's reason in Spanish (${reasonTexts.join(" | ")})`);
  assert.ok(reasonTexts.includes("En palabras del cliente:"), "the Spanish panel words the client's request in Spanish");
  const esFlagsText = (await esPanel.locator("hw-safety-flags li.flag").allInnerTexts()).join("\n");
  assert.ok(esFlagsText.includes("Más de la mitad de los días") && !/review with the client|asked for help/i.test(esFlagsText),
    "no English reason in the Spanish flags");
  assert.deepEqual(await esPanel.locator('hw-safety-flags [data-part="client-words"]').allInnerTexts(), ["I need to talk to someone today"],
    "the client's own words are shown as written");
  const esMood = await esPanel.locator('details[data-section="mood"] > summary .glance').innerText();
  assert.match(esMood, /^\d+ valoraciones; la última \d+, media \d+(,\d)?, mínima \d+, máxima \d+\.$/,
    `the mood chart's figures in Spanish, with a decimal comma (${esMood})`);
  for (const width of WIDTHS) {
    await es.setViewportSize({ width, height: 900 });
    await esPanel.locator("hw-safety-flags").screenshot({ path: path.join(suite.shots, `review-es-flags-${width}.png`) });
  }
  for (const button of await esPanel.locator("section.queue > ul.cards button.open").all()) await button.click();
  await look(es, "es");
  await es.close();
});

step("no uncaught errors in the pages, no clinical text in the server log", async () => {
  assert.deepEqual(pageErrors, [], "no uncaught errors in the pages");
  assert.ok(!suite.server.log().includes("They think I am useless"), "no clinical text in the server log");
});

