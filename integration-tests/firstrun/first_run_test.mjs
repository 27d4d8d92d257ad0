// The first run, as a newcomer meets it: the demo launcher (examples/telehealth-session/start.mjs,
// what ./scripts/run.sh runs) started as a program, its printed output read like a person would.
//
// --mode=service: `--service-only --once` twice against the same data (the second time through
//   a symlink to the launcher): both exit 0 and print the same client and assignment, created the
//   first time and kept the second, and Alex's practices due today; a taken port is one line
//   naming the port and its flag; an unknown flag is one line; nothing prints a stack trace.
// --mode=demo (inside integration-tests/session/in-netns.sh, so the fixed default ports cannot
//   clash with anything): the whole demo on its default ports in a work folder that already
//   holds an old run; the one-screen summary names every service, Janus's media interface and
//   the logs; the printed addresses are short and carry no token, and open signed in, in
//   Chromium: the start page, the therapist's and the client's session pages (review and session
//   panels with the seeded data) and the portal (Today), each at 360 and 1280 px without
//   horizontal scrolling (screenshots to --output_dir), the start page also axe-clean and
//   reachable by keyboard with a visible focus ring; a second launcher finds the page port
//   taken and says so in one line; Ctrl-C stops everything and exits 0.
//
//   node integration-tests/firstrun/first_run_test.mjs --mode=service --server_bin=B --ctl_bin=C
//   integration-tests/session/in-netns.sh node integration-tests/firstrun/first_run_test.mjs \
//     --mode=demo --server_bin=B --ctl_bin=C --plugin=P --output_dir=D

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const flags = Object.fromEntries(process.argv.slice(2).map((arg) => {
  const [name, ...value] = arg.replace(/^--/, "").split("=");
  return [name, value.join("=")];
}));
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const launcher = path.join(repoRoot, "examples", "telehealth-session", "start.mjs");
const outputDir = path.resolve(flags.output_dir ?? path.join(os.tmpdir(), "homework-firstrun-output"));
const binaries = [`--server_bin=${flags.server_bin}`, `--ctl_bin=${flags.ctl_bin}`];

let passed = 0;
function check(what) {
  passed += 1;
  console.log(`ok ${passed} - ${what}`);
}

/** Runs the launcher to its end: { code, stdout, stderr, seconds }. */
function runLauncher(args, script = launcher) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => { stdout += chunk; });
    child.stderr.on("data", (chunk) => { stderr += chunk; });
    child.on("exit", (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 }));
  });
}

