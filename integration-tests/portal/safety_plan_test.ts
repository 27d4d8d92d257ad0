// The client's safety plan in <homework-portal>, in real headless Chromium against the real
// homework-server, through the example page (examples/portal/):
// - "I need help now" raises an urgent flag (seen through the API) and shows at once, before
//   anything else, the crisis resources and the client's own safety plan (the active
//   safety-plan assignment the therapist built), phone numbers as links that dial, focus on the
//   plan;
// - offline after a first load (context.setOffline), a portal opened afresh cannot reach the
//   service and still shows the plan kept on the device; the help request waits on the device
//   and raises its flag once the connection returns (one flag: the same request id);
// - a PHQ-9 saved with question 9 above 0 shows the plan first (and the service raised a flag);
// - English and Spanish, axe clean, no horizontal overflow at 360 and 1280 px; screenshots
//   safety-plan-*.png.
// Run: tsx safety_plan_test.ts --server P --ctl P --output DIR
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { ExerciseKind, Schedule_Period } from "../../plugin/web/src/gen/therapy/homework/v1/assignment_pb.js";
import { SafetyFlag_Source } from "../../plugin/web/src/gen/therapy/homework/v1/safety_flag_pb.js";
import type { HomeworkClient } from "../../plugin/web/src/client/homework-client.js";
import { looker } from "./look.js";
import { CHROMIUM_ARGS, startBrowserSuite, type BrowserSuite } from "./browser_suite.js";
import { CLIENT, CLIENT_ID, THERAPIST, TIME_ZONE, localDay, seed, type Seeded } from "./fixture.js";

let suite: BrowserSuite;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
let seeded: Seeded;
let therapist: HomeworkClient;
let clientToken: string;
const pageErrors: string[] = [];
const flags = async () => (await therapist.listSafetyFlags({ parent: CLIENT })).safetyFlags;
const look = (target: Page, name: string) => looker(suite.shots, "safety-plan")(target, name);
const plan = () => page.locator('section[data-safety-plan="kept"]');
// Playwright's waitFor did not resolve for a visible element once the context had been set
// offline (count 1, 824 px high); this polls isVisible() instead.
const shown = async (locator: Locator) => {
  for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
    if (await locator.isVisible()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not shown in 15 s: ${locator}`);
};
/** What the portal shows, in order: the headings of the portal and its safety-plan view. */
const headings = (target: Page) => target.locator("homework-portal").evaluate((portal) => Array.from(
  portal.shadowRoot?.querySelectorAll("h2, h3, h4, hw-safety-plan") ?? []).flatMap((el) => el.tagName !== "HW-SAFETY-PLAN"
  ? [el.textContent?.trim() ?? ""]
  : Array.from(el.shadowRoot?.querySelectorAll("h2, h3, h4") ?? [], (h) => h.textContent?.trim() ?? "")));

before(async () => {
  suite = await startBrowserSuite();
  const { server } = suite;
  seeded = await seed(server);
  therapist = server.stub(server.token(THERAPIST, "therapist"));
  const created = await therapist.createAssignment({ parent: CLIENT, assignment: {
    title: "My safety plan",
    exercise: { kind: ExerciseKind.SAFETY_PLAN, details: { case: "safetyPlan", value: {
      warningSigns: ["I stop answering messages", "Thinking nobody would notice"],
      copingStrategies: ["Cold water on my face, then a walk round the block"],
      socialDistractions: [{ name: "The climbing gym" }],
      helpContacts: [{ name: "Sam (sister)", phone: "+49 151 2345 6789", note: "text first" }],
      professionalContacts: [{ name: "Dr Ada", phone: "(030) 555-0100" }],
      environmentSteps: ["Pills stay with Sam"],
      reasonsForLiving: ["My niece's laugh"],
    } } },
    schedule: { targetCount: 1, period: Schedule_Period.WEEK, startDate: localDay(new Date()), minimumVersion: "Read your reasons for living once." },
  } });
  await therapist.activateAssignment({ name: created.name, etag: created.etag });
  clientToken = server.token(CLIENT_ID, "client");
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 360, height: 800 }, timezoneId: TIME_ZONE });
});

after(async () => {
  await browser?.close();
  await suite?.stop();
});

test("\"I need help now\" raises one flag and shows the crisis resources and the client's plan first", async () => {
  page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(`${suite.page$.origin}/#token=${clientToken}`);
  await page.getByRole("heading", { name: /practices? to do today/ }).waitFor({ timeout: 15_000 });
  assert.equal((await flags()).length, 0, "no flag before the client asks");
  const helpNow = page.getByRole("button", { name: "I need help now" });
  assert.ok(await helpNow.isVisible(), "\"I need help now\" is on Today");
  await helpNow.click();
  await plan().waitFor();
  assert.deepEqual((await headings(page)).slice(0, 4), ["My practice", "If you are in danger now", "Your safety plan",
    "1. Warning signs that a crisis may be coming"], "the crisis resources and the plan come first");
  assert.equal(await page.getByRole("tab").count(), 0, "nothing else shows while the plan is up");
  assert.ok(await page.locator("#plan-heading").evaluate((el) => el.matches(":focus")), "focus moves to the plan");
  assert.deepEqual(await page.locator("[data-crisis-resources] a.dial").evaluateAll((links) => links.map((a) => a.getAttribute("href"))),
    ["tel:112", "tel:988"], "the platform's crisis resources dial");
  assert.equal(await page.getByRole("link", { name: "Call Sam (sister): +49 151 2345 6789" }).getAttribute("href"),
    "tel:+4915123456789", "the client's own contact dials");
  assert.deepEqual(await page.locator('li[data-step="reasonsForLiving"] li').allTextContents(), ["My niece's laugh"], "the reasons for living");
  await page.locator('[data-help-state="sent"]').waitFor({ timeout: 10_000 });
  const raised = await flags();
  assert.deepEqual(raised.map((f) => f.source), [SafetyFlag_Source.CLIENT_REQUEST], "the tap raised one flag for the care team");
  await look(page, "help-now");
  await page.getByRole("button", { name: "Back to my practice" }).click();
  await page.getByRole("tab", { name: "Today" }).waitFor();
});

