// Every view of issue 11 in real headless Chromium against the real homework-server, in both
// languages and both colour schemes, and the therapist's and the client's steps by keyboard only:
// - the views: the portal (Today, a practice's form, Progress with its calendar, Check-ins, the
//   safety plan after "I need help now"), the client's session panel (its homework with each
//   brief), the assign panel's template gallery and its ladder picker (on its own: the draft that
//   shows it is the live session's wiring), the review panel alone and in the therapist's dock on
//   a light session page, and the caseload. Each at 360 and 1280 px: no horizontal overflow and
//   axe 0 violations, in English and Spanish, and with `prefers-color-scheme: dark` (the design
//   tokens' dark scheme) at 1280 px; screenshots views-<view>-<lang>[-dark]-<width>.png in
//   --output;
// - a practice's instructions, why it helps and the if-then plan in the client's words, on the
//   portal's Today card, in its form and in the session panel;
// - keyboard only (Tab, Shift+Tab, Enter, Space and arrow keys; typing in text fields), every
//   focused control showing a visible focus ring: the client switches tabs, opens an exposure,
//   says it is done, rates SUDS before, peak and after with the arrow keys and saves (checked
//   through the API); the therapist selects, opens, rates and reviews a completion (checked
//   through the API), searches the gallery and picks a template, and picks a rung of the ladder;
// - the web-component mode on plain host pages (no iframe, no Janus): the self-wiring dock and
//   client panel with the host's getToken against the real browser API; an expired token refused
//   and getToken asked again (the dock at start, the client's panel mid-session while it types,
//   its text kept and stored); the draft form (exposure step on the ladder, if-then plan) by
//   keyboard with a visible ring and looked at (views-host-*.png); one status line per panel,
//   said in the page's current language; "Already practising" and the portal's Progress cards
//   telling same-title practices apart (start and how often);
//   the gallery's search box inside the dock at 360 and 1280 px;
// - the review panel reads its period and the measure trend before it in one GetReviewSummary;
// - "Since" dates in the browser's time zone: a session that ended at 03:30 UTC reads as that
//   day in Berlin and as the day before in Los Angeles.
// Three parts, each its own ctest entry so they run side by side: `--part en` and `--part es` (the
// views in one language; the dark scheme checked with axe at 1280 px, where every part of a view
// shows) and `--part keyboard` (the keyboard walks and the time zones).
// Each step is a node:test test; the steps of a part run in order over one browser context.
// Run: tsx views_test.ts --server P --ctl P --output DIR --part en|es|keyboard
import assert from "node:assert/strict";
import { after, before } from "node:test";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Completion_Status } from "../../plugin/web/src/gen/therapy/homework/v1/completion_pb.js";
import { ExerciseKind, Schedule_Period, SkillsPracticeInstructions_Skill }
  from "../../plugin/web/src/gen/therapy/homework/v1/assignment_pb.js";
import { CLIENT, CLIENT_ID, PRACTICE, THERAPIST, TIME_ZONE, localDay, seed, type Seeded } from "./fixture.js";
import { AxeBuilder } from "@axe-core/playwright";
import { looker } from "./look.js";
import { CHROMIUM_ARGS, reviewPanelHtml, startBrowserSuite, storySteps, type BrowserSuite } from "./browser_suite.js";
import type { HomeworkClient } from "../../plugin/web/src/client/homework-client.js";
import type { Assignment } from "../../plugin/web/src/gen/therapy/homework/v1/assignment_pb.js";
import type { Completion } from "../../plugin/web/src/gen/therapy/homework/v1/completion_pb.js";
import { execFileSync } from "node:child_process";
import { en } from "../../plugin/web/src/i18n/en.js";
import { es as esCatalogue } from "../../plugin/web/src/i18n/es.js";

const DAY = 86_400_000;
const LANGS = ["en", "es"] as const;
const IF_THEN = { situation: "I put the kettle on in the morning", action: "take five slow breaths while it boils" };
const IF_THEN_TEXT = {
  en: "If I put the kettle on in the morning, then I will take five slow breaths while it boils.",
  es: "Si I put the kettle on in the morning, entonces take five slow breaths while it boils.",
};
const BREATHING = {
  instructions: "Breathe in for four, hold for seven, out for eight. Four rounds.",
  rationale: "Slow breathing calms the body's alarm, so the worry loses some of its grip.",
};

/** A host page for one of the session bundle's panels: `body` holds it, `script` wires it. */
function panelPage(options: { lang: string; title: string; body: string; script: string }): string {
  return `<!doctype html>
    <html lang="${options.lang}"><head><meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light dark"><title>${options.title}</title>
    <style>body { margin: 0; font-family: system-ui, sans-serif; background: Canvas; color: CanvasText; } main { max-width: 56rem; margin: 0 auto; padding: 8px; }</style></head>
    <body><main><h1>${options.title}</h1>${options.body}</main>
    <script type="module">
      import { createHomeworkClient, connectTransport } from "/dist/session-panels.js";
      window.api = (token) => createHomeworkClient(connectTransport({ baseUrl: location.origin, token: () => token }));
      ${options.script}
      window.ready = true;
    </script></body></html>`;
}

/**
 * A plain host page of the web-component mode (issue 13): no iframe, no Janus; it loads the
 * built bundle and puts one self-wiring element (`<homework-therapist-dock>` or
 * `<homework-session-panel>` with api, session and client attributes) beside its "video", laid
 * out as the Janus demo lays out the dock. Its getToken hands out `tokens` in turn (the last one
 * again once they run out) and counts the asks in `window.tokenCalls`.
 */
