// The in-session story on a video host that is not Janus (examples/any-host): the real
// homework-server, the example's host server (peer-to-peer WebRTC call, its own signalling, the
// homework-token handoff) and panels server (the frame page on another origin), and real headless
// Chromium with a fake camera and microphone: therapist (1280 px) and client (360 px) in two
// browser contexts, each page embedding the panels through the iframe SDK (homework-embed.js).
//
// --mode=test (CTest): asserts the story — the frames are sized to their content; the therapist
//   reviews the seeded week in the dock; shapes a draft the client sees; the client changes its
//   own plan fields and the therapist sees them live; the therapist assigns and the client sees
//   the assignment (stored active, in this session); video flows both ways; an iframe from an
//   origin not on the host's allowlist gets no token (never asked for, never in any message it
//   receives) and shows no data; a host page of an origin not on the panels' allowlist is refused
//   by the frame (by CSP frame-ancestors, and, without it, by the frame's own check); the
//   interpreter in the call (no homework role) sees "No homework for you in this session" and no
//   clinical data; axe 0 and no horizontal overflow at 360 and 1280 px on every page, English
//   and Spanish; screenshots in --output_dir. Then a short benchmark.
// --mode=bench: only the benchmark, --runs times (the full run: 30), as a table: the therapist's
//   keystroke in a draft field -> the client's panel shows it, and the assign click -> the
//   client's panel shows the assignment, beside a plain RTCDataChannel message between the two
//   peers (the baseline) and, for scale, the same text relayed by the host's signalling server,
//   measured in the same run.
//
//   node integration-tests/anyhost/anyhost_e2e.mjs --mode=bench --runs=30 \
//     --server_bin=B --ctl_bin=C [--output_dir=D]
// (B, C: the built homework-server and homework-ctl.) Exits 0 when every check passed.

import assert from "node:assert/strict";
import { mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";
import { freePorts, startService } from "../../examples/telehealth-session/start.mjs";
import { seedDemo } from "../../examples/telehealth-session/seed.mjs";
import { callPeople, panelsOrigins, startAnyHost } from "../../examples/any-host/start.mjs";
import { startPanelsServer } from "../../examples/any-host/panels-server.mjs";
import { startHostServer } from "../../examples/any-host/host-server.mjs";
import { latencyTable, median } from "../latency.mjs";

const flags = Object.fromEntries(process.argv.slice(2).map((arg) => {
  const [name, ...value] = arg.replace(/^--/, "").split("=");
  return [name, value.join("=")];
}));
const mode = flags.mode ?? "test";
const runs = Number(flags.runs ?? (mode === "bench" ? 30 : 5));
const outputDir = path.resolve(flags.output_dir ?? path.join(os.tmpdir(), "homework-anyhost-output"));
for (const required of ["server_bin", "ctl_bin"]) {
  if (!flags[required]) throw new Error(`--${required} is required`);
}

// Peer-to-peer on one machine: Chromium leaves loopback out of ICE unless told otherwise.
const chromiumArgs = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
  "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns"];

