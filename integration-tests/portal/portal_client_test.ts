// The client's side of issue 11 in real headless Chromium against the real homework-server,
// through the example page (examples/portal/) and small host pages made here:
// - an exposure practice is refused at the field without SUDS before, peak and after when done
//   or partly done (an untouched slider reads "not rated yet"), and the two-minute version is
//   saved without them, as the service allows;
// - the SUDS chart's peak series is a line, not a filled wedge, with 3+ practices, and its hidden
//   data table widens nothing (portal Progress, the therapist's review panel);
// - every practice on Today and its form shows the instructions, why it helps and the plan;
// - a completion waiting in the outbox shows as "saved on this device, sending" on Today;
// - the token comes from the host's getToken(); a refused token fires homework-token-expired,
//   the host refreshes it and the call is resent once; a reload keeps working; without a token
//   the portal says plainly that the client is not signed in.
// Every view touched is checked for horizontal overflow and with axe at 360 px and 1280 px, in
// English and Spanish, and screenshotted (<output>/client-*.png).
// The steps are node:test tests run in order over one browser context.
// Run: tsx portal_client_test.ts --server P --ctl P --output DIR
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Page, type Browser, type BrowserContext, type Locator } from "playwright-core";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Completion_Status } from "../../plugin/web/src/gen/therapy/homework/v1/completion_pb.js";
import type { HomeworkClient } from "../../plugin/web/src/client/homework-client.js";
import { CLIENT, CLIENT_ID, THERAPIST, TIME_ZONE, seed, type Seeded } from "./fixture.js";
import { looker } from "./look.js";
import { CHROMIUM_ARGS, reviewPanelHtml, startBrowserSuite, type BrowserSuite } from "./browser_suite.js";

const OUTBOX = `homework-portal/outbox/${CLIENT}`;

let suite: BrowserSuite;
let otherKeys: string | undefined;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
let seeded: Seeded;
let clientToken: string;
let alex: HomeworkClient;
let staleToken: string;
const pageErrors: string[] = [];
/** Stored before the exposure steps, so each can tell that it stored nothing. */
let storedBefore = 0;
/** The portal's figures on Progress, which the therapist's review must repeat. */
let portalFigures: unknown[][] = [];
const completionsOf = async (assignment: string) => (await alex.listCompletions({ parent: assignment })).completions;
const watch = (target: Page) => target.on("pageerror", (error) => pageErrors.push(error.message));
/** At 360 and 1280 px: no horizontal overflow, axe clean, a full-page screenshot. */
const look = (target: Page, name: string) => looker(suite.shots, "client")(target, name);
/** The text of the element a control's aria-describedby names first, in its own (shadow) root. */
const describedBy = (control: Locator) => control.evaluate((el) => {
  const ids = (el.getAttribute("aria-describedby") ?? "").split(/\s+/).filter(Boolean);
  const root = el.getRootNode() as Document | ShadowRoot;
  return ids.map((id) => root.getElementById(id)?.textContent?.trim() ?? `(missing #${id})`);
});
const isFocused = (control: Locator) => control.evaluate((el) => el.matches(":focus"));
const part = (scope: Locator, name: string) => scope.locator(`dd[data-part="${name}"]`).first().textContent();
/** The exposure's brief in `scope`: situation, instructions, why it helps, the plan. */
const brief = async (scope: Locator, where: string) => {
  assert.deepEqual(await part(scope, "situation"), "Brief eye contact with a stranger", `${where}: the situation`);
  assert.deepEqual(await part(scope, "instructions"),
    "Look a passer-by in the eye for two seconds. Stay until your distress has clearly dropped.", `${where}: the instructions`);
  assert.deepEqual(await part(scope, "rationale"),
    "Staying in the situation teaches you that the distress passes and the feared outcome rarely comes.", `${where}: why this helps`);
  assert.deepEqual(await part(scope, "anchor"), "on my way to the bakery", `${where}: the plan in the client's words`);
  assert.deepEqual(await part(scope, "minimum"), "Two minutes, just start", `${where}: the two-minute version`);
};
/** The exposure form's SUDS sliders: before, peak, after. */
const slidersOf = (target: Page) => [target.getByLabel("Distress before (SUDS)"), target.getByLabel("Highest distress (SUDS)"),
  target.getByLabel("Distress at the end (SUDS)")];