function hostPage(options: { lang: string; element: "homework-therapist-dock" | "homework-session-panel";
                             api: string; session: string; tokens: string[] }): string {
  const title = options.lang === "es" ? "Videollamada" : "Video call";
  return `<!doctype html>
    <html lang="${options.lang}"><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
    <style>body { margin: 0; background: #f4f5f7; color: #1d2330; font-family: system-ui, sans-serif; }
      main { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 12px; padding: 12px; }
      .video { background: #222; aspect-ratio: 4 / 3; }
      @media (max-width: 50rem) { main { grid-template-columns: minmax(0, 1fr); } }</style></head>
    <body><main><section aria-label="Video"><h1>${title}</h1><div class="video"></div></section>
      <section aria-label="Homework"><${options.element} api="${options.api}" session="${options.session}"
        client="${CLIENT}"></${options.element}></section></main>
    <script type="module">
      import "/dist/session-panels.js";
      const tokens = ${JSON.stringify(options.tokens)};
      window.tokenCalls = 0;
      document.querySelector("${options.element}").getToken = async () => tokens[Math.min(window.tokenCalls++, tokens.length - 1)];
    </script></body></html>`;
}

/** The focused element inside every shadow root, and whether its focus shows. */
async function focused(page: Page) {
  return page.evaluate(() => {
    let el: Element | null = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    if (!el || el === document.body) return { tag: "BODY", type: "", name: "", text: "", value: "", visible: false, ring: "" };
    const style = getComputedStyle(el);
    const input = el as HTMLInputElement;
    const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0 ? `outline ${style.outlineWidth}`
      : style.boxShadow !== "none" ? "box-shadow" : "";
    return { tag: el.tagName, type: input.type ?? "", name: input.name ?? el.getAttribute("name") ?? "",
      text: (el.textContent ?? "").trim().slice(0, 60), value: input.value ?? "",
      // A date or time field's own parts (month, day, hour) take focus inside it: its ring counts.
      visible: (el.matches(":focus-visible") || (/^(date|time)$/.test(input.type ?? "") && el.matches(":focus-within")))
        && ring !== "", ring };
  });
}

type Focused = Awaited<ReturnType<typeof focused>>;

/** Keyboard steps that note in `issues` every control reached without a visible focus ring. */
function keyboardWalk(issues: string[]) {
  /** Presses `key`; the control it lands on must show its focus. */
  const press = async (page: Page, key: string, what: string) => {
    await page.keyboard.press(key);
    const now = await focused(page);
    if (now.tag !== "BODY" && !now.visible) issues.push(`${what}: ${key} to ${now.tag} "${now.text || now.name}" shows no focus ring`);
    return now;
  };
  /** Tab (forwards) until `match` holds, at most `limit` presses. */
  const tabTo = async (page: Page, what: string, match: (f: Focused) => boolean, limit = 80) => {
    for (let i = 0; i < limit; i++) {
      const now = await press(page, "Tab", what);
      if (match(now)) return now;
    }
    throw new Error(`keyboard: Tab never reached ${what}`);
  };
  return { press, tabTo };
}

const PART = process.argv[process.argv.indexOf("--part") + 1] ?? "";
if (!["en", "es", "keyboard"].includes(PART)) {
  console.error("--part en|es|keyboard is required");
  process.exit(2);
}

