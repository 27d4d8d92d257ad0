// <homework-caseload> in real headless Chromium against the real homework-server (escalation
// after 2 s so a flag escalates during the test): five clients seeded through the API so the
// attention order is known, an escalated flag (Esme), a reliable deterioration on PHQ-9 (Dana,
// 8 -> 19), low adherence (Lee, 2 of about 13 daily practices), a GAD-7 overdue (Omar, answered
// 9 days ago, weekly) and one with nothing to note (Nia). The element lists them in that order
// with their reasons worded from the figures, a sparkline and an adherence bar, two pages
// ("Show more clients"), a keyboard choice firing homework-caseload-select, a visible focus ring;
// axe finds nothing and nothing overflows at 360 and 1280 px in English and Spanish; screenshots
// caseload-*.png. Run: tsx caseload_test.ts --server P --ctl P --output DIR
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ExerciseKind, Measure, Schedule_Period } from "../../plugin/web/src/gen/therapy/homework/v1/assignment_pb.js";
import { Completion_Status } from "../../plugin/web/src/gen/therapy/homework/v1/completion_pb.js";
import { looker } from "./look.js";
import { CHROMIUM_ARGS, startBrowserSuite, type BrowserSuite } from "./browser_suite.js";
import { PRACTICE, THERAPIST, TIME_ZONE, localDay } from "./fixture.js";

const DAY = 86_400_000;
const PRACTICE_NAME = `practices/${PRACTICE}`;
const clientName = (id: string) => `${PRACTICE_NAME}/clients/${id}`;

let suite: BrowserSuite;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
let order: string[] = [];
const pageErrors: string[] = [];
const hostUrl = (lang: string) => `${suite.page$.origin}/caseload-${lang}.html`;
const look = (target: Page, name: string) => looker(suite.shots, "caseload")(target, name);