let service;
let serviceOptions;
let anyHost;
let browser;
let failed = false;
const closers = [];
try {
  const workDir = path.join(outputDir, `${mode}-run`);
  await rm(workDir, { recursive: true, force: true });
  await mkdir(outputDir, { recursive: true });
  // Every port picked at once, the service's own too: a port left to the kernel may be one just freed.
  const [host, panels, grpc, api] = await freePorts(4);
  const ports = { host, panels };
  // The test restarts the service mid-draft, so its store is a file; the benchmark keeps to memory.
  serviceOptions = { serverBin: flags.server_bin, ctlBin: flags.ctl_bin, workDir, ports: { grpc, api },
    store: mode === "test" ? `sqlite:${path.join(workDir, "homework.db")}` : "memory:", corsOrigins: panelsOrigins(ports) };
  service = await startService(serviceOptions);
  const seeded = await seedDemo(service.callService, service.tokens);
  // Only the host's own origin may embed the panels, so a host server on another port is a stranger.
  anyHost = await startAnyHost({ service, seeded, ports, parentHosts: ["127.0.0.1"] });
  console.log(`# service, host ${anyHost.hostUrl} and panels ${anyHost.panelsOrigin} up; logs in ${workDir}`);
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: chromiumArgs });

  const therapist = await openCall(anyHost.therapistUrl, { width: 1280, height: 900 });
  const client = await openCall(anyHost.clientUrl, { width: 360, height: 800 });
  await bothConnected(therapist, client);
  check("therapist and client pages are in the call, each with the panels' frame mounted", true);

  if (mode === "test") await story(therapist, client, seeded);
  // The client's frame shows each change from the event that carries it (include_assignments):
  // no GetAssignment while the therapist types and assigns. The therapist's edits go over the
  // live session's WebSocket, not fetch.
  const clientReads = countCalls(client, "GetAssignment");
  const therapistUpdates = countCalls(therapist, "UpdateAssignment");
  const results = await benchmark(therapist, client, runs, { service, session: anyHost.session, client: seeded.client, pageUrl: `${anyHost.panelsUrl}/homework-frame.html` });
  printTable(results, runs);
  console.log(`# GetAssignment calls by the client's frame during the benchmark: ${clientReads.total()}`);
  console.log(`# the therapist's UpdateAssignment calls: ${therapistUpdates.socket} over the live socket, ${therapistUpdates.fetch} over fetch`);
  if (mode === "test") {
    assert.equal(clientReads.total(), 0, "the client's frame read an assignment again instead of taking it from its event");
    check("the client's frame took every change from its event, without GetAssignment", true);
    assert.ok(therapistUpdates.socket >= runs && therapistUpdates.fetch === 0,
      `UpdateAssignment: ${therapistUpdates.socket} over the socket, ${therapistUpdates.fetch} over fetch`);
    check("the panels' calls in the session went over the live session's WebSocket (/live/v1), none over fetch", true);
    // Bound medians, never maxima (platform-notes.md).
    assert.ok(median(results.assign) < 1000, `median assign -> client ${median(results.assign)} ms`);
    assert.ok(median(results.keystroke) < 1000, `median keystroke -> client ${median(results.keystroke)} ms`);
    check("median keystroke-to-client and assign-to-client under 1 s", true);
  }
} catch (error) {
  failed = true;
  console.error(`FAIL: ${error.stack ?? error}`);
  for (const [index, page] of (browser?.contexts() ?? []).flatMap((c) => c.pages()).entries()) {
    await page.screenshot({ path: path.join(outputDir, `failure-${index}.png`), fullPage: true }).catch(() => {});
  }
} finally {
  await browser?.close();
  for (const close of closers) await close();
  await anyHost?.stop();
  await service?.stop();
}
process.exit(failed ? 1 : 0);

/**
 * A browser context with camera and microphone whose every frame records the messages it
 * receives (window.__messagesSeen), to prove where tokens went.
 */
async function newContext(viewport) {
  const context = await browser.newContext({ viewport, permissions: ["camera", "microphone"] });
  // Generous waits: two or three video peers encode on 2 cores the other builds share.
  context.setDefaultTimeout(60_000);
  await context.addInitScript(() => {
    window.__messagesSeen = [];
    window.addEventListener("message", (e) => { window.__messagesSeen.push(JSON.stringify(e.data ?? null)); }, true);
    // For the benchmark: when a socket of this frame receives a message holding
    // window.__socketAwaits.text (its listener comes before the page's own).
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener("message", (message) => {
          const awaits = window.__socketAwaits;
          if (awaits && typeof message.data === "string" && message.data.includes(awaits.text)) {
            window.__socketAwaits = undefined;
            awaits.resolve(performance.timeOrigin + performance.now());
          }
        });
      }
    };
  });
  return context;
}

/** A call page in its own browser context, joined (its homework frame may still be loading). */
async function openCall(url, viewport) {
  const page = await (await newContext(viewport)).newPage();
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  page.sockets = [];
  page.on("websocket", (socket) => page.sockets.push(socket));
  await page.goto(url);
  await page.waitForFunction(() => window.anyHost?.ready || window.anyHost?.error, null, { timeout: 20_000 });
  assert.equal(await page.evaluate(() => window.anyHost.error), "", `page ${url}`);
  return page;
}

/** The homework frame (playwright Frame) of a call page: the first iframe, once it has mounted or refused. */
async function homeworkFrame(page, index = 0) {
  const handle = await page.locator("#homework iframe").nth(index).elementHandle();
  const frame = await handle.contentFrame();
  await frame.waitForFunction(() => window.homeworkFrame && window.homeworkFrame.state !== "connecting", null, { timeout: 20_000 });
  return frame;
}

async function bothConnected(therapist, client) {
  for (const page of [therapist, client]) {
    const frame = await homeworkFrame(page);
    assert.equal(await frame.evaluate(() => window.homeworkFrame.state), "mounted");
  }
}