/** The peak series of a SUDS chart: its fill, how many points, its stroke. */
const peakLine = async (scope: Locator) => scope.locator("figure > svg polyline.line.peak").evaluate((el) => {
  const style = getComputedStyle(el);
  return [style.fill, el.getAttribute("points")?.split(" ").length ?? 0, style.stroke] as const;
});
/** The adherence figures each practice in `scope` shows (portal Progress or the review panel). */
const figuresIn = async (scope: Locator) => scope.evaluateAll((nodes) => nodes.map((node) => {
  const since = node.querySelector("[data-since-period]");
  const streak = node.querySelector("[data-streak]");
  const current = node.querySelector("[data-current-period]");
  return [node.getAttribute("data-progress") ?? node.getAttribute("data-assignment"),
    node.querySelector("[data-adherence]")?.getAttribute("data-period"),
    since?.getAttribute("data-completed"), since?.getAttribute("data-expected"), since?.getAttribute("data-periods"),
    current?.getAttribute("data-completed") ?? null, current?.getAttribute("data-expected") ?? null,
    streak?.getAttribute("data-streak"), since?.textContent?.trim(), streak?.textContent?.trim()];
}));

before(async () => {
  suite = await startBrowserSuite();
  const { binaries, server } = suite;
  otherKeys = mkdtempSync(path.join(tmpdir(), "portal-other-key-"));
  seeded = await seed(server);
  clientToken = server.token(CLIENT_ID, "client");
  alex = server.stub(clientToken);
  // A token the service refuses (UNAUTHENTICATED): signed by a key it does not know, as a token
  // from before a key rotation would be. (An expired one needs the verifier's 60 s leeway.)
  execFileSync(binaries.ctl, ["keygen", "--out_dir", otherKeys, "--kid", "dev-1"], { stdio: "pipe" });
  staleToken = execFileSync(binaries.ctl, ["token", "--key", path.join(otherKeys, "signing-key.pem"),
    "--sub", CLIENT_ID, "--role", "client", "--practice", "demo"], { encoding: "utf8" }).trim();

  // Three earlier practices of the exposure step, so the chart has 3+ points per series.
  const day = 86_400_000;
  for (const [daysAgo, suds, peak, end] of [[3, 60, 80, 40], [2, 55, 70, 30], [1, 50, 65, 20]] as const) {
    await alex.createCompletion({ parent: seeded.exposure.name, completion: {
      occurTime: timestampFromDate(new Date(Date.now() - daysAgo * day)), occurTimeZone: TIME_ZONE,
      status: Completion_Status.DONE, suds: { before: suds, peak, after: end }, minutes: 30 } });
  }

  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 360, height: 800 }, timezoneId: TIME_ZONE });
});

after(async () => {
  await browser?.close();
  await suite?.stop();
  if (otherKeys) rmSync(otherKeys, { recursive: true, force: true });
});

test("without a token the page says plainly that the client is not signed in", async () => {
  // ---- 5. Not signed in: the example page without a token says so, never "Loading…" forever.
  page = await context.newPage();
  watch(page);
  await page.goto(`${suite.page$.origin}/`);
  const signedOut = page.locator('[data-sign-in="signed-out"]');
  await signedOut.waitFor({ timeout: 10_000 });
  assert.deepEqual((await signedOut.locator("p").textContent())?.trim(),
    "You are not signed in. Sign in on your care provider's site to see your practice.", "no token: not signed in, plainly");
  assert.deepEqual(await page.getByText("Loading…").count(), 0, "no token: not left on Loading…");
  assert.deepEqual(await page.getByText(/check your connection/i).count(), 0, "no token: not blamed on the connection");
  await look(page, "signed-out");
});