before(async () => {
  suite = await startBrowserSuite(["--flag_escalation_after=2s", "--flag_escalation_check=100ms"]);
  const { server } = suite;
  // ---- Seed through the real API.
  const service = server.stub(server.token("platform-backend", "service"));
  const therapistToken = server.token(THERAPIST, "therapist");
  const therapist = server.stub(therapistToken);
  for (const [id, displayName] of [["esme", "Esme"], ["dana", "Dana"], ["lee", "Lee"], ["omar", "Omar"], ["nia", "Nia"]]) {
    await service.createClient({ parent: PRACTICE_NAME, clientId: id, client: { displayName, timeZone: TIME_ZONE, careTeam: [THERAPIST] } });
  }
  const assign = async (client: string, title: string, exercise: object, period: Schedule_Period, startDaysAgo: number) => {
    const created = await therapist.createAssignment({ parent: clientName(client), assignment: { title, exercise,
      schedule: { targetCount: 1, period, startDate: localDay(new Date(Date.now() - startDaysAgo * DAY)), minimumVersion: "Two minutes" } } });
    return therapist.activateAssignment({ name: created.name, etag: created.etag });
  };
  const answer = async (client: string, assignment: string, daysAgo: number, record: object) =>
    server.stub(server.token(client, "client")).createCompletion({ parent: assignment, completion: {
      occurTime: timestampFromDate(new Date(Date.now() - daysAgo * DAY)), occurTimeZone: TIME_ZONE,
      status: Completion_Status.DONE, ...record } });
  const phq9 = { kind: ExerciseKind.OUTCOME_MEASURE, details: { case: "outcomeMeasure", value: { measure: Measure.PHQ9 } } };
  const gad7 = { kind: ExerciseKind.OUTCOME_MEASURE, details: { case: "outcomeMeasure", value: { measure: Measure.GAD7 } } };
  const mood = { kind: ExerciseKind.MOOD_MONITORING };

  // Esme asks for help; nobody acknowledges; it escalates after 2 s.
  await server.stub(server.token("esme", "client")).raiseSafetyFlag({ parent: clientName("esme") });
  // Dana: PHQ-9 8 two weeks ago, then 12, then 19 yesterday (question 9 at 0: no flag).
  const danaPhq = await assign("dana", "PHQ-9 check-in", phq9, Schedule_Period.WEEK, 15);
  for (const [daysAgo, items] of [[14, [1, 1, 1, 1, 1, 1, 1, 1, 0]], [7, [2, 2, 1, 1, 2, 1, 2, 1, 0]], [1, [3, 3, 3, 2, 2, 2, 2, 2, 0]]] as const) {
    await answer("dana", danaPhq.name, daysAgo, { record: { case: "measure", value: { itemScores: [...items] } } });
  }
  // Lee: a daily mood check since 14 days ago, done twice.
  const leeMood = await assign("lee", "Mood check", mood, Schedule_Period.DAY, 14);
  for (const daysAgo of [10, 3]) await answer("lee", leeMood.name, daysAgo, { mood: 5 });
  // Omar: a weekly GAD-7 last answered 9 days ago (total 5, below caseness).
  const omarGad = await assign("omar", "GAD-7 check-in", gad7, Schedule_Period.WEEK, 20);
  await answer("omar", omarGad.name, 9, { record: { case: "measure", value: { itemScores: [1, 1, 1, 1, 1, 0, 0] } } });
  // Nia: a daily practice starting today; nothing is due yet, so nothing to note.
  await assign("nia", "Mood check", mood, Schedule_Period.DAY, 0);
  // Wait for the escalation (2 s, checked every 100 ms).
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const listed = await therapist.listAttentionItems({ parent: PRACTICE_NAME });
    order = listed.attentionItems.map((i) => `${i.displayName}:${i.reasons.map((r) => r.kind).join(",")}`);
    if (listed.attentionItems[0]?.reasons[0]?.kind === 1) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  // ---- The element on a dashboard page, two clients per page.
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 360, height: 800 }, timezoneId: TIME_ZONE });
  for (const lang of ["en", "es"]) {
    await context.route(hostUrl(lang), (route) => route.fulfill({ contentType: "text/html; charset=utf-8", body: `<!doctype html>
      <html lang="${lang}"><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>Dashboard</title></head>
      <body style="margin:0;background:#e9ebf2"><main style="max-width:960px;margin:0 auto;padding:8px"><h1>Dashboard</h1>
      <homework-caseload practice="${PRACTICE_NAME}" page-size="2"></homework-caseload></main>
      <script type="module">
        import "/dist/caseload.js";
        window.chosen = [];
        const caseload = document.querySelector("homework-caseload");
        caseload.addEventListener("homework-caseload-select", (e) => window.chosen.push(e.detail));
        caseload.getToken = async () => ${JSON.stringify(therapistToken)};
        caseload.apiBaseUrl = location.origin;
      </script></body></html>` }));
  }
});

after(async () => {
  await browser?.close();
  await suite?.stop();
});

test("the service's attention order and reasons are the seed's", () => {
  assert.deepEqual(order, ["Esme:1", "Dana:3", "Lee:6", "Omar:10"], "the service's order and reasons (the seed is what the test says)");
});

test("two clients a page, most urgent first; Nia, with nothing to note, is not listed", async () => {
  page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(hostUrl("en"));
  const rows = page.locator("homework-caseload li.client");
  await rows.nth(1).waitFor({ timeout: 15_000 });
  assert.equal(await rows.count(), 2, "the first page holds two clients");
  assert.equal(await page.getByRole("list").first().evaluate((el) => el.tagName), "UL", "the clients are a list");
  await page.getByRole("button", { name: "Show more clients" }).click();
  await rows.nth(3).waitFor();
  assert.equal(await page.getByRole("button", { name: "Show more clients" }).count(), 0, "no more pages after the second");
  assert.deepEqual(await rows.evaluateAll((els) => els.map((el) => el.getAttribute("data-client"))),
    ["esme", "dana", "lee", "omar"].map(clientName), "most urgent first; Nia, with nothing to note, is not listed");
});