/** The acceptance story, in the order a session runs. */
async function story(therapist, client, seeded) {
  const tFrame = await homeworkFrame(therapist);
  const cFrame = await homeworkFrame(client);
  assert.equal(new URL(tFrame.url()).origin, anyHost.panelsOrigin);
  assert.notEqual(new URL(therapist.url()).origin, anyHost.panelsOrigin);
  check("the panels run in a frame from another origin than the host page", true);

  const dock = tFrame.locator("homework-therapist-dock");
  const review = tFrame.locator("homework-review-panel");
  const assign = tFrame.locator("homework-assign-panel");
  const clientPanel = cFrame.locator("homework-session-panel");

  // Review: the seeded week's completions in the dock the frame wired itself.
  for (const completion of seeded.completions) {
    await review.locator(`li.card[data-completion="${completion.name}"]`).first().waitFor({ state: "attached" });
  }
  check(`therapist reviews: the dock shows the ${seeded.completions.length} seeded completions`, true);

  // The iframe follows its content's height (the frame posts it; the SDK sets it).
  const heights = await therapist.evaluate(() => {
    const iframe = document.querySelector("#homework iframe");
    return { iframe: iframe.getBoundingClientRect().height };
  });
  const content = await tFrame.evaluate(() => Math.ceil(document.getElementById("homework-root").getBoundingClientRect().height));
  assert.ok(heights.iframe > 200 && Math.abs(heights.iframe - content) <= 2, `iframe ${heights.iframe} px, content ${content} px`);
  check(`the iframe is as tall as the dock inside it (${content} px)`, true);

  // The therapist shapes a draft from a template; the client sees it.
  await dock.getByRole("tab", { name: "Assign" }).click();
  const title = await useTemplate(assign, 0);
  await clientPanel.locator("section.draft h3", { hasText: title }).waitFor();
  await assign.locator("#t-cue").fill("Kettle on in the morning");
  await clientPanel.locator('section.draft dd[data-part="cue"]', { hasText: "Kettle on in the morning" }).waitFor();
  check("therapist shapes a draft: the client's panel shows it and the cue as typed", true);

  // The client changes its own plan fields; the therapist sees them live.
  await clientPanel.locator("#c-time").fill("07:30");
  await clientPanel.locator("#c-min").fill("One slow breath at the kettle");
  await tFrame.waitForFunction(() => {
    const panel = document.querySelector("homework-therapist-dock homework-assign-panel") ?? document.querySelector("homework-assign-panel");
    return panel?.shadowRoot?.querySelector("#t-time")?.value === "07:30" &&
      panel.shadowRoot.querySelector("#t-min")?.value === "One slow breath at the kettle";
  }, null, { timeout: 10_000 });
  check("the client changes its time and two-minute version; the therapist's form shows both", true);

  // The service is killed (SIGKILL) and started again on the same store and ports. The therapist
  // types while it is down: the edit waits in the frame and goes out once its socket is back.
  // Both frames open new sockets and join again by themselves; the draft is intact and the
  // co-design goes on both ways.
  const liveSockets = (page) => page.sockets.filter((socket) => socket.url().endsWith("/live/v1") && !socket.isClosed());
  const open = [...liveSockets(therapist), ...liveSockets(client)];
  assert.ok(open.length >= 2, `live sockets open before the restart: ${open.length}`);
  const child = service.children[0];
  child.kill("SIGKILL");
  await child.exited;
  await Promise.all(open.map((socket) => socket.isClosed() ? undefined : socket.waitForEvent("close")));
  const reconnecting = "Connection to the homework service lost. Reconnecting…";
  // The therapist's panel says it at its top, in view however far the form is scrolled.
  await assign.locator("p[data-connection]", { hasText: reconnecting }).waitFor();
  await clientPanel.locator("p.status", { hasText: reconnecting }).waitFor();
  // The reconnecting status as each person sees it, at both widths (axe and overflow too).
  await looks(therapist, "therapist-reconnecting");
  await looks(client, "client-reconnecting");
  await assign.locator("#t-cue").fill("Kettle on, then one slow breath");
  service = await startService(serviceOptions);
  await clientPanel.locator('section.draft dd[data-part="cue"]', { hasText: "Kettle on, then one slow breath" }).waitFor({ timeout: 30_000 });
  for (const status of [assign.locator("p[data-connection]"), clientPanel.locator("p.status")]) {
    await status.filter({ hasText: reconnecting }).waitFor({ state: "detached" });
  }
  await clientPanel.locator("#c-time").fill("07:45");
  await tFrame.waitForFunction(() => {
    const panel = document.querySelector("homework-therapist-dock homework-assign-panel") ?? document.querySelector("homework-assign-panel");
    return panel?.shadowRoot?.querySelector("#t-time")?.value === "07:45";
  }, null, { timeout: 10_000 });
  check("the service killed and restarted mid-draft: both panels say they are reconnecting, an edit typed meanwhile arrives, both frames join again, edits flow both ways", true);
  await therapist.screenshot({ path: path.join(outputDir, "anyhost-therapist-draft-1280.png"), fullPage: true });
  await client.screenshot({ path: path.join(outputDir, "anyhost-client-draft-360.png"), fullPage: true });

  // The therapist assigns; the client sees the assignment; the service stores it in this session.
  await assign.getByRole("button", { name: "Assign" }).click();
  const made = clientPanel.locator("section.assigned", { hasText: title }).first();
  await made.waitFor();
  const name = await made.getAttribute("data-assignment");
  const stored = await service.callService("GetAssignment", { name }, service.tokens.therapist);
  assert.equal(stored.state, "STATE_ACTIVE");
  assert.equal(stored.session, anyHost.session);
  assert.equal(stored.schedule.preferredLocalTime, "07:45");
  assert.equal(stored.schedule.minimumVersion, "One slow breath at the kettle");
  assert.equal(stored.schedule.environmentalCue, "Kettle on, then one slow breath");
  check("therapist assigns: the client's panel shows it; stored active in this session with the agreed plan", true);

  // Video both ways over the peer-to-peer connection.
  for (const [who, page] of [["therapist", therapist], ["client", client]]) {
    await page.waitForFunction(() => window.anyHost.remoteVideos().some((v) => v.width > 0 && v.time > 0), null, { timeout: 30_000 });
    check(`${who} page plays the other's video`, true);
  }

  // Keyboard: from the host page's start, Tab reaches the dock's tabs inside the frame.
  await therapist.evaluate(() => document.activeElement?.blur());
  let reached = "";
  for (let presses = 0; presses < 12 && reached === ""; presses++) {
    await therapist.keyboard.press("Tab");
    reached = await tFrame.evaluate(() => {
      const inner = document.querySelector("homework-therapist-dock")?.shadowRoot?.activeElement;
      return document.hasFocus() && inner?.getAttribute("role") === "tab" ? inner.textContent.trim() : "";
    });
  }
  assert.match(reached, /^(Review|Assign)/, "Tab from the host page reaches a dock tab in the frame");
  check(`keyboard: Tab from the host page reaches the dock's "${reached.split(/\s/)[0]}" tab inside the frame`, true);

  await strangers(therapist, seeded.client);
  await interpreter();
  const start = await (await newContext({ width: 1280, height: 900 })).newPage();
  await start.goto(`${anyHost.hostUrl}/`);
  await looks(start, "start-page");
  await start.context().close();
  await looks(therapist, "therapist");
  await looks(client, "client");
}