test("a refused token the host cannot refresh ends the sign-in", async () => {
  // A refused token the host cannot refresh (the example page forgets it on expiry): the sign-in ended.
  await page.evaluate((token) => sessionStorage.setItem("example-portal/token", token), staleToken);
  await page.reload();
  const ended = page.locator('[data-sign-in="ended"]');
  await ended.waitFor({ timeout: 10_000 });
  assert.ok((await ended.textContent() ?? "").includes("Your sign-in has ended."), "a refused token: the sign-in has ended");
  assert.deepEqual(await page.getByRole("tab").count(), 0, "no views to click while signed out");
  assert.deepEqual(await page.getByText(/check your connection/i).count(), 0, "a refused token: not blamed on the connection");
  assert.deepEqual(await page.evaluate(() => sessionStorage.getItem("example-portal/token")), null,
    "the example host handled homework-token-expired (forgot its token)");
  await look(page, "sign-in-ended");
});

test("a refused token is refreshed through the host (homework-token-expired, getToken) and the call resent once", async () => {
  // ---- 5. getToken() and a refresh through the host: a routed host page of the same origin.
  // The first token is refused; on homework-token-expired the host fetches a fresh one
  // (waitUntil), and the portal resends the refused call once with it.
  const hostUrl = `${suite.page$.origin}/host.html`;
  let tokenRequests = 0;
  await context.route(`${suite.page$.origin}/fresh-token`, (route) => { tokenRequests++; return route.fulfill({ body: clientToken }); });
  await context.route(hostUrl, (route) => route.fulfill({ contentType: "text/html; charset=utf-8", body: `<!doctype html>
    <html lang="en"><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>Host</title></head>
    <body><main><h1>Host</h1><homework-portal></homework-portal></main>
    <script type="module">
      import "/dist/portal.js";
      let token = ${JSON.stringify(staleToken)};
      window.expiredEvents = 0;
      window.tokenCalls = 0;
      const portal = document.querySelector("homework-portal");
      portal.addEventListener("homework-token-expired", (event) => {
        window.expiredEvents++;
        event.detail.waitUntil(fetch("/fresh-token").then((r) => r.text()).then((fresh) => { token = fresh; }));
      });
      portal.getToken = async () => { window.tokenCalls++; return token; };
      portal.apiBaseUrl = location.origin;
    </script></body></html>` }));
  const host = await context.newPage();
  watch(host);
  await host.goto(hostUrl);
  await host.getByRole("heading", { name: /practices? to do today/ }).waitFor({ timeout: 15_000 });
  assert.deepEqual(await host.evaluate(() => (window as unknown as { expiredEvents: number }).expiredEvents), 1,
    "one homework-token-expired for the calls refused together");
  assert.deepEqual(tokenRequests, 1, "the host refreshed its token once");
  assert.ok(await host.evaluate(() => (window as unknown as { tokenCalls: number }).tokenCalls) >= 2,
    "the portal asked getToken() again after the refresh");
  await host.close();
});

test("a reload keeps working after the token left the address bar", async () => {
  // ---- 5. Reload: the example page keeps working after the token left the address bar.
  await page.goto("about:blank");
  await page.goto(`${suite.page$.origin}/#token=${clientToken}`);
  await page.getByRole("heading", { name: /practices? to do today/ }).waitFor();
  assert.ok(!page.url().includes("token"), "the token left the address bar");
  await page.reload();
  await page.getByRole("heading", { name: /practices? to do today/ }).waitFor({ timeout: 10_000 });
  assert.deepEqual(await page.getByText("Loading…").count(), 0, "after a reload Today shows, not Loading…");
});

test("Today's exposure card shows the instructions, why this helps and the plan in the client's words", async () => {
  // ---- 3. Today: instructions, why this helps and the plan in the client's words.
  const exposureCard = page.locator(`li[data-assignment="${seeded.exposure.name}"]`);
  await brief(exposureCard, "Today's exposure card");
  assert.ok(await exposureCard.getByText("Why this helps").isVisible(), "the rationale is labelled \"Why this helps\"");
  await look(page, "today");
});

