// The <homework-portal> widget in real headless Chromium against the real homework-server: the
// example page (examples/portal/serve.mjs) at 360 px wide, a client logging practices of several
// exercise kinds (a thought record, an exposure step with SUDS sliders, mood, self-care made
// OFFLINE and sent when the connection returned, a PHQ-9 with the crisis resources), an invalid
// form that shows its field errors and saves nothing, the progress view against the stored data,
// Spanish, keyboard tabs, and axe on every view. Every outcome is checked through the API.
// The steps are node:test tests run in order on one page; a failing step leaves failure.png and
// the page's console. Screenshots go to --output.
// Run: tsx portal_browser_test.ts --server P --ctl P --output DIR
import assert from "node:assert/strict";
import { after, before } from "node:test";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";
import { Completion_Status, type Completion } from "../../plugin/web/src/gen/therapy/homework/v1/completion_pb.js";
import type { HomeworkClient } from "../../plugin/web/src/client/homework-client.js";
import { CLIENT, CLIENT_ID, THERAPIST, TIME_ZONE, localDay, seed, type Seeded } from "./fixture.js";
import { CHROMIUM_ARGS, reviewPanelHtml, startBrowserSuite, storySteps, type BrowserSuite } from "./browser_suite.js";

let suite: BrowserSuite;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
let seeded: Seeded;
let clientToken: string;
let alex: HomeworkClient;
let therapist: HomeworkClient;
let url: string;
const pageErrors: string[] = [];
const consoleLines: string[] = [];
let failureShot = async () => {};

const completionsOf = async (assignment: string) => (await alex.listCompletions({ parent: assignment })).completions;
// A fresh load (about:blank first: from "/" to "/#token" alone would only change the fragment).
const open = async () => { await page.goto("about:blank"); await page.goto(url); };
const axe = async (view: string) => {
  const results = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`), [],
    `axe finds no violations on ${view}`);
};
const shot = (name: string) => page.screenshot({ path: path.join(suite.shots, `${name}.png`), fullPage: true });
const step = storySteps(() => failureShot());

before(async () => {
  suite = await startBrowserSuite();
  seeded = await seed(suite.server);
  clientToken = suite.server.token(CLIENT_ID, "client");
  alex = suite.server.stub(clientToken);
  therapist = suite.server.stub(suite.server.token(THERAPIST, "therapist"));
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 360, height: 800 }, timezoneId: TIME_ZONE });
  page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
  failureShot = async () => {
    await page.screenshot({ path: path.join(suite.shots, "failure.png"), fullPage: true }).catch(() => {});
    console.error(`page console:\n${consoleLines.join("\n")}\npage errors: ${pageErrors.join("; ")}`);
  };
  url = `${suite.page$.origin}/#token=${clientToken}`;
});

after(async () => {
  await browser?.close();
  await suite?.stop();
});

step("Today lists every due practice with its plan in plain words, the token gone from the address", async () => {
  await page.goto(url);
  await page.getByRole("heading", { name: /practices to do today/ }).waitFor();
  assert.ok(!page.url().includes("token"), "the token is removed from the address bar");
  const thoughtCard = page.locator(`li[data-assignment="${seeded.thoughtRecord.name}"]`);
  assert.equal(await thoughtCard.locator('dd[data-part="anchor"]').textContent(), "after I clear the dinner table",
    "the plan shows the anchor in the client's words");
  assert.equal(await thoughtCard.locator('dd[data-part="cue"]').textContent(), "journal on the pillow", "the plan shows the cue");
  assert.equal(await thoughtCard.locator('dd[data-part="minimum"]').textContent(), "Two minutes, just start",
    "the plan shows the two-minute version");
  assert.equal(await thoughtCard.locator('dd[data-part="when"]').textContent(), "around 20:30", "the plan shows the time");
  assert.equal(await page.locator("li[data-assignment]").count(), 5, "five practices due today (measures apart)");
  await shot("01-today");
  await axe("Today");
});