test("each client's reasons are worded from the figures, with a named sparkline and adherence bar", async () => {
  const reasonText = async (client: string) => (await page.locator(`li.client[data-client="${clientName(client)}"] ul.reasons .text`).allTextContents())
    .map((text) => text.replace(/\s+/g, " ").trim());
  await page.locator(`li.client[data-client="${clientName("dana")}"] svg.spark`).waitFor();
  await page.locator(`li.client[data-client="${clientName("omar")}"]`).getByText("GAD-7 check-in").waitFor();
  await page.locator(`li.client[data-client="${clientName("esme")}"] .why`).waitFor();
  const esme = (await reasonText("esme"))[0] ?? "";
  assert.ok(/^Urgent flag open \d+ (sec|min)\.?, escalated to on-call/.test(esme), `Esme: the escalated flag and how long it is open (${esme})`);
  assert.ok(esme.endsWith("the client asked for help now"), `Esme: what raised it (${esme})`);
  assert.deepEqual(await reasonText("dana"), ["PHQ-9 8 → 19, reliable deterioration (+11; reliable at 6)"], "Dana: the change and the rule");
  assert.equal(await page.locator(`li.client[data-client="${clientName("dana")}"] svg.spark`).getAttribute("aria-label"),
    "PHQ-9 totals, oldest first: 8, 12, 19", "Dana: the sparkline's name carries every total");
  const lee = await reasonText("lee");
  assert.ok(lee.length === 1 && /^\d+% of planned practice done \(below 50%\)$/.test(lee[0]!), `Lee: low adherence (${lee.join(" | ")})`);
  const bar = page.locator(`li.client[data-client="${clientName("lee")}"] .bar`);
  assert.ok(/^\d+% of plan done; the line marks 50%$/.test(await bar.getAttribute("aria-label") ?? ""), "Lee: the adherence bar is named");
  assert.deepEqual(await reasonText("omar"), ["GAD-7 check-in not answered for 9 days (due every 7 days)"], "Omar: the overdue measure");
});

test("Tab reaches the first client with a focus ring; Enter fires homework-caseload-select", async () => {
  await page.locator("body").click({ position: { x: 2, y: 2 } });
  await page.keyboard.press("Tab");
  const first = page.getByRole("button", { name: "Esme" });
  assert.ok(await first.evaluate((el) => el.matches(":focus-visible")), "Tab reaches the first client's button");
  assert.ok(await first.evaluate((el) => getComputedStyle(el).outlineStyle !== "none" && getComputedStyle(el).outlineWidth !== "0px"),
    "the focused client shows a focus ring");
  await page.keyboard.press("Enter");
  assert.deepEqual(await page.evaluate(() => (window as unknown as { chosen: unknown[] }).chosen),
    [{ client: clientName("esme"), displayName: "Esme" }], "Enter on a client fires homework-caseload-select with the client");
});

test("in English nothing overflows and axe is clean at 360 and 1280 px", async () => {
  await look(page, "en");
});

test("in Spanish the heading and the reasons read in Spanish; nothing overflows, axe clean", async () => {
  const es = await context.newPage();
  es.on("pageerror", (error) => pageErrors.push(error.message));
  await es.goto(hostUrl("es"));
  await es.getByRole("button", { name: "Mostrar más clientes" }).click();
  await es.locator("homework-caseload li.client").nth(3).waitFor({ timeout: 15_000 });
  await es.locator(`li.client[data-client="${clientName("dana")}"] svg.spark`).waitFor();
  await es.locator(`li.client[data-client="${clientName("omar")}"]`).getByText("GAD-7 check-in").waitFor();
  assert.ok(await es.getByRole("heading", { name: "Clientes que necesitan atención" }).isVisible(), "the heading in Spanish");
  assert.ok(await es.getByText("PHQ-9 8 → 19, empeoramiento fiable (+11; fiable desde 6)").isVisible(), "Dana's reason in Spanish");
  await look(es, "es");
});

test("no uncaught errors in the pages", () => {
  assert.deepEqual(pageErrors, [], "no uncaught errors in the pages");
});