/**
 * Frames and hosts off the allowlists get nothing. The host's side: a frame from an origin not in
 * `allowedOrigins` (a second panels server: the same pages on another port, so another origin).
 * The frame's side: the call page served by a second host server, an origin the panels'
 * deployment does not list. (Other ports rather than the name localhost: how a browser resolves
 * localhost differs between machines, a port is an origin everywhere.)
 */
async function strangers(therapist, seededClient) {
  const token = await therapist.evaluate(async () => {
    const response = await fetch("/host/homework-token", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    return (await response.json()).token;
  });
  const strangerPanels = await startPanelsServer({ allowedParents: [new URL(anyHost.hostUrl).origin] });
  closers.push(strangerPanels.close);
  const strangerUrl = `${strangerPanels.url}/homework-frame.html`;
  await therapist.evaluate(({ frameUrl, allowed, token }) => {
    const box = document.createElement("div");
    document.getElementById("homework").append(box);
    const me = window.anyHost.me;
    window.stranger = { asked: 0, refused: "" };
    window.stranger.frame = window.anyHost.HomeworkEmbed.mount(box, {
      frameUrl, view: "therapist", session: me.session, client: me.client, api: me.api, allowedOrigins: [allowed],
      getToken: async () => { window.stranger.asked++; return token; },
      onError: (e) => { window.stranger.refused = e.message; },
    });
  }, { frameUrl: strangerUrl, allowed: anyHost.panelsOrigin, token });
  // The stranger's frame is up and asking (its handshake), and gets no answer at all.
  const strangerFrame = await waitForFrame(therapist, (f) => f.url().startsWith(new URL(strangerUrl).origin));
  await waitInFrame(strangerFrame, () => window.homeworkFrame !== undefined, 30_000, "the stranger frame's script");
  await therapist.waitForTimeout(3000);
  const seen = await strangerFrame.evaluate(() => ({ state: window.homeworkFrame.state, messages: window.__messagesSeen,
    panels: document.querySelectorAll("homework-therapist-dock, homework-session-panel").length }));
  const host = await therapist.evaluate(() => ({ asked: window.stranger.asked, handed: window.stranger.frame.tokensHanded,
    refused: window.stranger.refused }));
  assert.deepEqual({ ...seen, asked: host.asked, handed: host.handed },
    { state: "connecting", messages: [], panels: 0, asked: 0, handed: 0 });
  assert.match(host.refused, /not in allowedOrigins/);
  await therapist.evaluate(() => window.stranger.frame.unmount());
  check("a frame from an origin not on the host's allowlist: getToken never called, no message reaches it, no panel", true);

  // The same call page from another host origin: the panels do not list it. With CSP
  // frame-ancestors the frame does not even load; without it (a second panels server) the frame's
  // own check refuses.
  const strangerHost = await startHostServer({ people: callPeople, mintToken: service.mintToken,
    call: { session: anyHost.session, client: seededClient, api: anyHost.apiUrl, panelsOrigin: anyHost.panelsOrigin,
      frameUrl: `${anyHost.panelsUrl}/homework-frame.html` } });
  closers.push(strangerHost.close);
  const bare = await startPanelsServer({ allowedParents: [new URL(anyHost.hostUrl).origin], frameAncestors: false });
  closers.push(bare.close);
  const context = await newContext({ width: 1280, height: 900 });
  const page = await context.newPage();
  await page.goto(`${strangerHost.url}/therapist`);
  await page.waitForFunction(() => window.anyHost?.ready || window.anyHost?.error, null, { timeout: 20_000 });
  await page.waitForTimeout(2000);
  const blocked = await page.evaluate(() => ({ handed: window.anyHost.frame.tokensHanded }));
  const cspFrame = page.frames().find((f) => f.url().includes("homework-frame.html"));
  const cspMounted = cspFrame ? await cspFrame.evaluate(() => window.homeworkFrame?.state ?? "none").catch(() => "none") : "none";
  assert.deepEqual({ handed: blocked.handed, state: cspMounted }, { handed: 0, state: "none" });
  check("a host page not on the panels' allowlist: CSP frame-ancestors keeps the frame from loading, no token", true);

  await page.evaluate(({ frameUrl, allowed }) => {
    const me = window.anyHost.me;
    window.bareFrame = window.anyHost.HomeworkEmbed.mount(document.getElementById("homework"), {
      frameUrl, view: "therapist", session: me.session, client: me.client, api: me.api, allowedOrigins: [allowed],
      getToken: () => fetch("/host/homework-token", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
        .then((r) => r.json()).then((j) => j.token),
    });
  }, { frameUrl: `${bare.url}/homework-frame.html`, allowed: bare.origin });
  const bareFrame = await homeworkFrame(page, 1);
  assert.equal(await bareFrame.evaluate(() => window.homeworkFrame.state), "parent-not-allowed");
  assert.equal(await bareFrame.evaluate(() => window.homeworkFrame.tokenRequests), 0);
  assert.equal(await bareFrame.locator("homework-therapist-dock, homework-session-panel").count(), 0);
  assert.equal(await bareFrame.evaluate(() => window.__messagesSeen.length), 0, "the refusing frame received no message");
  assert.equal(await page.evaluate(() => window.bareFrame.tokensHanded), 0);
  check("without CSP the frame itself refuses a parent not on its list: no request sent, no message taken, no panel", true);
  await looks(page, "parent-not-allowed");
  await context.close();
}

/** Kim, the interpreter: in the call, no homework role; her frame shows that and nothing else. */
async function interpreter() {
  for (const lang of ["en", "es"]) {
    const page = await openCall(`${anyHost.interpreterUrl}?lang=${lang}`, { width: 360, height: 800 });
    const frame = await homeworkFrame(page);
    assert.equal(await frame.evaluate(() => window.homeworkFrame.state), "no-homework");
    const said = (await frame.locator("body").innerText()).trim();
    assert.equal(said, lang === "en" ? "No homework for you in this session." : "No hay tareas para ti en esta sesión.");
    assert.equal(await frame.locator("homework-therapist-dock, homework-session-panel").count(), 0);
    const calls = await frame.evaluate(() => performance.getEntriesByType("resource").filter((e) => e.name.includes("HomeworkService")).length);
    assert.equal(calls, 0, "the interpreter's frame made no service call");
    await looks(page, `interpreter-${lang}`);
    check(`interpreter (${lang}): "${said}", no panel, no service call`, true);
    await page.context().close();
  }
}

/** The page's frame that `match`es, once it is there. */
/**
 * frame.waitForFunction, and when it times out an error that says how far the frame got: its
 * URL, whether it is still attached, its document's state and the resources it loaded (a frame
 * whose script never ran failed here once in CI, and the plain timeout said nothing more).
 */
async function waitInFrame(frame, predicate, timeout, what) {
  try {
    await frame.waitForFunction(predicate, null, { timeout });
  } catch (error) {
    const state = await frame.evaluate(() => ({
      readyState: document.readyState,
      scripts: [...document.scripts].map((script) => script.src || "(inline)"),
      loaded: performance.getEntriesByType("resource").map((entry) => `${entry.name} ${Math.round(entry.duration)} ms`),
    })).catch((e) => ({ evaluate: String(e) }));
    throw new Error(`${what}: ${error.message}\nframe ${frame.url()} detached=${frame.isDetached()} ${JSON.stringify(state)}`);
  }
}

async function waitForFrame(page, match) {
  for (let tries = 0; tries < 100; tries++) {
    const frame = page.frames().find(match);
    if (frame) return frame;
    await page.waitForTimeout(100);
  }
  throw new Error("no such frame");
}

/** axe 0 and no horizontal overflow at 360 and 1280 px; a screenshot at each. */
async function looks(page, name) {
  const original = page.viewportSize();
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(300);
    const sizes = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(sizes[0] <= sizes[1], `${name} at ${width} px: scrollWidth ${sizes[0]} > clientWidth ${sizes[1]}`);
    await page.screenshot({ path: path.join(outputDir, `anyhost-${name}-${width}.png`), fullPage: true });
    const { violations } = await axe(page);
    await writeFile(path.join(outputDir, `axe-anyhost-${name}-${width}.json`), JSON.stringify(violations, null, 2));
    assert.deepEqual(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`), []);
  }
  await page.setViewportSize(original);
  check(`${name} page: axe 0 and no horizontal overflow at 360 and 1280 px; screenshots`, true);
}

/**
 * axe over the page and its frames. Its final step opens a blank tab in the page's context,
 * which Chromium now and then refuses on this busy machine ("Failed to open a new tab"): tried
 * up to three times.
 */
async function axe(page) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await new AxeBuilder({ page }).analyze();
    } catch (error) {
      if (attempt === 3 || !/Failed to open a new tab/.test(String(error?.message))) throw error;
      await page.waitForTimeout(500);
    }
  }
}

/** Uses the n-th template of the assign panel's gallery; returns the draft's title. */
async function useTemplate(assign, n) {
  const gallery = assign.locator("details.gallery");
  if (!(await gallery.evaluate((details) => details.open))) await gallery.locator("summary").click();
  await assign.locator("hw-template-gallery").getByLabel("Search templates").fill("");
  await assign.locator("hw-template-gallery li.template button").nth(n).click();
  await assign.locator("#title").waitFor();
  return assign.locator("#title").inputValue();
}

/**
 * `count` rounds of: keystroke -> client, assign -> client, data-channel message -> peer, relay
 * through the host's server; then `count` re-renders of the client's panel.
 */
async function benchmark(therapist, client, count, live) {
  const results = { keystroke: [], input: [], send: [], arrive: [], show: [], assign: [], datachannel: [], relay: [],
    render: [], socket: [] };
  const tFrame = await homeworkFrame(therapist);
  const cFrame = await homeworkFrame(client);
  // When the therapist's frame hands a keystroke's UpdateAssignment to its socket (or to fetch).
  await tFrame.evaluate(() => {
    const sent = () => window.updateSent?.(performance.timeOrigin + performance.now());
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
      if (typeof data === "string" && data.includes('"method":"UpdateAssignment"')) sent();
      return send.call(this, data);
    };
    const original = window.fetch;
    window.fetch = (input, init) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      if (url.endsWith("/UpdateAssignment")) sent();
      return original(input, init);
    };
  });
  const assign = tFrame.locator("homework-assign-panel");
  const clientPanel = cFrame.locator("homework-session-panel");
  await tFrame.locator("homework-therapist-dock").getByRole("tab", { name: "Assign" }).click();
  for (let run = 0; run < count; run++) {
    const title = await useTemplate(assign, run % 2);
    await clientPanel.locator("section.draft h3", { hasText: title }).waitFor();

    // One keystroke at the end of the two-minute version; timed until the client's panel shows it.
    const field = assign.locator("#t-min");
    await field.fill(`Two minutes, run ${run}`);
    await clientPanel.locator('section.draft dd[data-part="minimum"]', { hasText: `Two minutes, run ${run}` }).waitFor();
    const key = String.fromCharCode(97 + (run % 26));
    const expected = `Two minutes, run ${run}${key}`;
    await cFrame.evaluate((text) => {
      const root = document.querySelector("homework-session-panel").shadowRoot;
      window.keySeen = new Promise((resolve, reject) => {
        const seen = () => [...root.querySelectorAll('section.draft dd[data-part="minimum"]')].some((d) => d.textContent.trim() === text);
        const observer = new MutationObserver(() => {
          if (seen()) { observer.disconnect(); resolve(performance.timeOrigin + performance.now()); }
        });
        observer.observe(root, { childList: true, subtree: true, characterData: true });
        setTimeout(() => { observer.disconnect(); reject(new Error(`the client's panel never showed "${text}"`)); }, 10_000);
      });
      window.eventAt = new Promise((resolve) => { window.__socketAwaits = { text, resolve }; });
    }, expected);
    await field.focus();
    // Timed from the key's keydown in the therapist's frame (as the Janus e2e times it), not from
    // before Playwright's key dispatch, whose round trip is the test's, not the page's.
    await tFrame.evaluate(() => {
      const input = document.querySelector("homework-therapist-dock homework-assign-panel, homework-assign-panel").shadowRoot.querySelector("#t-min");
      input.setSelectionRange(input.value.length, input.value.length);
      window.keyAt = new Promise((resolve) => window.addEventListener("keydown",
        () => resolve(performance.timeOrigin + performance.now()), { once: true, capture: true }));
      window.sentAt = new Promise((resolve) => { window.updateSent = resolve; });
      window.inputAt = new Promise((resolve) => window.addEventListener("input",
        () => resolve(performance.timeOrigin + performance.now()), { once: true, capture: true }));
    });
    await therapist.keyboard.type(key);
    const typed = await tFrame.evaluate(() => window.keyAt);
    const shown = await cFrame.evaluate(() => window.keySeen);
    results.keystroke.push(shown - typed);
    const eventAt = await cFrame.evaluate(() => window.eventAt);
    results.arrive.push(eventAt - typed);
    results.show.push(shown - eventAt);
    results.send.push((await tFrame.evaluate(() => window.sentAt)) - typed);
    results.input.push((await tFrame.evaluate(() => window.inputAt)) - typed);

    // The assign click, timed until the client's panel shows the new assignment.
    await cFrame.evaluate(() => {
      const root = document.querySelector("homework-session-panel").shadowRoot;
      const known = new Set([...root.querySelectorAll("section.assigned")].map((s) => s.dataset.assignment));
      window.assignSeen = new Promise((resolve, reject) => {
        const observer = new MutationObserver(() => {
          if ([...root.querySelectorAll("section.assigned")].some((s) => !known.has(s.dataset.assignment))) {
            observer.disconnect();
            resolve(performance.timeOrigin + performance.now());
          }
        });
        observer.observe(root, { childList: true, subtree: true });
        setTimeout(() => { observer.disconnect(); reject(new Error("the client's panel never showed the assignment")); }, 10_000);
      });
    });
    const clicked = await tFrame.evaluate(() => {
      const panel = document.querySelector("homework-assign-panel");
      const button = panel.shadowRoot.querySelector("form button[type=submit]");
      const at = performance.timeOrigin + performance.now();
      button.click();
      return at;
    });
    results.assign.push((await cFrame.evaluate(() => window.assignSeen)) - clicked);

    // The baseline: a plain data-channel message between the same two peers; and for scale, the
    // same text relayed by the host's own server (its signalling path).
    results.datachannel.push(await probe(therapist, client, "send", `probe-${run}-${Math.random()}`));
    results.relay.push(await probe(therapist, client, "relay", `relay-${run}-${Math.random()}`));
  }
  await useTemplate(assign, 0);  // a draft of this session for the probe to change
  // On two pages of their own at the panels' origin, so no panel's work shares their threads.
  const probePages = await Promise.all([0, 1].map(async () => {
    const page = await (await newContext({ width: 360, height: 640 })).newPage();
    await page.goto(live.pageUrl);
    return page;
  }));
  results.socket = await socketProbe(probePages[0].mainFrame(), probePages[1].mainFrame(), live, count);
  await Promise.all(probePages.map((page) => page.context().close()));
  // For scale: the client panel's own re-render in its frame, which every change it shows costs.
  for (let run = 0; run < count; run++) {
    results.render.push(await cFrame.evaluate(async () => {
      const panel = document.querySelector("homework-session-panel");
      const at = performance.now();
      panel.requestUpdate();
      await panel.updateComplete;
      return performance.now() - at;
    }));
  }
  return results;
}