step("an invalid thought record shows its errors at the fields and saves nothing", async () => {
  // Marked done but blank.
  await page.getByRole("button", { name: "Start: Catch one worry thought" }).click();
  await page.getByRole("radio", { name: "I did it" }).check();
  await page.getByLabel("Automatic thought").fill("They think I am useless");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Please check the highlighted fields.").waitFor();
  const situation = page.getByLabel("Situation: what happened, where, with whom");
  assert.equal(await situation.getAttribute("aria-invalid"), "true", "the blank situation is marked invalid");
  assert.ok(await situation.evaluate((el) => el.matches(":focus")), "focus moves to the first invalid field");
  assert.ok((await page.locator(".field-error").count()) >= 5, "each missing required field shows its error");
  await shot("02-invalid-thought-record");
  await axe("an invalid form");
  assert.equal((await completionsOf(seeded.thoughtRecord.name)).length, 0, "the invalid thought record saved nothing");
});

step("the thought record filled in with several and re-rated emotions is stored as typed", async () => {
  await page.getByLabel("Situation: what happened, where, with whom").fill("Team meeting, my idea was ignored");
  await page.getByLabel("How much did you believe it? (%)").fill("80");
  assert.equal(await page.getByText("Name at least one emotion and how strong it was.").count(), 1,
    "a done record without emotions says at least one is needed");
  await page.getByLabel("Emotion 1", { exact: true }).fill("ashamed");
  await page.getByLabel("Intensity of emotion 1 (0-100)").fill("70");
  await page.getByRole("button", { name: "Add an emotion" }).click();
  assert.ok(await page.getByLabel("Emotion 2", { exact: true }).evaluate((el) => el.matches(":focus")),
    "an added emotion row takes the focus");
  await page.getByLabel("Emotion 2", { exact: true }).fill("sad");
  await page.getByLabel("Balanced thought", { exact: true }).fill("One meeting does not show what I am worth");
  await page.getByLabel("How much do you believe the balanced thought? (%)").fill("55");
  // A row with a name but no intensity is refused at that field, nothing saved.
  await page.getByRole("button", { name: "Save" }).click();
  const intensity2 = page.getByLabel("Intensity of emotion 2 (0-100)");
  await page.getByText("Please check the highlighted fields.").waitFor();
  assert.equal(await intensity2.getAttribute("aria-invalid"), "true", "the second emotion's missing intensity is marked");
  assert.equal((await completionsOf(seeded.thoughtRecord.name)).length, 0, "the incomplete emotion row saved nothing");
  await intensity2.fill("40");
  // A third row added and removed again; a blank row is not sent.
  await page.getByRole("button", { name: "Add an emotion" }).click();
  await page.getByLabel("Emotion 3", { exact: true }).fill("angry");
  await page.getByRole("button", { name: "Remove emotion 3" }).click();
  assert.equal(await page.getByLabel("Emotion 3", { exact: true }).count(), 0, "a removed emotion row is gone");
  await page.getByRole("button", { name: "Add an emotion" }).click();
  // Re-rated after the balanced thought: the first row starts with the first emotion's name.
  await page.getByRole("button", { name: "Re-rate an emotion" }).click();
  assert.equal(await page.getByLabel("Emotion 1 now", { exact: true }).inputValue(), "ashamed",
    "a re-rated row starts with the same emotion");
  await page.getByLabel("Intensity of emotion 1 now (0-100)").fill("120");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Enter a number from 0 to 100.").waitFor();
  assert.equal(await page.getByLabel("Intensity of emotion 1 now (0-100)").getAttribute("aria-invalid"), "true",
    "a re-rated intensity above 100 is refused at its field");
  await shot("02b-thought-record-emotions");
  await axe("a thought record with several emotions");
  await page.getByLabel("Intensity of emotion 1 now (0-100)").fill("35");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("status").filter({ hasText: "Saved. Thank you." }).waitFor();
  const thoughts = await completionsOf(seeded.thoughtRecord.name);
  assert.equal(thoughts.length, 1, "one thought record stored");
  const record = thoughts[0]?.record;
  assert.deepEqual(record?.case === "thoughtRecord" ? [record.value.situation, record.value.automaticThoughtBelief,
    record.value.emotions.map((e) => [e.emotion, e.intensity]), record.value.balancedThoughtBelief,
    record.value.emotionsRerated.map((e) => [e.emotion, e.intensity])] : [],
  ["Team meeting, my idea was ignored", 80, [["ashamed", 70], ["sad", 40]], 55, [["ashamed", 35]]],
  "the stored thought record has what was typed: two emotions (the blank third row dropped), one re-rated");
  assert.equal(thoughts[0]?.status, Completion_Status.DONE, "stored as done");
});