test("offline, a fresh portal still shows the kept plan; the help request waits and raises its flag once back online", async () => {
  await context.setOffline(true);
  await page.evaluate(() => {
    const old = document.getElementById("portal") as HTMLElement & Record<string, unknown>;
    const fresh = document.createElement("homework-portal") as HTMLElement & Record<string, unknown>;
    fresh.id = "portal";
    fresh.crisisResources = old.crisisResources;
    fresh.getToken = old.getToken;
    fresh.apiBaseUrl = old.apiBaseUrl;
    old.replaceWith(fresh);
  });
  await page.getByText("Could not load your practice").waitFor({ timeout: 15_000 });
  assert.ok(await page.getByRole("button", { name: "My safety plan" }).isVisible(), "offline: the kept plan can be opened");
  await page.getByRole("button", { name: "I need help now" }).click();
  await shown(plan());
  assert.deepEqual(await page.locator('li[data-step="helpContacts"] strong').allTextContents(), ["Sam (sister)"], "offline: the kept plan shows");
  assert.equal(await page.locator('[data-help-state]').getAttribute("data-help-state"), "waiting", "offline: the request waits on the device");
  await look(page, "offline");
  assert.equal((await flags()).length, 1, "nothing reached the service while offline");
  await context.setOffline(false);
  await shown(page.locator('[data-help-state="sent"]'));
  assert.equal((await flags()).length, 2, "back online, the waiting request raised its flag once");
  await page.getByRole("button", { name: "Back to my practice" }).click();
});

test("a PHQ-9 with question 9 above 0 shows the plan first and raises its flag", async () => {
  await page.goto("about:blank");
  await page.goto(`${suite.page$.origin}/`);
  await page.getByRole("tab", { name: "Check-ins" }).click();
  await page.getByRole("button", { name: `Start: ${seeded.phq9.title}` }).click();
  const form = page.locator("hw-completion-form");
  await page.getByRole("radio", { name: "I did it" }).check();
  for (let i = 0; i < 9; i++) {
    await form.locator(`input[name="measure.item_scores[${i}]"][value="${i === 8 ? 1 : 0}"]`).check();
  }
  await page.getByRole("button", { name: "Save" }).click();
  await shown(plan());
  assert.deepEqual((await headings(page)).slice(1, 3), ["If you are in danger now", "Your safety plan"], "after the PHQ-9 the plan comes first");
  const phqFlags = (await flags()).filter((f) => f.source === SafetyFlag_Source.PHQ9_ITEM_9);
  assert.equal(phqFlags.length, 1, "the PHQ-9 answer raised its flag");
  await look(page, "phq9");
});

test("the plan in Spanish", async () => {
  const es = await context.newPage();
  es.on("pageerror", (error) => pageErrors.push(error.message));
  await es.goto(`${suite.page$.origin}/?lang=es#token=${clientToken}`);
  await es.getByRole("heading", { name: /para hoy/ }).waitFor({ timeout: 15_000 });
  await es.getByRole("button", { name: "Necesito ayuda ahora" }).click();
  await es.locator('section[data-safety-plan="kept"]').waitFor();
  assert.ok(await es.getByRole("heading", { name: "Tu plan de seguridad" }).isVisible(), "the plan in Spanish");
  await es.locator('[data-help-state="sent"]').waitFor({ timeout: 10_000 });
  await look(es, "es");
});

test("no uncaught errors in the pages", () => {
  assert.deepEqual(pageErrors, [], "no uncaught errors in the pages");
});