test("a done exposure without SUDS is refused at the sliders and stores nothing", async () => {
  // ---- 1. Exposure without SUDS: refused at the fields, nothing stored.
  storedBefore = (await completionsOf(seeded.exposure.name)).length;
  await page.getByRole("button", { name: "Start: Eye contact practice" }).click();
  const form = page.locator("hw-completion-form");
  await brief(form, "the exposure form");
  const sliders = slidersOf(page);
  for (const slider of sliders) {
    assert.deepEqual(await slider.getAttribute("aria-valuetext"), "Not rated yet", "an untouched slider reads \"Not rated yet\"");
    assert.deepEqual(await slider.getAttribute("data-rated"), "false", "an untouched slider is not a rating");
  }
  assert.deepEqual(await form.locator(".slider output").first().textContent(), "Not rated yet", "the visible value says not rated, not 50");
  await page.getByRole("radio", { name: "I did it" }).check();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Please check the highlighted fields.").waitFor();
  for (const slider of sliders) {
    assert.deepEqual(await slider.getAttribute("aria-invalid"), "true", "an unrated SUDS slider is marked invalid");
    assert.deepEqual((await describedBy(slider))[0], "Not rated yet: move the slider to the number that fits.",
      "the slider's aria-describedby names the message at its field");
  }
  assert.ok(await isFocused(sliders[0]!), "focus moves to the first unrated slider");
  await look(page, "exposure-unrated");
  assert.deepEqual((await completionsOf(seeded.exposure.name)).length, storedBefore, "a done exposure without SUDS stored nothing");
});

test("a partly done exposure without SUDS is refused at the unrated slider and stores nothing", async () => {
  const sliders = slidersOf(page);
  // Partly done: the same.
  await page.getByRole("radio", { name: "I started it" }).check();
  await sliders[0]!.fill("40");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Please check the highlighted fields.").waitFor();
  assert.deepEqual(await sliders[0]!.getAttribute("aria-invalid"), "false", "the rated slider is fine");
  assert.deepEqual(await sliders[1]!.getAttribute("aria-invalid"), "true", "partly done: the unrated peak is refused");
  assert.ok(await isFocused(sliders[1]!), "focus moves to the first unrated slider (peak)");
  assert.deepEqual((await completionsOf(seeded.exposure.name)).length, storedBefore, "a partial exposure without SUDS stored nothing");
});

test("the two-minute version is stored without SUDS, as the service allows", async () => {
  // The two-minute version: the service allows it without SUDS, and so does the form.
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.getByRole("button", { name: "Start: Eye contact practice" }).click();
  await page.getByRole("radio", { name: /I did the two-minute version/ }).check();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("status").filter({ hasText: "Saved. Thank you." }).waitFor();
  const minimum = (await completionsOf(seeded.exposure.name)).filter((c) => c.status === Completion_Status.MINIMUM_VERSION);
  assert.deepEqual(minimum.map((c) => c.suds === undefined), [true], "the two-minute version is stored without SUDS");
});

test("a done exposure with all three rated is stored with the values moved to", async () => {
  const sliders = slidersOf(page);
  // Done with all three rated: stored with the values moved to.
  await page.getByRole("button", { name: "Start: Eye contact practice" }).click();
  await page.getByRole("radio", { name: "I did it" }).check();
  // A tap on the middle of an untouched slider is a rating of 50 (the value does not change, so
  // no input event: the click counts).
  await sliders[0]!.click();
  assert.deepEqual([await sliders[0]!.getAttribute("data-rated"), await sliders[0]!.getAttribute("aria-valuetext")],
    ["true", "50, waiting for a call"], "tapping the middle of an untouched slider rates 50");
  await sliders[0]!.fill("45");
  await sliders[1]!.fill("60");
  await sliders[2]!.fill("15");
  assert.deepEqual(await sliders[1]!.getAttribute("aria-valuetext"), "60, waiting for a call", "a moved slider reads its value and anchor");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("status").filter({ hasText: "Saved. Thank you." }).waitFor();
  const rated = (await completionsOf(seeded.exposure.name)).filter((c) => c.status === Completion_Status.DONE && c.suds?.after === 15);
  assert.deepEqual(rated.map((c) => [c.suds?.before, c.suds?.peak, c.suds?.after]), [[45, 60, 15]], "the rated exposure is stored");
});