let exposures: Completion[] = [];
step("an exposure with SUDS sliders showing the hierarchy's anchors is stored", async () => {
  await page.getByRole("button", { name: "Start: Eye contact practice" }).click();
  await page.getByText("0: lying on the sofa").first().waitFor();
  assert.ok(await page.getByText("100: giving a speech").first().isVisible(), "the slider shows the client's anchor for 100");
  await page.getByRole("radio", { name: "I did it" }).check();
  await page.getByLabel("Distress before (SUDS)").fill("60");
  await page.getByLabel("Highest distress (SUDS)").fill("75");
  await page.getByLabel("Distress at the end (SUDS)").fill("35");
  await page.getByLabel("How likely did the feared outcome seem before? (%)").fill("70");
  await page.getByLabel("How likely does it seem now? (%)").fill("20");
  await page.getByRole("radio", { name: "No" }).check();
  await page.getByLabel("Minutes", { exact: true }).fill("25");
  await shot("03-exposure-form");
  await axe("the exposure form");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("status").filter({ hasText: "Saved. Thank you." }).waitFor();
  exposures = await completionsOf(seeded.exposure.name);
  assert.deepEqual(exposures.map((c) => [c.suds?.before, c.suds?.peak, c.suds?.after, c.expectancy?.before,
    c.expectancy?.fearedOutcomeOccurred, c.minutes]), [[60, 75, 35, 70, false, 25]], "the stored exposure practice");
});

step("mood's two-minute version is a first-class choice and stored as such", async () => {
  await page.getByRole("button", { name: "Start: Mood check" }).click();
  await page.getByRole("radio", { name: /I did the two-minute version/ }).check();
  await page.getByLabel("Mood (0 worst, 10 best)").fill("7");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("status").filter({ hasText: "Saved. Thank you." }).waitFor();
  const moods = await completionsOf(seeded.mood.name);
  assert.deepEqual(moods.map((c) => [c.status, c.mood]), [[Completion_Status.MINIMUM_VERSION, 7]], "the stored mood, minimum version");
});

step("self-care saved offline waits on the device and is stored exactly once when the connection returns", async () => {
  await context.setOffline(true);
  await page.getByRole("button", { name: "Start: Evening walk" }).click();
  await page.getByRole("radio", { name: "I did it" }).check();
  await page.getByLabel("Amount (minutes)").fill("25");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("status").filter({ hasText: "Saved on this device" }).waitFor();
  assert.equal(await page.locator('[data-outbox-state="queued"]').count(), 1, "the offline completion shows as waiting");
  assert.ok(await page.getByText("You are offline.").isVisible(), "the offline banner shows");
  await shot("04-offline-queued");
  await axe("the offline state");
  assert.equal((await completionsOf(seeded.selfCare.name)).length, 0, "nothing reached the service while offline");
  const queued = await page.evaluate((key) => localStorage.getItem(key), `homework-portal/outbox/${CLIENT}`);
  await context.setOffline(false);
  await page.getByRole("status").filter({ hasText: "Sent. Your therapist can see it now." }).waitFor({ timeout: 15_000 });
  assert.equal(await page.locator("[data-outbox-state]").count(), 0, "the outbox is empty after the sync");
  let walks = await completionsOf(seeded.selfCare.name);
  assert.deepEqual(walks.map((c) => c.record.case === "selfCare" ? c.record.value.amount : -1), [25], "the offline completion was stored");
  // A second send of the same entry (a tab that died before it heard the answer): still once.
  await page.evaluate(([key, value]) => localStorage.setItem(key!, value!), [`homework-portal/outbox/${CLIENT}`, queued]);
  await open(); // the page dropped the token from its address: open it again
  await page.getByRole("heading", { name: /practices? to do today/ }).waitFor();
  await page.waitForFunction((key) => localStorage.getItem(key) === "[]", `homework-portal/outbox/${CLIENT}`, { timeout: 15_000 })
    .catch(async (error) => {
      console.error(`outbox: ${await page.evaluate((key) => localStorage.getItem(key), `homework-portal/outbox/${CLIENT}`)}`);
      throw error;
    });
  walks = await completionsOf(seeded.selfCare.name);
  assert.equal(walks.length, 1, "resending the queued entry (same request id) still stores exactly one completion");
});