let suite: BrowserSuite;
let browser: Browser | undefined;
let context: BrowserContext;
let seeded: Seeded;
let therapistToken: string;
let clientToken: string;
let therapist: HomeworkClient;
let alex: HomeworkClient;
let service: HomeworkClient;
let breathing: Assignment;
let thought: Completion;
const pageErrors: string[] = [];
type PageUrl = (lang: string) => string;
let sessionUrl: PageUrl;
let assignUrl: PageUrl;
let caseloadUrl: PageUrl;
let dockUrl: PageUrl;
let reviewUrl: PageUrl;
const step = storySteps(async () => console.error(`page errors: ${pageErrors.join("; ")}`));
const watch = (page: Page) => { page.on("pageerror", (error) => pageErrors.push(`${page.url()}: ${error.message}`)); return page; };
const look = (page: Page, name: string) => looker(suite.shots, "views")(page, name);
/** The view at 360 and 1280 px in the light scheme, then at 1280 px in the dark one. */
const lookBoth = async (page: Page, name: string) => {
  await look(page, name);
  await page.emulateMedia({ colorScheme: "dark" });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: path.join(suite.shots, `views-${name}-dark-1280.png`), fullPage: true });
  const results = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`), [],
    `axe finds no violations on ${name} in the dark scheme at 1280 px`);
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 360, height: 800 });
};
const route = async (ctx: BrowserContext, name: string, body: (lang: string) => string) => {
  for (const lang of LANGS) {
    await ctx.route(`${suite.page$.origin}/${name}-${lang}.html`, (r) => r.fulfill({ contentType: "text/html; charset=utf-8", body: body(lang) }));
  }
  return (lang: string) => `${suite.page$.origin}/${name}-${lang}.html`;
};
/** The text of the brief's part `name` (instructions, rationale, ifThen) in `scope`. */
const partText = (scope: Locator, name: string) => scope.locator(`dd[data-part="${name}"]`).first().textContent();

before(async () => {
  suite = await startBrowserSuite();
  const { server } = suite;
  seeded = await seed(server);
  therapistToken = server.token(THERAPIST, "therapist");
  clientToken = server.token(CLIENT_ID, "client");
  therapist = server.stub(therapistToken);
  alex = server.stub(clientToken);
  service = server.stub(server.token("platform-backend", "service"));
  // A skills practice with instructions, why it helps and an if-then plan in Alex's words.
  const created = await therapist.createAssignment({ parent: CLIENT, assignment: {
    title: "Morning breathing", rationale: BREATHING.rationale,
    exercise: { kind: ExerciseKind.SKILLS_PRACTICE, instructions: BREATHING.instructions,
      details: { case: "skillsPractice", value: { skill: SkillsPracticeInstructions_Skill.BREATHING } } },
    schedule: { targetCount: 1, period: Schedule_Period.DAY, startDate: localDay(new Date(Date.now() - 3 * DAY)),
      minutesPerPractice: 5, minimumVersion: "One slow breath", ifThenPlan: IF_THEN } } });
  breathing = await therapist.activateAssignment({ name: created.name, etag: created.etag });
  // A safety plan, so "I need help now" shows the client's own plan.
  const plan = await therapist.createAssignment({ parent: CLIENT, assignment: {
    title: "My safety plan",
    exercise: { kind: ExerciseKind.SAFETY_PLAN, details: { case: "safetyPlan", value: {
      warningSigns: ["I stop answering messages"], copingStrategies: ["Cold water on my face, then a walk"],
      helpContacts: [{ name: "Sam (sister)", phone: "+49 151 2345 6789" }], reasonsForLiving: ["My niece's laugh"] } } },
    schedule: { targetCount: 1, period: Schedule_Period.WEEK, startDate: localDay(new Date()), minimumVersion: "Read it once." } } });
  await therapist.activateAssignment({ name: plan.name, etag: plan.etag });
  // Work to review: a thought record and two PHQ-9s (so the measure chart has a line).
  const record = (parent: string, completion: object, daysAgo: number) => alex.createCompletion({ parent, completion: {
    occurTime: timestampFromDate(new Date(Date.now() - daysAgo * DAY)), occurTimeZone: TIME_ZONE,
    status: Completion_Status.DONE, ...completion } });
  thought = await record(seeded.thoughtRecord.name, { minutes: 15, record: { case: "thoughtRecord", value: {
    situation: "Team meeting, my manager frowned", automaticThought: "They think I am useless", automaticThoughtBelief: 80,
    emotions: [{ emotion: "anxious", intensity: 70 }], evidenceFor: "She frowned", evidenceAgainst: "She thanked me",
    balancedThought: "She may have been thinking about the budget", balancedThoughtBelief: 60 } } }, 2);
  await record(seeded.phq9.name, { record: { case: "measure", value: { itemScores: [1, 1, 1, 1, 1, 1, 1, 1, 0] } } }, 9);
  await record(seeded.phq9.name, { record: { case: "measure", value: { itemScores: [1, 1, 1, 1, 0, 1, 1, 0, 0] } } }, 2);
  await record(seeded.exposure.name, { suds: { before: 60, peak: 80, after: 40 }, minutes: 30 }, 1);

  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 360, height: 800 }, timezoneId: TIME_ZONE });
  sessionUrl = await route(context, "session", (lang) => panelPage({ lang, title: lang === "es" ? "Sesión" : "Session",
    body: "<homework-session-panel></homework-session-panel>",
    script: `const panel = document.querySelector("homework-session-panel");
      panel.api = window.api(${JSON.stringify(clientToken)}); panel.client = ${JSON.stringify(CLIENT)};` }));
  assignUrl = await route(context, "assign", (lang) => panelPage({ lang, title: lang === "es" ? "Asignar" : "Assign",
    body: `<homework-assign-panel practice="practices/${PRACTICE}" client="${CLIENT}"></homework-assign-panel>
      <section aria-labelledby="ladder-heading"><h2 id="ladder-heading">${lang === "es" ? "Escalera" : "Ladder"}</h2>
      <hw-ladder-picker hidden></hw-ladder-picker></section>`,
    script: `const panel = document.querySelector("homework-assign-panel");
      window.picks = [];
      document.addEventListener("hw-template-pick", (e) => window.picks.push(e.detail.template.name));
      document.addEventListener("hw-ladder-pick", (e) => window.picks.push(e.detail.hierarchy + "#" + e.detail.step));
      panel.api = window.api(${JSON.stringify(therapistToken)});
      // The ladder picker the panel shows for an exposure draft (whose wiring is the live
      // session's), here on its own with the client's ladders, the exposure's rung chosen.
      window.showLadder = async () => {
        const picker = document.querySelector("hw-ladder-picker");
        picker.hierarchies = (await panel.api.listHierarchies({ parent: ${JSON.stringify(CLIENT)} })).hierarchies;
        picker.hierarchy = ${JSON.stringify(seeded.hierarchy.name)};
        picker.step = 0;
        picker.hidden = false;
      };` }));
  caseloadUrl = await route(context, "caseload", (lang) => `<!doctype html>
    <html lang="${lang}"><head><meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light dark"><title>Dashboard</title></head>
    <body style="margin:0;background:Canvas;color:CanvasText"><main style="max-width:960px;margin:0 auto;padding:8px"><h1>Dashboard</h1>
    <homework-caseload practice="practices/${PRACTICE}"></homework-caseload></main>
    <script type="module">
      import "/dist/caseload.js";
      const caseload = document.querySelector("homework-caseload");
      caseload.getToken = async () => ${JSON.stringify(therapistToken)};
      caseload.apiBaseUrl = location.origin;
    </script></body></html>`);
  // The dock as a session page holds it: beside the video on the page's own light grey, which
  // stays light in the dark scheme (the page does not follow it; the dock must).
  dockUrl = await route(context, "dock", (lang) => `<!doctype html>
    <html lang="${lang}"><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>Session</title>
    <style>body { margin: 0; background: #f4f5f7; color: #1d2330; font-family: system-ui, sans-serif; }
      main { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 12px; padding: 12px; }
      @media (max-width: 50rem) { main { grid-template-columns: minmax(0, 1fr); } }</style></head>
    <body><main><section aria-label="Video"><h1>${lang === "es" ? "Sesión" : "Session"}</h1></section>
      <section aria-label="Homework"><homework-therapist-dock>
        <homework-review-panel slot="review"></homework-review-panel></homework-therapist-dock></section></main>
    <script type="module">
      import { createHomeworkClient, connectTransport } from "/dist/session-panels.js";
      const panel = document.querySelector("homework-review-panel");
      panel.api = createHomeworkClient(connectTransport({ baseUrl: location.origin, token: () => ${JSON.stringify(therapistToken)} }));
      panel.client = ${JSON.stringify(CLIENT)};
    </script></body></html>`);
  reviewUrl = await route(context, "review", (lang) => reviewPanelHtml({ token: therapistToken, client: CLIENT, lang,
    title: lang === "es" ? "Revisión" : "Review", heading: lang === "es" ? "Sesión" : "Session" }));
});

after(async () => {
  await browser?.close();
  await suite?.stop();
});

/**
 * The panels as web components in a host page of their own (issue 13), against the real
 * server's browser API: the client's <homework-session-panel> opens first, its getToken
 * giving a token that expires within the test; in the steps after the views the therapist's
 * <homework-therapist-dock> opens with an expired token first (refused: getToken is asked
 * again), picks an exposure template, a rung of the ladder and an if-then plan in the draft
 * form by keyboard only (each control with a visible focus ring), the client sees the draft,
 * its status line follows the page's language, the client types its cue with the expired
 * token and the panel recovers through getToken without losing the text; the assign panel
 * keeps one status line (assigned, then a new draft, then discarded); the client's "Already
 * practising" tells two practices of one title apart. Every page looked at (360/1280 px,
 * axe) with the gallery's search box inside the dock.
 */
async function openHostStory(lang: "en" | "es") {
  const t = lang === "es" ? esCatalogue : en;
  const other = lang === "es" ? en : esCatalogue;
  const session = `practices/${PRACTICE}/sessions/host-${lang}`;
  await service.createSession({ parent: `practices/${PRACTICE}`, sessionId: `host-${lang}`, session: { client: CLIENT } });
  // Two practices of one title, started on different days with different schedules.
  for (const [daysAgo, period, count] of [[20, Schedule_Period.DAY, 1], [6, Schedule_Period.WEEK, 3]] as const) {
    const made = await therapist.createAssignment({ parent: CLIENT, assignment: { title: "Daily diary",
      exercise: { kind: ExerciseKind.MOOD_MONITORING },
      schedule: { targetCount: count, period, startDate: localDay(new Date(Date.now() - daysAgo * DAY)),
        minimumVersion: "One line" } } });
    await therapist.activateAssignment({ name: made.name, etag: made.etag });
  }
  const shortLived = (sub: string, role: string) => execFileSync(suite.binaries.ctl, ["token", "--key", suite.server.keyPath,
    "--sub", sub, "--role", role, "--practice", PRACTICE, "--ttl", "1s"], { encoding: "utf8" }).trim();
  const mintedAt = Date.now();
  const clientShort = shortLived(CLIENT_ID, "client");
  const therapistShort = shortLived(THERAPIST, "therapist");
  const hostUrl = (who: string) => `${suite.page$.origin}/host-${who}-${lang}.html`;
  await context.route(hostUrl("client"), (r) => r.fulfill({ contentType: "text/html; charset=utf-8", body: hostPage({
    lang, element: "homework-session-panel", api: suite.page$.origin, session, tokens: [clientShort, clientToken] }) }));
  await context.route(hostUrl("therapist"), (r) => r.fulfill({ contentType: "text/html; charset=utf-8", body: hostPage({
    lang, element: "homework-therapist-dock", api: suite.page$.origin, session, tokens: [therapistShort, therapistToken] }) }));
  const client = watch(await context.newPage());
  await client.goto(hostUrl("client"));
  const panel = client.locator("homework-session-panel");
  await panel.getByRole("heading", { name: t.panels.alreadyPractising }).waitFor({ timeout: 15_000 });
  const tokenCalls = (page: Page) => page.evaluate(() => (window as unknown as { tokenCalls: number }).tokenCalls);

  // What the steps below share, in the order they make it.
  let desk: Page;
  let dock: Locator;
  let assign: Locator;
  let search: Locator;
  let draftName = "";
  let draft: Assignment;
  let clientDraft: Locator;
  const stored = async () => therapist.getAssignment({ name: draftName });
  const lines = () => assign.locator("p.status[role=status]").allTextContents()
    .then((all) => all.map((l) => l.trim()).filter(Boolean));

  /** "Already practising" tells two practices of one title apart and lists each once. */
  const alreadyPractising = async () => {
    const diaries = panel.locator("ul.earlier li").filter({ hasText: "Daily diary" });
    const since = await diaries.locator("[data-started]").allTextContents();
    assert.ok(since.length === 2 && since[0] !== since[1] && since.every((text) => text.includes(t.panels.practiceStarted("").trim())),
      `${lang}: "${t.panels.alreadyPractising}" tells two practices of one title apart by start and schedule (${since.join(" | ")})`);
    const listed = await panel.locator("ul.earlier li").evaluateAll((items) => items.map((li) => li.getAttribute("data-assignment")));
    assert.deepEqual(listed.length, new Set(listed).size, `${lang}: "${t.panels.alreadyPractising}" lists each assignment once`);
  };

  /** The dock refused its expired token, asked getToken again and wired itself; the gallery's search fits. */
  const dockRefreshed = async () => {
    // The client's token must have expired (1 s + the verifier's 60 s leeway) before it types.
    const wait = mintedAt + 63_000 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));

    // The therapist's dock: its first token is refused, so getToken is asked again.
    desk = watch(await context.newPage());
    await desk.setViewportSize({ width: 1280, height: 900 });
    await desk.goto(hostUrl("therapist"));
    dock = desk.locator("homework-therapist-dock");
    assign = dock.locator("homework-assign-panel");
    search = assign.locator('hw-template-gallery input[type="search"]');
    await dock.getByRole("tab", { name: t.panels.tabAssign }).click({ timeout: 15_000 });
    // The dock makes its assign panel once wired: its gallery listing means the refused call is
    // behind us (the tab itself shows before the first answer, so counting at the click raced it).
    await assign.locator("hw-template-gallery li.template").nth(3).waitFor({ timeout: 15_000 });
    assert.deepEqual(await tokenCalls(desk), 2, `${lang}: the dock asked getToken again after its expired token was refused`);
    assert.deepEqual(await dock.evaluate((el) => el.hasAttribute("denied")), false, `${lang}: the dock wired itself after the refresh`);
    for (const width of [1280, 360]) {
      await desk.setViewportSize({ width, height: 900 });
      const [box, frame] = [await search.boundingBox(), await assign.boundingBox()];
      assert.ok(box !== null && frame !== null && box.x >= frame.x - 0.5 && box.x + box.width <= frame.x + frame.width + 0.5,
        `${lang}: the gallery's search box stays inside the dock at ${width} px (box ${box?.x}+${box?.width}, panel ${frame?.x}+${frame?.width})`);
    }
    await look(desk, `host-assign-gallery-${lang}`);
    await desk.setViewportSize({ width: 1280, height: 900 });
  };

  /** The draft form by keyboard only: a rung of the ladder, the if-then plan, each control's ring visible. */
  const draftByKeyboard = async () => {
    await search.fill("feared");
    await assign.locator("hw-template-gallery li.template").filter({ hasText: "Face a feared situation" }).first()
      .getByRole("button").click();
    await assign.locator("form #title").waitFor();
    const keyboardIssues: string[] = [];
    const { press, tabTo } = keyboardWalk(keyboardIssues);
    await tabTo(desk, "the ladder", (f) => f.type === "radio" && f.name === "rung");
    await press(desk, "ArrowDown", "the ladder");
    await tabTo(desk, "the if-then plan", (f) => f.name === "ifSituation");
    await desk.keyboard.type("I walk past the bakery");
    await press(desk, "Tab", "the if-then plan");
    await desk.keyboard.type("go in and say hello");
    await tabTo(desk, "Assign", (f) => f.tag === "BUTTON" && f.text === t.panels.assign);
    assert.deepEqual(keyboardIssues, [], `${lang}: every control of the draft form reached by keyboard shows a visible focus ring`);
    draftName = await assign.locator("[data-kind]").evaluate((el) =>
      ((el.getRootNode() as ShadowRoot).host as unknown as { currentDraft?: { name: string } }).currentDraft?.name ?? "");
    for (let i = 0; i < 100 && (await stored()).schedule?.ifThenPlan?.action !== "go in and say hello"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    draft = await stored();
    const exposure = draft.exercise?.details.case === "exposurePractice" ? draft.exercise.details.value : undefined;
    assert.deepEqual([exposure?.hierarchyStep, draft.schedule?.ifThenPlan?.situation, draft.schedule?.ifThenPlan?.action],
      [1, "I walk past the bakery", "go in and say hello"], `${lang}: the draft holds the rung and the if-then plan typed by keyboard`);
    await assign.locator('[data-status][data-saving="false"]').waitFor();
    assert.deepEqual(await assign.locator("p.status[role=status]").allTextContents().then((lines) => lines.map((l) => l.trim()).filter(Boolean)),
      [t.panels.savedInService], `${lang}: the assign panel shows one status line for the saved draft`);
    await look(desk, `host-assign-draft-${lang}`);
    await desk.setViewportSize({ width: 1280, height: 900 });
  };

  /** The client sees the draft, and its status line follows the page's language. */
  const clientSeesDraft = async () => {
    clientDraft = panel.locator(`section.draft[data-draft="${draftName}"]`);
    await clientDraft.waitFor({ timeout: 15_000 });
    const status = panel.locator("p.status[role=status]");
    await status.filter({ hasText: t.panels.therapistUpdated }).waitFor({ timeout: 10_000 });
    // Every element re-renders in the page's new language (a string: tsx's helpers stay out of the page).
    const relang = (page: Page, language: string) => page.evaluate(`(async () => {
      document.documentElement.lang = ${JSON.stringify(language)};
      const elements = (root) => [...root.querySelectorAll("*")].flatMap((e) =>
        [...(e.requestUpdate ? [e] : []), ...(e.shadowRoot ? elements(e.shadowRoot) : [])]);
      for (const element of elements(document)) {
        element.requestUpdate();
        await element.updateComplete;
      }
    })()`);
    await relang(client, other === en ? "en" : "es");
    assert.deepEqual((await status.textContent())?.trim(), other.panels.therapistUpdated,
      `${lang}: the client's status line is said again in the page's new language`);
    await relang(client, lang);
  };

  /** The client types its cue with its expired token: refused, getToken asked, resent; the text stays. */
  const cueAfterExpiry = async () => {
    // The client types its cue with its expired token: refused, getToken asked, resent; the text stays.
    const cue = clientDraft.locator("#c-cue");
    await cue.fill("");
    await cue.pressSequentially("Keys in the bowl by the door");
    for (let i = 0; i < 100 && (await stored()).schedule?.environmentalCue !== "Keys in the bowl by the door"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual((await stored()).schedule?.environmentalCue, "Keys in the bowl by the door",
      `${lang}: the client's cue typed after its token expired is stored`);
    assert.deepEqual(await tokenCalls(client), 2, `${lang}: the client's panel asked getToken again once its token expired`);
    assert.deepEqual(await cue.inputValue(), "Keys in the bowl by the door", `${lang}: the typed cue is still in the client's field`);
    await look(client, `host-session-draft-${lang}`);
  };

  /** Assign, then a new draft, then discard it: one status line, the newest. */
  const statusLines = async () => {
    await assign.getByRole("button", { name: t.panels.assign, exact: true }).click();
    await assign.locator("p.status[role=status]").filter({ hasText: t.panels.assigned(draft.title) }).waitFor({ timeout: 10_000 });
    await panel.getByRole("heading", { name: t.panels.newHomework(draft.title) }).waitFor({ timeout: 10_000 });
    await look(client, `host-session-assigned-${lang}`);
    await search.fill("mood");
    await assign.locator("hw-template-gallery li.template").first().getByRole("button").click();
    await assign.locator('form #title').waitFor();
    await assign.locator('[data-status][data-saving="false"]').waitFor();
    assert.deepEqual(await lines(), [t.panels.savedInService], `${lang}: a new draft's line replaces "${t.panels.assigned(draft.title)}"`);
    await assign.getByRole("button", { name: t.panels.discard, exact: true }).click();
    await assign.locator("p.status[role=status]").filter({ hasText: t.panels.discarded }).waitFor({ timeout: 10_000 });
    assert.deepEqual(await lines(), [t.panels.discarded], `${lang}: after discarding, only "${t.panels.discarded}" shows`);
    await look(desk, `host-assign-discarded-${lang}`);
    await desk.close();
    await client.close();
  };
  return { alreadyPractising, dockRefreshed, draftByKeyboard, clientSeesDraft, cueAfterExpiry, statusLines };
}

// ---- Every view in one language, both schemes.
for (const lang of LANGS.filter((l) => l === PART)) {
  const es = lang === "es";
  let host: Awaited<ReturnType<typeof openHostStory>>;
  let portal: Page;
  let card: Locator;

  step(`${lang}: the client's session panel wires itself on a plain host page`, async () => {
    // The web-component mode on a plain host page (see hostStory): the client's panel opens now
    // with a token that lives 1 s (the verifier allows 60 s of clock skew) and stays open while
    // the views below are looked at, so the token has expired when the client types at the end.
    host = await openHostStory(lang);
  });

  step(`${lang}: Today shows the instructions, why it helps and the if-then plan, same-title practices described apart; no overflow, axe clean`, async () => {
    portal = watch(await context.newPage());
    await portal.goto(`${suite.page$.origin}/${es ? "?lang=es" : ""}#token=${clientToken}`);
    await portal.getByRole("heading", { name: es ? /para hoy/ : /to do today/ }).waitFor({ timeout: 15_000 });
    card = portal.locator(`li[data-assignment="${breathing.name}"]`);
    assert.deepEqual([await partText(card, "instructions"), await partText(card, "rationale"), await partText(card, "ifThen")],
      [BREATHING.instructions, BREATHING.rationale, IF_THEN_TEXT[lang]], `${lang}: Today shows the instructions, why and the if-then plan`);
    // The diaries' Start buttons (one title, two practices) are described apart by their start.
    const diaryStarts = await portal.locator("ul.due li.card").filter({ hasText: "Daily diary" })
      .evaluateAll((cards) => cards.map((card) => {
        const button = card.querySelector("button.primary");
        const described = button?.getAttribute("aria-describedby") ?? "";
        return (card.getRootNode() as ShadowRoot).getElementById(described)?.textContent?.trim() ?? "";
      }));
    assert.ok(diaryStarts.length === 2 && diaryStarts.every((start) => start !== "") && diaryStarts[0] !== diaryStarts[1],
      `${lang}: Today's two "Daily diary" Start buttons are described apart (${diaryStarts.join(" | ")})`);
    await lookBoth(portal, `portal-today-${lang}`);
  });

  step(`${lang}: the practice's form shows them again; no overflow, axe clean`, async () => {
    await card.getByRole("button").click();
    const form = portal.locator("hw-completion-form");
    assert.deepEqual([await partText(form, "instructions"), await partText(form, "rationale"), await partText(form, "ifThen")],
      [BREATHING.instructions, BREATHING.rationale, IF_THEN_TEXT[lang]], `${lang}: the practice's form shows them again`);
    await lookBoth(portal, `portal-form-${lang}`);
    await form.locator('button[type="button"]').last().click();
  });

  step(`${lang}: the Progress cards of two practices of one title are named apart; no overflow, axe clean`, async () => {
    await portal.getByRole("tab", { name: es ? "Progreso" : "Progress" }).click();
    await portal.locator("table.calendar").first().waitFor();
    // Two practices of one title (the host story's diaries): each card named by title and start.
    const diaryNames = await portal.locator("section[data-progress]").filter({ hasText: "Daily diary" })
      .evaluateAll((cards) => cards.map((card) => card.getAttribute("aria-labelledby")!.split(" ")
        .map((id) => (card.getRootNode() as ShadowRoot).getElementById(id)?.textContent?.trim()).join(" ")));
    assert.ok(diaryNames.length === 2 && diaryNames[0] !== diaryNames[1]
      && diaryNames.every((name) => name.includes((es ? esCatalogue : en).panels.practiceStarted("").trim())),
      `${lang}: the Progress cards of two practices of one title are named apart (${diaryNames.join(" | ")})`);
    await lookBoth(portal, `portal-progress-${lang}`);
  });

  step(`${lang}: Check-ins and the safety plan after "I need help now": no overflow, axe clean`, async () => {
    await portal.getByRole("tab", { name: es ? "Cuestionarios" : "Check-ins" }).click();
    await lookBoth(portal, `portal-check-ins-${lang}`);
    await portal.getByRole("button", { name: es ? "Necesito ayuda ahora" : "I need help now" }).click();
    await portal.locator('section[data-safety-plan="kept"]').waitFor();
    await portal.locator('[data-help-state="sent"]').waitFor({ timeout: 10_000 });
    await lookBoth(portal, `portal-safety-plan-${lang}`);
    await portal.close();
  });

  step(`${lang}: the session panel shows the brief; no overflow, axe clean`, async () => {
    const session = watch(await context.newPage());
    await session.goto(sessionUrl(lang));
    const brief = session.locator(`homework-session-panel li[data-assignment="${breathing.name}"]`);
    await brief.locator("summary").click({ timeout: 15_000 });
    assert.deepEqual([await partText(brief, "instructions"), await partText(brief, "rationale"), await partText(brief, "ifThen")],
      [BREATHING.instructions, BREATHING.rationale, IF_THEN_TEXT[lang]], `${lang}: the session panel shows them in the brief`);
    await lookBoth(session, `session-panel-${lang}`);
    await session.close();
  });

  step(`${lang}: the gallery lists the template library and the ladder shows each rung's SUDS; no overflow, axe clean`, async () => {
    const assign = watch(await context.newPage());
    await assign.goto(assignUrl(lang));
    const gallery = assign.locator("hw-template-gallery");
    await gallery.locator("li.template").nth(3).waitFor({ timeout: 15_000 });
    assert.ok(await gallery.locator("li.template").count() >= 16, `${lang}: the gallery lists the template library`);
    await lookBoth(assign, `assign-gallery-${lang}`);
    await assign.evaluate(() => (window as unknown as { showLadder: () => Promise<void> }).showLadder());
    const ladder = assign.locator("hw-ladder-picker");
    await ladder.locator("li[data-step]").nth(1).waitFor();
    assert.ok(await ladder.locator('li[data-step="0"] input').isChecked(), `${lang}: the exposure's rung is chosen on the ladder`);
    assert.ok((await ladder.locator('li[data-step="1"]').innerText()).includes("45"), `${lang}: each rung shows its expected SUDS`);
    await lookBoth(assign, `assign-ladder-${lang}`);
    await assign.close();
  });

  step(`${lang}: the review panel reads its period and the measure trend in one GetReviewSummary; no overflow, axe clean`, async () => {
    const review = watch(await context.newPage());
    let summaryCalls = 0;
    review.on("request", (request) => { if (request.url().endsWith("/GetReviewSummary")) summaryCalls++; });
    await review.goto(reviewUrl(lang));
    const reviewCard = review.locator(`homework-review-panel li.card[data-completion="${thought.name}"]`);
    await reviewCard.locator("button.open").click({ timeout: 15_000 });
    // The PHQ-9 of 9 days ago is before the week under review: it comes in the same call.
    assert.deepEqual(await review.locator('homework-review-panel hw-measure-chart[data-measure="PHQ9"]').evaluate((el) =>
      (el as unknown as { points: { total: number }[] }).points.map((p) => p.total)), [8, 6],
      `${lang}: the PHQ-9 trend reaches before the period`);
    assert.deepEqual(summaryCalls, 1, `${lang}: the review and its measure trend come from one GetReviewSummary call`);
    await lookBoth(review, `review-${lang}`);
    await review.close();
  });

  step(`${lang}: the therapist's dock on a light session page: no overflow, axe clean`, async () => {
    const dock = watch(await context.newPage());
    await dock.goto(dockUrl(lang));
    await dock.locator(`homework-review-panel li.card[data-completion="${thought.name}"]`).waitFor({ timeout: 15_000 });
    await lookBoth(dock, `dock-${lang}`);
    await dock.close();
  });

  step(`${lang}: the caseload: no overflow, axe clean`, async () => {
    const caseload = watch(await context.newPage());
    await caseload.goto(caseloadUrl(lang));
    await caseload.locator("homework-caseload h2").waitFor({ timeout: 15_000 });
    await caseload.locator("homework-caseload").evaluate(async (el) => {
      for (let i = 0; i < 100 && /Loading|Cargando/.test(el.shadowRoot?.textContent ?? ""); i++) await new Promise((r) => setTimeout(r, 100));
    });
    await lookBoth(caseload, `caseload-${lang}`);
    await caseload.close();
  });


  step(`${lang}: "Already practising" tells two practices of one title apart and lists each once`, () => host.alreadyPractising());
  step(`${lang}: the dock asks getToken again after its expired token was refused; the gallery's search box stays inside it`,
    () => host.dockRefreshed());
  step(`${lang}: the draft form by keyboard: the rung and the if-then plan stored, every focus ring visible, one status line`,
    () => host.draftByKeyboard());
  step(`${lang}: the client sees the draft; its status line is said again in the page's new language`, () => host.clientSeesDraft());
  step(`${lang}: the client's cue typed after its token expired is stored through getToken, the text kept`, () => host.cueAfterExpiry());
  step(`${lang}: the assign panel keeps one status line: assigned, a new draft, discarded`, () => host.statusLines());
}

if (PART === "keyboard") {
  const keyboardIssues: string[] = [];
  const { press, tabTo } = keyboardWalk(keyboardIssues);
  let client: Page;

  step(`keyboard: the client switches tabs, says an exposure is done, rates SUDS with arrow keys and saves it`, async () => {
    // ---- Keyboard only, the client: tabs by arrow keys, an exposure done and rated, saved.
    client = watch(await context.newPage());
    await client.goto(`${suite.page$.origin}/#token=${clientToken}`);
    await client.getByRole("heading", { name: /to do today/ }).waitFor({ timeout: 15_000 });
    await tabTo(client, "the Today tab", (f) => f.text === "Today");
    await press(client, "ArrowRight", "tabs");
    assert.deepEqual((await focused(client)).text, "Progress", "keyboard: ArrowRight moves to the Progress tab");
    await client.locator("table.calendar").first().waitFor();
    await press(client, "ArrowLeft", "tabs");
    await client.getByRole("heading", { name: /to do today/ }).waitFor();
    await tabTo(client, "Start: Eye contact practice", (f) => f.text === "Start: Eye contact practice");
    await press(client, "Enter", "Start");
    await client.locator("hw-completion-form").waitFor();
    await tabTo(client, "the status choice", (f) => f.name === "status");
    await press(client, "Space", "status");
    assert.deepEqual(await client.locator('hw-completion-form input[name="status"][value="done"]').isChecked(), true,
      "keyboard: Space on the first choice says it was done");
    const slider = async (field: string, key: string, times: number) => {
      await tabTo(client, field, (f) => f.type === "range");
      for (let i = 0; i < times; i++) await press(client, key, field);
    };
    // The sliders move in steps of 5 from the middle.
    await slider("SUDS before", "ArrowRight", 2);
    await slider("SUDS peak", "ArrowRight", 4);
    await slider("SUDS after", "ArrowLeft", 4);
    assert.deepEqual(await client.locator('hw-completion-form input[type="range"]').evaluateAll((els) =>
      els.map((el) => [(el as HTMLInputElement).value, el.getAttribute("data-rated")])),
      [["60", "true"], ["70", "true"], ["30", "true"]], "keyboard: arrow keys rate SUDS before, peak and after");
    await tabTo(client, "Save", (f) => f.tag === "BUTTON" && f.text === "Save");
    await press(client, "Enter", "Save");
    await client.getByRole("status").filter({ hasText: "Saved. Thank you." }).waitFor({ timeout: 10_000 });
    const keyed = (await alex.listCompletions({ parent: seeded.exposure.name })).completions
      .filter((c) => c.suds?.before === 60 && c.suds?.peak === 70 && c.suds?.after === 30);
    assert.deepEqual(keyed.map((c) => c.status), [Completion_Status.DONE], "keyboard: the exposure is stored as done with its SUDS");
  });

  step(`keyboard: a control whose focus ring is styled away is caught`, async () => {
    // The focus check itself can fail: with the ring styled away, a focused tab shows none.
    await client.locator("homework-portal").evaluate((portal) => {
      const style = document.createElement("style");
      style.textContent = ":focus-visible { outline: none !important; box-shadow: none !important; }";
      portal.shadowRoot?.append(style);
    });
    await client.getByRole("tab", { name: "Today" }).focus();
    await client.keyboard.press("ArrowRight");
    assert.deepEqual((await focused(client)).visible, false, "keyboard: a control whose ring is styled away is caught");
    await client.close();
  });

  step(`keyboard: the therapist reviews a completion, picks a template and a rung of the ladder, every focus ring visible`, async () => {
    // ---- Keyboard only, the therapist: review one completion, search and pick a template, a rung.
    const desk = watch(await context.newPage());
    await desk.setViewportSize({ width: 1280, height: 900 });
    await desk.goto(reviewUrl("en"));
    await desk.locator(`homework-review-panel li.card[data-completion="${thought.name}"]`).waitFor({ timeout: 15_000 });
    await tabTo(desk, "a card's checkbox", (f) => f.type === "checkbox");
    // Move to the thought record's own checkbox: Tab through the cards until it has focus.
    for (let i = 0; i < 40; i++) {
      const here = await desk.evaluate(() => {
        let el: Element | null = document.activeElement;
        while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
        return el?.closest("li.card")?.getAttribute("data-completion") ?? "";
      });
      const f = await focused(desk);
      if (here === thought.name && f.type === "checkbox") break;
      await press(desk, "Tab", "the queue");
    }
    await press(desk, "Space", "select");
    await press(desk, "Tab", "the card");
    await press(desk, "Enter", "open");
    await desk.locator(`homework-review-panel li.card[data-completion="${thought.name}"] [data-body]`).waitFor();
    assert.ok(await desk.locator(`homework-review-panel li.card[data-completion="${thought.name}"] [data-body]`)
      .getByText("They think I am useless").isVisible(), "keyboard: Enter opens the card to the client's words");
    await tabTo(desk, "the quality rating", (f) => f.name === "quality");
    await press(desk, "Space", "quality");
    await press(desk, "ArrowRight", "quality");
    await press(desk, "ArrowRight", "quality");
    await tabTo(desk, "the feedback", (f) => f.tag === "TEXTAREA");
    await desk.keyboard.type("You caught the thought and weighed it.");
    await tabTo(desk, "Mark 1 reviewed", (f) => f.tag === "BUTTON" && /Mark 1 reviewed/.test(f.text));
    await press(desk, "Enter", "submit");
    await desk.locator("homework-review-panel [data-result]").filter({ hasText: "reviewed" }).waitFor({ timeout: 10_000 });
    const reviewed = await therapist.getCompletion({ name: thought.name });
    assert.deepEqual([reviewed.review?.qualityRating, reviewed.review?.feedback], [3, "You caught the thought and weighed it."],
      "keyboard: the review is stored with its quality and feedback");
    await desk.goto(assignUrl("en"));
    await desk.locator("hw-template-gallery li.template").nth(3).waitFor({ timeout: 15_000 });
    await tabTo(desk, "the gallery's search", (f) => f.type === "search");
    await desk.keyboard.type("exposure");
    const first = await tabTo(desk, "the first template's button", (f) => f.tag === "BUTTON" && f.text.startsWith("Use"));
    await press(desk, "Enter", "Use");
    const picked = await desk.evaluate(() => (window as unknown as { picks: string[] }).picks);
    assert.ok(picked.length === 1 && picked[0]!.includes("templates/"), `keyboard: Enter on "${first.text}" picks the template (${picked})`);
    await desk.evaluate(() => (window as unknown as { showLadder: () => Promise<void> }).showLadder());
    await desk.locator("hw-ladder-picker li[data-step]").nth(1).waitFor();
    await tabTo(desk, "the ladder", (f) => f.type === "radio" && f.name === "rung");
    await press(desk, "ArrowDown", "the ladder");
    assert.deepEqual((await desk.evaluate(() => (window as unknown as { picks: string[] }).picks)).at(-1),
      `${seeded.hierarchy.name}#1`, "keyboard: an arrow key picks the next rung of the ladder");
    await desk.close();
    assert.deepEqual(keyboardIssues, [], "keyboard: every focused control shows a visible focus ring");
  });

  step(`"Since" dates are in the browser's time zone`, async () => {
    // ---- "Since" in the browser's time zone: the last session ended at 03:30 UTC two days ago.
    const ended = new Date(Date.now() - 2 * DAY);
    ended.setUTCHours(3, 30, 0, 0);
    await service.updateClient({ client: { name: CLIENT, lastSessionTime: timestampFromDate(ended) },
      updateMask: { paths: ["last_session_time"] } });
    for (const zone of [TIME_ZONE, "America/Los_Angeles"]) {
      const zoned = await browser!.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: zone });
      const url = await route(zoned, "review-zone", (lang) => reviewPanelHtml({ token: therapistToken, client: CLIENT, lang,
        title: "Review", heading: "Session" }));
      const page = watch(await zoned.newPage());
      await page.goto(url("en"));
      const since = page.locator(`homework-review-panel [data-assignment="${seeded.mood.name}"] [data-since-period]`);
      await since.waitFor({ state: "attached", timeout: 15_000 });
      const day = new Intl.DateTimeFormat("en", { weekday: "short", day: "numeric", month: "short", timeZone: zone }).format(ended);
      assert.ok((await since.textContent() ?? "").startsWith(`Since ${day}:`),
        `in ${zone} the review's period starts "Since ${day}" (${await since.textContent()})`);
      await zoned.close();
    }
  });
}

step("no uncaught errors in the pages", async () => {
  assert.deepEqual(pageErrors, [], "no uncaught errors in the pages");
});