/**
 * The service's part alone: a live-session socket in each of two pages (therapist and client,
 * joined with their tokens), and `count` times an UpdateAssignment `call` on the therapist's
 * socket timed until the client's socket has the `event` carrying the new text: the panels'
 * keystroke path without the panels and the browser's input.
 */
async function socketProbe(tFrame, cFrame, live, count) {
  const url = `${live.service.connectUrl.replace(/^http/, "ws")}/live/v1`;
  const join = (frame, token) => frame.evaluate(({ url, token, session, client }) => new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    window.probeSocket = socket;
    socket.onerror = () => reject(new Error("the probe's socket did not open"));
    socket.onopen = () => socket.send(JSON.stringify({ request: "join", id: "j", session, client, token, display: "probe" }));
    socket.onmessage = (message) => {
      const body = JSON.parse(message.data);
      if (body.id === "j") body.homework === "joined" ? resolve() : reject(new Error(JSON.stringify(body)));
    };
  }), { url, token, session: live.session, client: live.client });
  await join(tFrame, live.service.tokens.therapist);
  await join(cFrame, live.service.tokens.client);
  const draft = await tFrame.evaluate(({ client }) => new Promise((resolve) => {
    window.probeSocket.onmessage = (message) => {
      const body = JSON.parse(message.data);
      if (body.id === "l") resolve(body.body.assignments.find((a) => a.state === "STATE_DRAFT")?.name);
    };
    window.probeSocket.send(JSON.stringify({ request: "call", id: "l", method: "ListAssignments", body: { parent: client } }));
  }), { client: live.client });
  assert.ok(draft, "the probe found no draft to change");
  const times = [];
  for (let run = 0; run < count; run++) {
    const text = `probe ${run} ${Math.random()}`;
    const arrived = cFrame.evaluate((text) => new Promise((resolve) => {
      window.probeSocket.onmessage = (message) => {
        if (typeof message.data === "string" && message.data.includes(text)) resolve(performance.timeOrigin + performance.now());
      };
    }), text);
    await cFrame.evaluate(() => undefined);  // the listener is set before the call goes out
    const sent = await tFrame.evaluate(({ draft, text }) => {
      const at = performance.timeOrigin + performance.now();
      window.probeSocket.send(JSON.stringify({ request: "call", id: `u${Math.random()}`, method: "UpdateAssignment",
        body: { assignment: { name: draft, schedule: { minimumVersion: text } }, updateMask: "schedule.minimum_version" } }));
      return at;
    }, { draft, text });
    times.push((await arrived) - sent);
  }
  await Promise.all([tFrame, cFrame].map((frame) => frame.evaluate(() => window.probeSocket.close())));
  return times;
}