step("a PHQ-9 item 9 answer above zero shows the crisis resources at once", async () => {
  await page.getByRole("tab", { name: "Check-ins" }).click();
  await page.getByRole("button", { name: "Start: PHQ-9 check-in" }).click();
  await page.getByRole("radio", { name: "I did it" }).check();
  const answers = [1, 2, 1, 2, 0, 1, 1, 0, 1];
  for (const [i, score] of answers.entries()) {
    await page.locator(`input[name="measure.item_scores[${i}]"][value="${score}"]`).check();
    if (i === 8) {
      const crisis = page.locator("[data-crisis]");
      await crisis.waitFor({ timeout: 2_000 });
      assert.equal(await crisis.getAttribute("role"), "alert", "the crisis resources are announced (role=alert)");
      assert.ok((await crisis.textContent() ?? "").includes("988"), "the configured crisis line is shown");
    }
  }
  await shot("05-phq9-crisis");
  await axe("the PHQ-9 with crisis resources");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("status").filter({ hasText: "Saved. Thank you." }).waitFor();
  const phq = (await completionsOf(seeded.phq9.name))[0]?.record;
  assert.deepEqual(phq?.case === "measure" ? [phq.value.itemScores, phq.value.total, phq.value.urgent] : [],
    [answers, 9, true], "the stored PHQ-9: answers, total, urgent");
});

step("Progress shows the therapist's feedback and the stored figures (calendar, weeks, streak, SUDS chart)", async () => {
  // The therapist reviews the exposure practice; the client sees the feedback and the progress.
  assert.ok(exposures[0], "the exposure practice was stored");
  await therapist.reviewCompletion({ name: exposures[0].name, etag: exposures[0].etag,
    review: { qualityRating: 4, feedback: "You stayed until it dropped. Well done." } });
  await open(); // the page dropped the token from its address: open it again
  await page.getByRole("tab", { name: "Progress" }).click();
  await page.getByText("You stayed until it dropped. Well done.").waitFor();
  const today = localDay(new Date());
  for (const assignment of [seeded.thoughtRecord, seeded.exposure, seeded.mood]) {
    const stored = (await completionsOf(assignment.name)).filter((c) =>
      c.status !== Completion_Status.SKIPPED && c.occurTime && localDay(new Date(Number(c.occurTime.seconds) * 1000)) === today);
    const cell = page.locator(`table[data-calendar="${assignment.name}"] td[data-day="${today}"]`);
    assert.equal(Number(await cell.getAttribute("data-done")), stored.length,
      `the calendar's today for "${assignment.title}" matches the stored completions`);
  }
  const summary = await alex.getReviewSummary({ client: CLIENT });
  // A weekly practice's calendar has a row per week, never days: this week's row holds the
  // service's count for the current period.
  for (const assignment of [seeded.selfCare, seeded.experiment]) {
    const current = summary.assignments.find((r) => r.assignment?.name === assignment.name)?.adherence?.currentPeriod;
    const calendar = page.locator(`table[data-calendar="${assignment.name}"]`);
    assert.equal(await calendar.getAttribute("data-period"), "week", `"${assignment.title}" is drawn in weeks`);
    assert.equal(await calendar.locator("td[data-day]").count(), 0, `"${assignment.title}" has no day cells`);
    const row = calendar.locator(`tr[data-first-day="${current?.firstDay}"]`);
    assert.deepEqual([await row.getAttribute("data-completed"), await row.getAttribute("data-expected")],
      [String(current?.completedCount), String(current?.expectedCount)], `"${assignment.title}": this week as the service counts it`);
  }
  const moodReview = summary.assignments.find((r) => r.assignment?.name === seeded.mood.name);
  assert.equal(await page.locator(`section[data-progress="${seeded.mood.name}"] [data-streak]`).textContent(),
    `Streak: ${moodReview?.adherence?.streak ?? -1} ${moodReview?.adherence?.streak === 1 ? "day" : "days"}`,
    "the streak matches GetReviewSummary");
  const chartRows = await page.locator("hw-suds-chart table tbody tr").evaluateAll((rows) =>
    rows.map((row) => Array.from(row.querySelectorAll("td"), (td) => td.textContent?.trim())));
  assert.deepEqual(chartRows, [["60", "75", "35"]], "the SUDS chart's data table holds the stored ratings");
  assert.ok((await page.locator("hw-suds-chart svg[role=img]").getAttribute("aria-label") ?? "")
    .includes("Brief eye contact with a stranger"), "the chart is named after the hierarchy step");
  await shot("06-progress");
  await axe("Progress");
  await page.getByRole("tab", { name: "Check-ins" }).click();
  await axe("Check-ins");
});