/** A one-line error: exit 1, one line on stderr, no stack trace. */
function assertOneLineError(result, pattern, what) {
  assert.equal(result.code, 1, `${what}: exit code (stderr: ${result.stderr})`);
  const lines = result.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `${what}: one line, got:\n${result.stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(result.stderr, /^\s+at /m);
}

/** Holds a loopback port until `release()`; port 0 takes any free one. */
function holdPort(port = 0) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve({ port: server.address().port, release: () => new Promise((done) => server.close(done)) }));
  });
}

async function serviceMode() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "homework-firstrun-"));
  try {
    const args = ["--service-only", "--once", ...binaries, `--work_dir=${path.join(dir, "dev")}`,
      `--store=sqlite:${path.join(dir, "data", "homework.db")}`, "--grpc_port=0", "--api_port=0"];
    const first = await runLauncher(args);
    assert.equal(first.code, 0, `first run exit code; stderr: ${first.stderr}`);
    assert.equal(first.stderr, "");
    // Through a symlink, as a packaged or linked launcher would be started.
    const linked = path.join(dir, "start-demo.mjs");
    await symlink(launcher, linked);
    const second = await runLauncher(args, linked);
    assert.equal(second.code, 0, `second run exit code; stderr: ${second.stderr}`);
    assert.equal(second.stderr, "");
    console.log(`# first run ${first.seconds.toFixed(1)} s, second ${second.seconds.toFixed(1)} s; the second printed:\n` +
      second.stdout.replace(/^/gm, "#   "));

    const assignmentOf = (out) => /^ {2}(practices\/demo\/clients\/alex\/assignments\/\S+)$/m.exec(out)?.[1];
    assert.match(first.stdout, /^homework-server is running: gRPC on 127\.0\.0\.1:\d+, browser API on http:\/\/127\.0\.0\.1:\d+$/m);
    assert.match(first.stdout, /client Alex \(practices\/demo\/clients\/alex, Europe\/Berlin\) created\./);
    assert.match(first.stdout, /assignment created and activated:/);
    assert.match(second.stdout, /client Alex \(practices\/demo\/clients\/alex, Europe\/Berlin\) already there, kept\./);
    assert.match(second.stdout, /assignment already active, kept:/);
    assert.ok(assignmentOf(first.stdout), first.stdout);
    assert.equal(assignmentOf(second.stdout), assignmentOf(first.stdout), "the same assignment both times");
    check("--service-only twice on the same data: exit 0 both times, client and assignment created, then kept");
    for (const out of [first.stdout, second.stdout]) {
      assert.match(out, /"Paced breathing", STATE_ACTIVE: 1 a day at 22:00, right before bed\n {2}cue: A small card/);
      assert.match(out, /two-minute version: Take five slow breaths/);
      assert.match(out, /Alex's today \(\w+day \d+ \w+, Europe\/Berlin\), as the reminders would say it:\n {2}(22:00 {2}Time for: Paced breathing\. Your plan: right before bed\.|nothing left to do today)/);
      assert.match(out, /homework-ctl call ListAssignments --address 127\.0\.0\.1:\d+ --token "\$TOKEN"/);
      assert.match(out, /\nStopped \(--once\)\.\n$/);
    }
    check("each run prints the assignment's plan (time, routine and cue agree), Alex's today and the next command");

    const held = await holdPort();
    try {
      const taken = await runLauncher([...args.filter((a) => !a.startsWith("--grpc_port")), `--grpc_port=${held.port}`]);
      assertOneLineError(taken, new RegExp(`^start\\.mjs: port ${held.port} \\(homework-server's gRPC\\) is already in use: ` +
        "stop what holds it, or pick another port with --grpc_port=PORT$"), "port taken");
    } finally {
      await held.release();
    }
    check("a taken port: one line naming the port, what needs it and the flag; exit 1");
    assertOneLineError(await runLauncher([...args, "--colour=yes"]), /^start\.mjs: unknown argument --colour=yes; see --help$/,
      "unknown flag");
    assertOneLineError(await runLauncher(["--service-only", "--server_bin=/nonexistent/homework-server", `--ctl_bin=${flags.ctl_bin}`]),
      /^start\.mjs: \/nonexistent\/homework-server: no such file \(build it first\)$/, "missing binary");
    check("an unknown flag and a missing binary: one line each, no stack trace");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function demoMode() {
  const { chromium } = await import("playwright-core");
  const { AxeBuilder } = await import("@axe-core/playwright");
  await mkdir(outputDir, { recursive: true });
  // A work folder left by an earlier run: an old Janus config (its symlinks), keys, a store.
  const workDir = path.join(outputDir, "work");
  await rm(workDir, { recursive: true, force: true });
  await mkdir(path.join(workDir, "janus", "plugins"), { recursive: true });
  await symlink("/nonexistent", path.join(workDir, "janus", "plugins", "libjanus_homework.so"));
  await writeFile(path.join(workDir, "homework.db"), "not a database");

  const started = Date.now();
  const demo = spawn(process.execPath, [launcher, ...binaries, `--plugin=${flags.plugin}`, `--work_dir=${workDir}`],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  demo.stdout.on("data", (chunk) => { stdout += chunk; });
  demo.stderr.on("data", (chunk) => { stderr += chunk; });
  const exited = new Promise((resolve) => demo.on("exit", (code, signal) => resolve({ code, signal })));
  let browser;
  try {
    const deadline = Date.now() + 60_000;
    while (!stdout.includes("Ctrl-C stops everything.")) {
      if (demo.exitCode !== null) throw new Error(`the launcher exited ${demo.exitCode}: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`no summary after 60 s; stdout: ${stdout}; stderr: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    console.log(`# the demo was up in ${((Date.now() - started) / 1000).toFixed(1)} s and printed:\n${stdout.replace(/^/gm, "#   ")}`);
    assert.equal(stderr, "");

    // One screen: at most 24 lines of at most 100 columns (the log paths aside); every part named.
    const lines = stdout.trimEnd().split("\n");
    assert.ok(lines.length <= 24, `${lines.length} lines`);
    for (const line of lines.filter((l) => !l.includes(".log"))) assert.ok(line.length <= 100, `line of ${line.length} columns: ${line}`);
    const urls = {
      therapist: /^ {2}Dr Ada, therapist, in the session +(\S+)$/m.exec(stdout)?.[1],
      client: /^ {2}Alex, client, in the session +(\S+)$/m.exec(stdout)?.[1],
      portal: /^ {2}Alex's portal, between sessions +(\S+) {3}\(add \?lang=es for Spanish\)$/m.exec(stdout)?.[1],
      start: /^ {2}the three explained +(\S+)$/m.exec(stdout)?.[1],
    };
    assert.deepEqual(urls, { therapist: "http://127.0.0.1:8080/therapist", client: "http://127.0.0.1:8080/client",
      portal: "http://127.0.0.1:8080/portal", start: "http://127.0.0.1:8080/" });
    assert.doesNotMatch(stdout, /token=|eyJ/, "no token printed");
    assert.match(stdout, /homework-server +gRPC 127\.0\.0\.1:50051, browser API http:\/\/127\.0\.0\.1:8082/);
    assert.match(stdout, /Janus +ws:\/\/127\.0\.0\.1:8083, media over hw-veth0 \(10\.213\.0\.1, UDP 20000-20999\)/);
    assert.match(stdout, /pages +session http:\/\/127\.0\.0\.1:8080, portal http:\/\/127\.0\.0\.1:8081/);
    assert.match(stdout, /logs +\S+homework-server\.log, \S+janus\.log, \S+portal\.log/);
    assert.match(stdout, /^ {2}ssh -L 8080:127\.0\.0\.1:8080 -L 8081:127\.0\.0\.1:8081 -L 8083:127\.0\.0\.1:8083 THIS_HOST$/m);
    check("one screen: short addresses without tokens, the default ports, Janus's media interface, logs, tunnels");

    // A second launcher meets the taken page port.
    const second = await runLauncher([...binaries, `--plugin=${flags.plugin}`, `--work_dir=${path.join(outputDir, "work-2")}`]);
    assertOneLineError(second, /^start\.mjs: port 8080 \(the session page\) is already in use: stop what holds it, or pick another port with --page_port=PORT$/,
      "page port taken");
    check("a second demo: one line naming port 8080 and --page_port; exit 1");

    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu",
      "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"] });
    const visit = async (name, url, width, ready) => {
      const context = await browser.newContext({ viewport: { width, height: width < 500 ? 800 : 900 } });
      const page = await context.newPage();
      const t0 = Date.now();
      await page.goto(url);
      await ready(page);
      const ms = Date.now() - t0;
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      await page.screenshot({ path: path.join(outputDir, `${name}-${width}.png`), fullPage: true });
      assert.ok(overflow <= 0, `${name} at ${width} px is ${overflow} px wider than the window`);
      check(`${name} at ${width} px: signed in and ready in ${ms} ms, no horizontal scrolling (${name}-${width}.png)`);
      return { page, context };
    };
    for (const width of [360, 1280]) {
      const start = await visit("start", urls.start, width, async (page) => {
        await page.getByRole("link", { name: /Dr Ada, therapist/ }).waitFor();
      });
      assert.deepEqual(await start.page.getByRole("link").evaluateAll((links) => links.map((a) => a.getAttribute("href"))),
        ["/therapist", "/client", "/portal", "/portal?lang=es"]);
      const { violations } = await new AxeBuilder({ page: start.page }).analyze();
      assert.deepEqual(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`), []);
      // Keyboard: the first Tab reaches the first link, with a visible focus ring.
      await start.page.keyboard.press("Tab");
      assert.equal(await start.page.evaluate(() => [document.activeElement.getAttribute("href"),
        getComputedStyle(document.activeElement).outlineStyle]).then((a) => a.join(" ")), "/therapist solid");
      check(`start page at ${width} px: axe finds nothing, Tab reaches the first link with a visible focus ring`);
      await start.context.close();

      const therapist = await visit("therapist", urls.therapist, width, async (page) => {
        await page.getByRole("status").filter({ hasText: /Joined as Dr Ada \(therapist\)|In the session/ }).waitFor();
        await page.locator("homework-review-panel").getByText("They think I am useless").first().waitFor();
      });
      assert.equal(new URL(therapist.page.url()).search, "", "no token in the address bar");
      const client = await visit("client", urls.client, width, async (page) => {
        await page.getByRole("status").filter({ hasText: /Joined as Alex \(client\)|In the session/ }).waitFor();
        await page.locator("homework-session-panel").waitFor();
      });
      await therapist.context.close();
      await client.context.close();

      const portal = await visit("portal", urls.portal, width, async (page) => {
        await page.locator("homework-portal").getByText("Paced breathing").first().waitFor();
      });
      assert.equal(new URL(portal.page.url()).origin, "http://127.0.0.1:8081");
      assert.equal(new URL(portal.page.url()).hash, "", "the token left the address bar");
      // Progress holds the seeded history: the therapist's feedback from the earlier weeks.
      await portal.page.locator("homework-portal").getByRole("tab").nth(1).click();
      await portal.page.locator("homework-portal").getByText("Five evenings in a row: the routine is forming.").waitFor();
      await portal.page.screenshot({ path: path.join(outputDir, `portal-progress-${width}.png`), fullPage: true });
      check(`portal Progress at ${width} px shows the earlier weeks' feedback (portal-progress-${width}.png)`);
      await portal.context.close();
    }

    demo.kill("SIGINT");
    const { code } = await exited;
    assert.equal(code, 0, "Ctrl-C: exit 0");
    check("Ctrl-C stops the service, Janus and the page servers; exit 0");
  } finally {
    await browser?.close();
    if (demo.exitCode === null && demo.signalCode === null) {
      demo.kill("SIGTERM");
      await exited;
    }
  }
}

try {
  if (flags.mode === "demo") await demoMode();
  else await serviceMode();
  console.log(`# ${passed} checks passed`);
} catch (error) {
  console.error(`FAIL: ${error.stack ?? error}`);
  process.exit(1);
}