test("offline, the saved mood waits in the outbox and Today says so; it is stored once back online", async () => {
  // ---- 4. Offline: the saved mood waits in the outbox and Today says so.
  await context.setOffline(true);
  await page.getByRole("button", { name: "Start: Mood check" }).click();
  await page.getByRole("radio", { name: "I did it" }).check();
  await page.getByLabel("Mood (0 worst, 10 best)").fill("6");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("status").filter({ hasText: "Saved on this device" }).waitFor();
  const moodCard = page.locator(`li[data-assignment="${seeded.mood.name}"]`);
  assert.deepEqual(await moodCard.getAttribute("data-pending"), "1", "the mood card counts its practice in the outbox");
  assert.deepEqual(await moodCard.locator("[data-progress-today]").textContent(),
    "Saved on this device, sending. Nothing more to do for now.", "Today says saved on this device, sending");
  assert.deepEqual(await moodCard.getByRole("button", { name: "Start: Mood check" }).count(), 0, "no Start again while it waits");
  assert.deepEqual(await moodCard.getByText("0 of 1 done").count(), 0, "the mood card does not say \"0 of 1 done\"");
  await look(page, "today-pending");
  assert.deepEqual((await completionsOf(seeded.mood.name)).length, 0, "nothing reached the service while offline");
  await context.setOffline(false);
  await page.getByRole("status").filter({ hasText: "Sent. Your therapist can see it now." }).waitFor({ timeout: 15_000 });
  assert.deepEqual(await moodCard.count(), 0, "once stored, the mood is done for today");
  assert.deepEqual((await completionsOf(seeded.mood.name)).map((c) => c.mood), [6], "the mood was stored once");
  assert.deepEqual(await page.evaluate((key) => localStorage.getItem(key), OUTBOX), "[]", "the outbox is empty");
});

test("Progress: the SUDS chart's peak series is a line, its table holds every rating, the figures are the service's", async () => {
  // ---- 2. Progress: the SUDS chart with 4 practices; peak is a line, the table widens nothing.
  await page.getByRole("tab", { name: "Progress" }).click();
  const chart = page.locator(`section[data-suds-step] hw-suds-chart`).first();
  await chart.waitFor();
  const [fill, points, stroke] = await peakLine(chart);
  assert.deepEqual(fill, "none", "the peak series is not filled");
  assert.ok(points >= 3, `the peak line has 3+ points (${points})`);
  assert.deepEqual(stroke, "rgb(179, 38, 30)", "the peak line is drawn in the peak colour");
  assert.deepEqual(await chart.locator("figure > svg polygon.peak").first().evaluate((el) => getComputedStyle(el).fill),
    "rgb(179, 38, 30)", "the peak markers stay filled");
  const rows = await chart.locator("table tbody tr").evaluateAll((trs) =>
    trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent?.trim())));
  assert.deepEqual(rows, [["60", "80", "40"], ["55", "70", "30"], ["50", "65", "20"], ["45", "60", "15"]],
    "the chart's table holds every stored rating, oldest first");
  await look(page, "progress");
  // One set of numbers: the service's figures per assignment, daily and weekly, as the portal
  // shows them; the therapist's review below must show the same.
  const weeklyAndDaily = [seeded.exposure.name, seeded.mood.name, seeded.selfCare.name, seeded.experiment.name];
  portalFigures = (await figuresIn(page.locator("section[data-progress]")))
    .filter((f) => weeklyAndDaily.includes(String(f[0]))).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  const apiSummary = await alex.getReviewSummary({ client: CLIENT });
  for (const figures of portalFigures) {
    const adherence = apiSummary.assignments.find((r) => r.assignment?.name === figures[0])?.adherence;
    assert.deepEqual(figures.slice(2, 5), [String(adherence?.completedCount), String(adherence?.targetCount),
      String(adherence?.periodsElapsed)], `the portal's figures for ${figures[0]} are the service's`);
  }
  assert.deepEqual(portalFigures.map((f) => f[1]),
    portalFigures.map((f) => (f[0] === seeded.selfCare.name || f[0] === seeded.experiment.name ? "week" : "day")),
    "weekly practices are counted in weeks, daily ones in days (all four shown)");
  assert.deepEqual(portalFigures.length, 4, "the four practices show their figures");
  assert.ok(portalFigures.filter((f) => f[1] === "week").every((f) => /weeks?\b/.test(String(f[8])) && /weeks?\b/.test(String(f[9]))),
    "a weekly practice's figures and streak say weeks, not days");
  await page.getByRole("tab", { name: "Check-ins" }).click();
  await look(page, "check-ins");
});