step("ArrowLeft selects the previous tab", async () => {
  await page.getByRole("tab", { name: "Check-ins" }).focus();
  await page.keyboard.press("ArrowLeft");
  assert.equal(await page.getByRole("tab", { name: "Progress" }).getAttribute("aria-selected"), "true",
    "ArrowLeft selects the previous tab");
});

step("in Spanish every built-in text comes from the Spanish catalogue", async () => {
  const spanish = await context.newPage();
  await spanish.goto(`${suite.page$.origin}/?lang=es#token=${clientToken}`);
  await spanish.getByRole("heading", { name: "Mi práctica" }).waitFor();
  assert.ok(await spanish.getByRole("tab", { name: "Progreso" }).isVisible(), "the tabs are in Spanish");
  await spanish.getByRole("tab", { name: "Cuestionarios" }).click();
  await spanish.getByRole("button", { name: "Empezar: GAD-7 check-in" }).click();
  assert.ok(await spanish.getByText("Ha tenido dificultad para relajarse").isVisible(), "the GAD-7 items are in Spanish");
  await spanish.screenshot({ path: path.join(suite.shots, "07-spanish-gad7.png"), fullPage: true });
  const spanishAxe = await new AxeBuilder({ page: spanish }).analyze();
  assert.deepEqual(spanishAxe.violations.map((v) => v.id), [], "axe finds no violations in Spanish");
});

step("the therapist's review panel in a Spanish page speaks Spanish", async () => {
  // The same catalogues: mounted in a Spanish page of the same origin, over the Connect API with
  // the therapist's token.
  const panelPage = await context.newPage();
  panelPage.on("pageerror", (error) => pageErrors.push(error.message));
  panelPage.on("console", (message) => consoleLines.push(`review panel page ${message.type()}: ${message.text()}`));
  failureShot = async () => {
    await panelPage.screenshot({ path: path.join(suite.shots, "failure.png"), fullPage: true }).catch(() => {});
    console.error(`page console:\n${consoleLines.join("\n")}\npage errors: ${pageErrors.join("; ")}`);
  };
  // The page itself is made here (routed on the page server's origin); the bundle and the API
  // come from the real page server.
  const panelUrl = `${suite.page$.origin}/review-es.html`;
  await panelPage.route(panelUrl, (route) => route.fulfill({ contentType: "text/html; charset=utf-8",
    body: reviewPanelHtml({ token: suite.server.token(THERAPIST, "therapist"), client: CLIENT, lang: "es",
      title: "Revisión", heading: "Consulta" }) }));
  await panelPage.goto(panelUrl);
  const reviewPanel = panelPage.locator("homework-review-panel");
  await reviewPanel.getByRole("heading", { name: "Desde la última sesión", exact: true }).waitFor();
  await reviewPanel.locator("[data-unreviewed]").filter({ hasText: "por revisar" }).waitFor();
  assert.ok(await reviewPanel.getByRole("heading", { name: /^Por revisar/ }).isVisible(),
    "the review panel's sections are in Spanish");
  assert.ok(await reviewPanel.getByText("Registro de pensamientos").first().isVisible(),
    "the thought record to discuss is introduced in Spanish");
  assert.ok(await reviewPanel.getByRole("button", { name: "Marcar como revisado" }).first().isVisible(),
    "the review form is in Spanish");
  await panelPage.screenshot({ path: path.join(suite.shots, "08-spanish-review-panel.png"), fullPage: true });
  const panelAxe = await new AxeBuilder({ page: panelPage }).analyze();
  assert.deepEqual(panelAxe.violations.map((v) => v.id), [], "axe finds no violations in the Spanish review panel");
});

step("nothing failed in the pages, nothing clinical or secret in the server's log", async () => {
  assert.deepEqual(pageErrors, [], "no uncaught errors in the page");
  assert.ok(!suite.server.log().includes("Team meeting"), "the thought record is not logged");
  assert.ok(!suite.server.log().includes(clientToken), "the token is not logged");
});
