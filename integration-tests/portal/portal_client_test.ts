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
// Run: tsx portal_client_test.ts --server P --ctl P --output DIR
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Page, type Browser, type Locator } from "playwright-core";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Completion_Status } from "../../plugin/web/src/gen/therapy/homework/v1/completion_pb.js";
import { CLIENT, CLIENT_ID, THERAPIST, TIME_ZONE, seed } from "./fixture.js";
import { looker } from "./look.js";
import { CHROMIUM_ARGS, reviewPanelHtml, startBrowserSuite } from "./portal_browser_test.js";

const OUTBOX = `homework-portal/outbox/${CLIENT}`;

async function main(): Promise<number> {
  const suite = await startBrowserSuite();
  if (!suite) return 1;
  const { binaries, shots, checks, server, page$ } = suite;
  const otherKeys = mkdtempSync(path.join(tmpdir(), "portal-other-key-"));
  let browser: Browser | undefined;
  const pageErrors: string[] = [];
  try {
    const seeded = await seed(server);
    const clientToken = server.token(CLIENT_ID, "client");
    const alex = server.stub(clientToken);
    const completionsOf = async (assignment: string) => (await alex.listCompletions({ parent: assignment })).completions;
    // A token the service refuses (UNAUTHENTICATED): signed by a key it does not know, as a token
    // from before a key rotation would be. (An expired one needs the verifier's 60 s leeway.)
    execFileSync(binaries.ctl, ["keygen", "--out_dir", otherKeys, "--kid", "dev-1"], { stdio: "pipe" });
    const staleToken = execFileSync(binaries.ctl, ["token", "--key", path.join(otherKeys, "signing-key.pem"),
      "--sub", CLIENT_ID, "--role", "client", "--practice", "demo"], { encoding: "utf8" }).trim();

    // Three earlier practices of the exposure step, so the chart has 3+ points per series.
    const day = 86_400_000;
    for (const [daysAgo, before, peak, after] of [[3, 60, 80, 40], [2, 55, 70, 30], [1, 50, 65, 20]] as const) {
      await alex.createCompletion({ parent: seeded.exposure.name, completion: {
        occurTime: timestampFromDate(new Date(Date.now() - daysAgo * day)), occurTimeZone: TIME_ZONE,
        status: Completion_Status.DONE, suds: { before, peak, after }, minutes: 30 } });
    }

    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 360, height: 800 }, timezoneId: TIME_ZONE });
    const watch = (page: Page) => page.on("pageerror", (error) => pageErrors.push(error.message));

    /** At 360 and 1280 px: no horizontal overflow, axe clean, a full-page screenshot. */
    const look = looker(checks, shots, "client");
    /** The text of the element a control's aria-describedby names first, in its own (shadow) root. */
    const describedBy = (control: Locator) => control.evaluate((el) => {
      const ids = (el.getAttribute("aria-describedby") ?? "").split(/\s+/).filter(Boolean);
      const root = el.getRootNode() as Document | ShadowRoot;
      return ids.map((id) => root.getElementById(id)?.textContent?.trim() ?? `(missing #${id})`);
    });
    const isFocused = (control: Locator) => control.evaluate((el) => el.matches(":focus"));

    // ---- 5. Not signed in: the example page without a token says so, never "Loading…" forever.
    const page = await context.newPage();
    watch(page);
    await page.goto(`${page$.origin}/`);
    const signedOut = page.locator('[data-sign-in="signed-out"]');
    await signedOut.waitFor({ timeout: 10_000 });
    checks.equal((await signedOut.locator("p").textContent())?.trim(),
      "You are not signed in. Sign in on your care provider's site to see your practice.", "no token: not signed in, plainly");
    checks.equal(await page.getByText("Loading…").count(), 0, "no token: not left on Loading…");
    checks.equal(await page.getByText(/check your connection/i).count(), 0, "no token: not blamed on the connection");
    await look(page, "signed-out");

    // A refused token the host cannot refresh (the example page forgets it on expiry): the sign-in ended.
    await page.evaluate((token) => sessionStorage.setItem("example-portal/token", token), staleToken);
    await page.reload();
    const ended = page.locator('[data-sign-in="ended"]');
    await ended.waitFor({ timeout: 10_000 });
    checks.expect((await ended.textContent() ?? "").includes("Your sign-in has ended."), "a refused token: the sign-in has ended");
    checks.equal(await page.getByRole("tab").count(), 0, "no views to click while signed out");
    checks.equal(await page.getByText(/check your connection/i).count(), 0, "a refused token: not blamed on the connection");
    checks.equal(await page.evaluate(() => sessionStorage.getItem("example-portal/token")), null,
      "the example host handled homework-token-expired (forgot its token)");
    await look(page, "sign-in-ended");

    // ---- 5. getToken() and a refresh through the host: a routed host page of the same origin.
    // The first token is refused; on homework-token-expired the host fetches a fresh one
    // (waitUntil), and the portal resends the refused call once with it.
    const hostUrl = `${page$.origin}/host.html`;
    let tokenRequests = 0;
    await context.route(`${page$.origin}/fresh-token`, (route) => { tokenRequests++; return route.fulfill({ body: clientToken }); });
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
    checks.equal(await host.evaluate(() => (window as unknown as { expiredEvents: number }).expiredEvents), 1,
      "one homework-token-expired for the calls refused together");
    checks.equal(tokenRequests, 1, "the host refreshed its token once");
    checks.expect(await host.evaluate(() => (window as unknown as { tokenCalls: number }).tokenCalls) >= 2,
      "the portal asked getToken() again after the refresh");
    await host.close();

    // ---- 5. Reload: the example page keeps working after the token left the address bar.
    await page.goto("about:blank");
    await page.goto(`${page$.origin}/#token=${clientToken}`);
    await page.getByRole("heading", { name: /practices? to do today/ }).waitFor();
    checks.expect(!page.url().includes("token"), "the token left the address bar");
    await page.reload();
    await page.getByRole("heading", { name: /practices? to do today/ }).waitFor({ timeout: 10_000 });
    checks.equal(await page.getByText("Loading…").count(), 0, "after a reload Today shows, not Loading…");

    // ---- 3. Today: instructions, why this helps and the plan in the client's words.
    const exposureCard = page.locator(`li[data-assignment="${seeded.exposure.name}"]`);
    const part = (scope: Locator, name: string) => scope.locator(`dd[data-part="${name}"]`).first().textContent();
    const brief = async (scope: Locator, where: string) => {
      checks.equal(await part(scope, "situation"), "Brief eye contact with a stranger", `${where}: the situation`);
      checks.equal(await part(scope, "instructions"),
        "Look a passer-by in the eye for two seconds. Stay until your distress has clearly dropped.", `${where}: the instructions`);
      checks.equal(await part(scope, "rationale"),
        "Staying in the situation teaches you that the distress passes and the feared outcome rarely comes.", `${where}: why this helps`);
      checks.equal(await part(scope, "anchor"), "on my way to the bakery", `${where}: the plan in the client's words`);
      checks.equal(await part(scope, "minimum"), "Two minutes, just start", `${where}: the two-minute version`);
    };
    await brief(exposureCard, "Today's exposure card");
    checks.expect(await exposureCard.getByText("Why this helps").isVisible(), "the rationale is labelled \"Why this helps\"");
    await look(page, "today");

    // ---- 1. Exposure without SUDS: refused at the fields, nothing stored.
    const storedBefore = (await completionsOf(seeded.exposure.name)).length;
    await page.getByRole("button", { name: "Start: Eye contact practice" }).click();
    const form = page.locator("hw-completion-form");
    await brief(form, "the exposure form");
    const sliders = [page.getByLabel("Distress before (SUDS)"), page.getByLabel("Highest distress (SUDS)"),
      page.getByLabel("Distress at the end (SUDS)")];
    for (const slider of sliders) {
      checks.equal(await slider.getAttribute("aria-valuetext"), "Not rated yet", "an untouched slider reads \"Not rated yet\"");
      checks.equal(await slider.getAttribute("data-rated"), "false", "an untouched slider is not a rating");
    }
    checks.equal(await form.locator(".slider output").first().textContent(), "Not rated yet", "the visible value says not rated, not 50");
    await page.getByRole("radio", { name: "I did it" }).check();
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Please check the highlighted fields.").waitFor();
    for (const slider of sliders) {
      checks.equal(await slider.getAttribute("aria-invalid"), "true", "an unrated SUDS slider is marked invalid");
      checks.equal((await describedBy(slider))[0], "Not rated yet: move the slider to the number that fits.",
        "the slider's aria-describedby names the message at its field");
    }
    checks.expect(await isFocused(sliders[0]!), "focus moves to the first unrated slider");
    await look(page, "exposure-unrated");
    checks.equal((await completionsOf(seeded.exposure.name)).length, storedBefore, "a done exposure without SUDS stored nothing");

    // Partly done: the same.
    await page.getByRole("radio", { name: "I started it" }).check();
    await sliders[0]!.fill("40");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Please check the highlighted fields.").waitFor();
    checks.equal(await sliders[0]!.getAttribute("aria-invalid"), "false", "the rated slider is fine");
    checks.equal(await sliders[1]!.getAttribute("aria-invalid"), "true", "partly done: the unrated peak is refused");
    checks.expect(await isFocused(sliders[1]!), "focus moves to the first unrated slider (peak)");
    checks.equal((await completionsOf(seeded.exposure.name)).length, storedBefore, "a partial exposure without SUDS stored nothing");

    // The two-minute version: the service allows it without SUDS, and so does the form.
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.getByRole("button", { name: "Start: Eye contact practice" }).click();
    await page.getByRole("radio", { name: /I did the two-minute version/ }).check();
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").filter({ hasText: "Saved. Thank you." }).waitFor();
    const minimum = (await completionsOf(seeded.exposure.name)).filter((c) => c.status === Completion_Status.MINIMUM_VERSION);
    checks.equal(minimum.map((c) => c.suds === undefined), [true], "the two-minute version is stored without SUDS");

    // Done with all three rated: stored with the values moved to.
    await page.getByRole("button", { name: "Start: Eye contact practice" }).click();
    await page.getByRole("radio", { name: "I did it" }).check();
    // A tap on the middle of an untouched slider is a rating of 50 (the value does not change, so
    // no input event: the click counts).
    await sliders[0]!.click();
    checks.equal([await sliders[0]!.getAttribute("data-rated"), await sliders[0]!.getAttribute("aria-valuetext")],
      ["true", "50, waiting for a call"], "tapping the middle of an untouched slider rates 50");
    await sliders[0]!.fill("45");
    await sliders[1]!.fill("60");
    await sliders[2]!.fill("15");
    checks.equal(await sliders[1]!.getAttribute("aria-valuetext"), "60, waiting for a call", "a moved slider reads its value and anchor");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").filter({ hasText: "Saved. Thank you." }).waitFor();
    const rated = (await completionsOf(seeded.exposure.name)).filter((c) => c.status === Completion_Status.DONE && c.suds?.after === 15);
    checks.equal(rated.map((c) => [c.suds?.before, c.suds?.peak, c.suds?.after]), [[45, 60, 15]], "the rated exposure is stored");

    // ---- 4. Offline: the saved mood waits in the outbox and Today says so.
    await context.setOffline(true);
    await page.getByRole("button", { name: "Start: Mood check" }).click();
    await page.getByRole("radio", { name: "I did it" }).check();
    await page.getByLabel("Mood (0 worst, 10 best)").fill("6");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").filter({ hasText: "Saved on this device" }).waitFor();
    const moodCard = page.locator(`li[data-assignment="${seeded.mood.name}"]`);
    checks.equal(await moodCard.getAttribute("data-pending"), "1", "the mood card counts its practice in the outbox");
    checks.equal(await moodCard.locator("[data-progress-today]").textContent(),
      "Saved on this device, sending. Nothing more to do for now.", "Today says saved on this device, sending");
    checks.equal(await moodCard.getByRole("button", { name: "Start: Mood check" }).count(), 0, "no Start again while it waits");
    checks.equal(await moodCard.getByText("0 of 1 done").count(), 0, "the mood card does not say \"0 of 1 done\"");
    await look(page, "today-pending");
    checks.equal((await completionsOf(seeded.mood.name)).length, 0, "nothing reached the service while offline");
    await context.setOffline(false);
    await page.getByRole("status").filter({ hasText: "Sent. Your therapist can see it now." }).waitFor({ timeout: 15_000 });
    checks.equal(await moodCard.count(), 0, "once stored, the mood is done for today");
    checks.equal((await completionsOf(seeded.mood.name)).map((c) => c.mood), [6], "the mood was stored once");
    checks.equal(await page.evaluate((key) => localStorage.getItem(key), OUTBOX), "[]", "the outbox is empty");

    // ---- 2. Progress: the SUDS chart with 4 practices; peak is a line, the table widens nothing.
    await page.getByRole("tab", { name: "Progress" }).click();
    const chart = page.locator(`section[data-suds-step] hw-suds-chart`).first();
    await chart.waitFor();
    const peakLine = async (scope: Locator) => scope.locator("figure > svg polyline.line.peak").evaluate((el) => {
      const style = getComputedStyle(el);
      return [style.fill, el.getAttribute("points")?.split(" ").length ?? 0, style.stroke] as const;
    });
    const [fill, points, stroke] = await peakLine(chart);
    checks.equal(fill, "none", "the peak series is not filled");
    checks.expect(points >= 3, `the peak line has 3+ points (${points})`);
    checks.equal(stroke, "rgb(179, 38, 30)", "the peak line is drawn in the peak colour");
    checks.equal(await chart.locator("figure > svg polygon.peak").first().evaluate((el) => getComputedStyle(el).fill),
      "rgb(179, 38, 30)", "the peak markers stay filled");
    const rows = await chart.locator("table tbody tr").evaluateAll((trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent?.trim())));
    checks.equal(rows, [["60", "80", "40"], ["55", "70", "30"], ["50", "65", "20"], ["45", "60", "15"]],
      "the chart's table holds every stored rating, oldest first");
    await look(page, "progress");
    // One set of numbers: the service's figures per assignment, daily and weekly, as the portal
    // shows them; the therapist's review below must show the same.
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
    const weeklyAndDaily = [seeded.exposure.name, seeded.mood.name, seeded.selfCare.name, seeded.experiment.name];
    const portalFigures = (await figuresIn(page.locator("section[data-progress]")))
      .filter((f) => weeklyAndDaily.includes(String(f[0]))).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    const apiSummary = await alex.getReviewSummary({ client: CLIENT });
    for (const figures of portalFigures) {
      const adherence = apiSummary.assignments.find((r) => r.assignment?.name === figures[0])?.adherence;
      checks.equal(figures.slice(2, 5), [String(adherence?.completedCount), String(adherence?.targetCount),
        String(adherence?.periodsElapsed)], `the portal's figures for ${figures[0]} are the service's`);
    }
    checks.equal(portalFigures.map((f) => f[1]),
      portalFigures.map((f) => (f[0] === seeded.selfCare.name || f[0] === seeded.experiment.name ? "week" : "day")),
      "weekly practices are counted in weeks, daily ones in days (all four shown)");
    checks.equal(portalFigures.length, 4, "the four practices show their figures");
    checks.expect(portalFigures.filter((f) => f[1] === "week").every((f) => /weeks?\b/.test(String(f[8])) && /weeks?\b/.test(String(f[9]))),
      "a weekly practice's figures and streak say weeks, not days");
    await page.getByRole("tab", { name: "Check-ins" }).click();
    await look(page, "check-ins");

    // The therapist's review panel docked in the right third of a session page at 1280 px (one
    // column at 360): the same chart, the same checks.
    const reviewUrl = `${page$.origin}/review.html`;
    await context.route(reviewUrl, (route) => route.fulfill({ contentType: "text/html; charset=utf-8",
      body: reviewPanelHtml({ token: server.token(THERAPIST, "therapist"), client: CLIENT, lang: "en",
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
    checks.equal((await peakLine(reviewChart))[0], "none", "the therapist's chart does not fill the peak series");
    const reviewFigures = (await figuresIn(review.locator("homework-review-panel [data-assignment]")))
      .filter((f) => weeklyAndDaily.includes(String(f[0]))).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    checks.equal(reviewFigures, portalFigures, "the therapist's review shows the same figures, in the same words, as the portal");
    await look(review, "therapist-review");
    await review.close();

    // ---- Spanish: the same views, the new texts from the Spanish catalogue.
    const es = await context.newPage();
    watch(es);
    await es.goto(`${page$.origin}/?lang=es`);
    await es.locator('[data-sign-in="signed-out"]').waitFor();
    checks.expect((await es.locator('[data-sign-in="signed-out"]').textContent() ?? "").includes("No has iniciado sesión"),
      "not signed in, in Spanish");
    await look(es, "es-signed-out");
    await es.goto("about:blank");
    await es.goto(`${page$.origin}/?lang=es#token=${clientToken}`);
    await es.getByRole("heading", { name: /para hoy/ }).waitFor();
    checks.expect(await es.locator(`li[data-assignment="${seeded.exposure.name}"]`).getByText("Por qué ayuda").isVisible(),
      "\"why this helps\" in Spanish");
    await look(es, "es-today");
    await es.getByRole("button", { name: "Empezar: Eye contact practice" }).click();
    await es.locator('hw-completion-form input[type="radio"][value="done"]').check();
    await es.locator('hw-completion-form button[type="submit"]').click();
    const esBefore = es.locator('hw-completion-form input[data-field="suds.before"]');
    await es.getByText("Sin valorar: mueve el control hasta el número que corresponda.").first().waitFor();
    checks.equal(await esBefore.getAttribute("aria-invalid"), "true", "Spanish: the unrated slider is refused");
    checks.equal(await esBefore.getAttribute("aria-valuetext"), "Sin valorar", "Spanish: not rated yet");
    await look(es, "es-exposure-unrated");
    await es.locator('hw-completion-form button[type="button"]').last().click();
    await es.getByRole("tab", { name: "Progreso" }).click();
    await es.locator("hw-suds-chart").first().waitFor();
    await look(es, "es-progress");

    checks.equal(pageErrors, [], "no uncaught errors in the pages");
    checks.expect(!server.log().includes(clientToken), "the token is not logged");
  } finally {
    await browser?.close();
    await suite.stop();
    rmSync(otherKeys, { recursive: true, force: true });
  }
  return checks.finish("portal_client_test");
}

main().then((code) => process.exit(code), (error) => {
  console.error(error);
  process.exit(1);
});