/** Milliseconds from `from` sending `text` by `way` ("send": data channel; "relay": host server) to `to` having it. */
async function probe(from, to, way, text) {
  const waiting = to.evaluate((t) => window.anyHost.probe.waitFor(t), text);
  const sent = await from.evaluate(({ t, way }) => {
    const at = performance.timeOrigin + performance.now();
    window.anyHost.probe[way](t);
    return at;
  }, { t: text, way });
  return (await waiting) - sent;
}

/**
 * Counts `page`'s calls of `method` from now on: Connect requests (fetch) and `call` messages on
 * the live session's WebSockets (every one the page opened: openCall keeps them).
 */
function countCalls(page, method) {
  const counts = { fetch: 0, socket: 0, total: () => counts.fetch + counts.socket };
  page.on("request", (request) => { if (request.url().endsWith(`/${method}`)) counts.fetch++; });
  const count = (socket) => {
    if (!socket.url().endsWith("/live/v1")) return;
    socket.on("framesent", ({ payload }) => {
      if (typeof payload === "string" && payload.includes(`"method":"${method}"`)) counts.socket++;
    });
  };
  for (const socket of page.sockets) count(socket);
  page.on("websocket", count);
  return counts;
}

function check(what, ok) {
  if (!ok) throw new Error(`not ok - ${what}`);
  console.log(`ok - ${what}`);
}

function printTable(results, count) {
  const baseline = "RTCDataChannel message A -> B (baseline)";
  console.log(`\n${latencyTable(`any-host, ${count} runs, page to page, ms`, [
    ["keystroke -> client panel (homework)", results.keystroke],
    ["assign click -> client panel (homework)", results.assign],
    [baseline, results.datachannel],
    ["host server relay A -> B (signalling path)", results.relay],
    ["therapist keydown -> its input event (the browser's part)", results.input],
    ["therapist keydown -> its request handed to the socket", results.send],
    ["therapist keydown -> the client frame's socket has the event", results.arrive],
    ["the client frame's socket has the event -> its panel shows it", results.show],
    ["client panel re-render, in its frame", results.render],
    ["live socket: UpdateAssignment call -> client's event (no panels)", results.socket]], baseline)}`);
}