test("the therapist's docked review shows the same chart and the same figures as the portal", async () => {
  // The therapist's review panel docked in the right third of a session page at 1280 px (one
  // column at 360): the same chart, the same checks.
  const reviewUrl = `${suite.page$.origin}/review.html`;
  await context.route(reviewUrl, (route) => route.fulfill({ contentType: "text/html; charset=utf-8",
    body: reviewPanelHtml({ token: suite.server.token(THERAPIST, "therapist"), client: CLIENT, lang: "en",
      title: "Review", heading: "Session", docked: true }) }));
  const review = await context.newPage();
  watch(review);
  await review.setViewportSize({ width: 1280, height: 800 });
  await review.goto(reviewUrl);
  // Docked in a third of the page the panel is narrow: the hierarchy's chart waits behind its
  // one-line glance until opened.
  await review.locator('homework-review-panel details[data-section="hierarchies"] > summary').click({ timeout: 15_000 });
  const reviewChart = review.locator("homework-review-panel [data-hierarchy] hw-suds-chart").first();
  await reviewChart.waitFor({ timeout: 15_000 });
  assert.deepEqual((await peakLine(reviewChart))[0], "none", "the therapist's chart does not fill the peak series");
  const weeklyAndDaily = [seeded.exposure.name, seeded.mood.name, seeded.selfCare.name, seeded.experiment.name];
  const reviewFigures = (await figuresIn(review.locator("homework-review-panel [data-assignment]")))
    .filter((f) => weeklyAndDaily.includes(String(f[0]))).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  assert.deepEqual(reviewFigures, portalFigures, "the therapist's review shows the same figures, in the same words, as the portal");
  await look(review, "therapist-review");
  await review.close();
});

test("in Spanish the same views read from the Spanish catalogue", async () => {
  // ---- Spanish: the same views, the new texts from the Spanish catalogue.
  const es = await context.newPage();
  watch(es);
  await es.goto(`${suite.page$.origin}/?lang=es`);
  await es.locator('[data-sign-in="signed-out"]').waitFor();
  assert.ok((await es.locator('[data-sign-in="signed-out"]').textContent() ?? "").includes("No has iniciado sesión"),
    "not signed in, in Spanish");
  await look(es, "es-signed-out");
  await es.goto("about:blank");
  await es.goto(`${suite.page$.origin}/?lang=es#token=${clientToken}`);
  await es.getByRole("heading", { name: /para hoy/ }).waitFor();
  assert.ok(await es.locator(`li[data-assignment="${seeded.exposure.name}"]`).getByText("Por qué ayuda").isVisible(),
    "\"why this helps\" in Spanish");
  await look(es, "es-today");
  await es.getByRole("button", { name: "Empezar: Eye contact practice" }).click();
  await es.locator('hw-completion-form input[type="radio"][value="done"]').check();
  await es.locator('hw-completion-form button[type="submit"]').click();
  const esBefore = es.locator('hw-completion-form input[data-field="suds.before"]');
  await es.getByText("Sin valorar: mueve el control hasta el número que corresponda.").first().waitFor();
  assert.deepEqual(await esBefore.getAttribute("aria-invalid"), "true", "Spanish: the unrated slider is refused");
  assert.deepEqual(await esBefore.getAttribute("aria-valuetext"), "Sin valorar", "Spanish: not rated yet");
  await look(es, "es-exposure-unrated");
  await es.locator('hw-completion-form button[type="button"]').last().click();
  await es.getByRole("tab", { name: "Progreso" }).click();
  await es.locator("hw-suds-chart").first().waitFor();
  await look(es, "es-progress");
});

test("no uncaught errors in the pages; the token is not logged", async () => {
  assert.deepEqual(pageErrors, [], "no uncaught errors in the pages");
  assert.ok(!suite.server.log().includes(clientToken), "the token is not logged");
});

