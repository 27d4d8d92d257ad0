#!/usr/bin/env node
// Starts a whole telehealth session demo from built binaries and prints the two page URLs
// (therapist, client) with development tokens:
//   1. development keys (homework-ctl keygen) and homework-server (memory or sqlite store) with
//      its gRPC and Connect listeners on loopback;
//   2. seed data through the Connect listener: client "alex" with therapist "dr-ada" on the care
//      team, client "sam" of another therapist, a template-based active assignment and a few
//      completions;
//   3. Janus from a private generated config folder: the VideoRoom (room 1234), the TextRoom
//      (room 1234, the benchmark's baseline), the WebSocket transport and our plugin;
//   4. the page server (serve.mjs).
// Everything listens on 127.0.0.1. Janus never uses loopback for ICE: give --ice_interface (an
// interface with an address, e.g. the veth of integration-tests/session/in-netns.sh) when the
// machine has no other interface.
//
//   node examples/telehealth-session/start.mjs --server_bin=B --ctl_bin=C --plugin=libjanus_homework.so
//     [--store=memory:|sqlite:PATH] [--work_dir=D] [--ice_interface=IF] [--page_port=8080]
//
// Ctrl-C stops everything. Importable: startSessionDemo(options) resolves with the URLs, the
// tokens, `mintToken(who, ttl)`, `callService(method, body, token)` and `stop()` (what the
// end-to-end test uses).

import { spawn, execFileSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import { connect, createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startPageServer } from "./serve.mjs";

const janusLibDir = "/usr/lib/x86_64-linux-gnu/janus";
const practice = "demo";
const session = "tele-2041";
const room = 1234;

/** The people of the demo: token subject, role, display name. */
export const people = {
  therapist: { sub: "dr-ada", role: "therapist", display: "Dr Ada" },
  client: { sub: "alex", role: "client", display: "Alex" },
  otherClient: { sub: "sam", role: "client", display: "Sam" },
  otherTherapist: { sub: "dr-bo", role: "therapist", display: "Dr Bo" },
  platform: { sub: "platform-backend", role: "service", display: "Platform" },
};

/**
 * Starts service, Janus and page server. Options: serverBin, ctlBin, plugin (paths); store
 * ("memory:" default); workDir (a fresh temporary folder by default; logs land there);
 * iceInterface; pagePort (0: any free port).
 */
export async function startSessionDemo(options) {
  const workDir = options.workDir ?? await mkdtemp(path.join(os.tmpdir(), "telehealth-session-"));
  await mkdir(workDir, { recursive: true });
  const children = [];
  const stop = async () => {
    for (const child of children.reverse()) await stopChild(child);
    await page?.close();
  };
  let page;
  try {
    // 1. Keys and the service.
    const keys = path.join(workDir, "keys");
    execFileSync(options.ctlBin, ["keygen", "--out_dir", keys, "--kid", "dev-1"], { stdio: "pipe" });
    const token = (person, ttl = "12h") => execFileSync(options.ctlBin, ["token", "--key", path.join(keys, "signing-key.pem"),
      "--sub", person.sub, "--role", person.role, "--practice", practice, "--ttl", ttl]).toString().trim();
    const tokens = Object.fromEntries(Object.entries(people).map(([key, person]) => [key, token(person)]));

    const grpcPortFile = path.join(workDir, "grpc.port");
    const connectPortFile = path.join(workDir, "connect.port");
    children.push(spawnLogged(options.serverBin, [
      `--jwks=${path.join(keys, "jwks.json")}`, `--store=${options.store ?? "memory:"}`,
      `--data_dir=${path.join(workDir, "data")}`,
      "--listen=127.0.0.1:0", `--port_file=${grpcPortFile}`,
      "--connect_listen=127.0.0.1:0", `--connect_port_file=${connectPortFile}`,
    ], path.join(workDir, "homework-server.log")));
    const grpcPort = await readPortFile(grpcPortFile, children[0]);
    const connectPort = await readPortFile(connectPortFile, children[0]);
    const callService = makeCaller(`http://127.0.0.1:${connectPort}`);

    // 2. Seed data.
    const seeded = await seed(callService, tokens);

    // 3. Janus.
    const janusPort = await freePort();
    const janusDir = await writeJanusConfig(workDir, { plugin: options.plugin, grpcPort, janusPort });
    const janusArgs = ["-C", path.join(janusDir, "conf", "janus.jcfg"), "-F", path.join(janusDir, "conf"),
      "-o", "-d", "4", "-r", "20000-20999"];
    if (options.iceInterface) janusArgs.push("-E", options.iceInterface);
    children.push(spawnLogged("janus", janusArgs, path.join(workDir, "janus.log"), { GRPC_VERBOSITY: "ERROR" }));
    await waitForPort(janusPort, children[1]);

    // 4. The page.
    page = await startPageServer({ janusUrl: `ws://127.0.0.1:${janusPort}`, port: options.pagePort ?? 0 });
    const pageUrl = (who, extra = {}) => `${page.url}/?` + new URLSearchParams({
      role: people[who].role, token: tokens[who], session,
      client: who === "otherClient" ? seeded.otherClient : seeded.client,
      display: people[who].display, room: String(room), ...extra,
    }).toString();

    return {
      workDir, session, room, practice, tokens, seeded, callService, pageUrl,
      // A fresh development token for one of `people` (e.g. to test a token refresh).
      mintToken: (who, ttl = "12h") => token(people[who], ttl),
      therapistUrl: pageUrl("therapist"), clientUrl: pageUrl("client"),
      janusUrl: `ws://127.0.0.1:${janusPort}`, connectUrl: `http://127.0.0.1:${connectPort}`,
      grpcAddress: `127.0.0.1:${grpcPort}`,
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`${error.message} (logs in ${workDir})`, { cause: error });
  }
}

/** Creates the clients, an active template-based assignment and a few completions. */
async function seed(callService, tokens) {
  const client = `practices/${practice}/clients/${people.client.sub}`;
  const otherClient = `practices/${practice}/clients/${people.otherClient.sub}`;
  await callService("CreateClient", { parent: `practices/${practice}`, clientId: people.client.sub,
    client: { displayName: "Alex", timeZone: "Europe/Berlin", careTeam: [people.therapist.sub] } }, tokens.platform);
  await callService("CreateClient", { parent: `practices/${practice}`, clientId: people.otherClient.sub,
    client: { displayName: "Sam", timeZone: "Europe/Berlin", careTeam: [people.otherTherapist.sub] } }, tokens.platform);

  const { templates = [] } = await callService("ListTemplates", { parent: `practices/${practice}` }, tokens.therapist);
  const fromTemplate = async (kind, extra = {}) => {
    const template = templates.find((t) => t.exercise?.kind === kind && (!extra.measure ||
      t.exercise?.outcomeMeasure?.measure === extra.measure));
    if (template === undefined) throw new Error(`the service lists no ${kind} template to seed from`);
    const created = await callService("CreateAssignment", {
      parent: client, template: template.name, requestId: `seed-${template.name.replace(/\W/g, "-")}`,
      assignment: { title: template.title, exercise: template.exercise, rationale: template.rationale,
        schedule: { ...template.schedule, preferredLocalTime: "08:00",
          startDate: new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10),
          minimumVersion: template.schedule?.minimumVersion || "Two slow breaths" } },
    }, tokens.therapist);
    return callService("ActivateAssignment", { name: created.name, etag: created.etag }, tokens.therapist);
  };
  const at = (daysAgo) => new Date(Date.now() - daysAgo * 86_400_000).toISOString();
  const record = (assignment, id, fields) => recordCompletion(callService, tokens.client, assignment.name, fields, id);

  // A skills practice done three times; the completions the review panel lists first.
  const assignment = await fromTemplate("EXERCISE_KIND_SKILLS_PRACTICE");
  const completions = [];
  for (const [daysAgo, minutes, mood, note] of [[3, 10, 5, "Hard to start"], [2, 8, 6, ""], [1, 12, 7, "Easier today"]]) {
    completions.push(await record(assignment, `seed-skills-${daysAgo}`, { occurTime: at(daysAgo), minutes, mood, clientNote: note }));
  }
  // An exposure step practised twice, with SUDS before, peak and after.
  const exposure = await fromTemplate("EXERCISE_KIND_EXPOSURE_PRACTICE");
  for (const [daysAgo, before, peak, after] of [[3, 60, 80, 45], [1, 50, 65, 30]]) {
    completions.push(await record(exposure, `seed-exposure-${daysAgo}`, { occurTime: at(daysAgo), minutes: 20,
      suds: { before, peak, after } }));
  }
  // A thought record to discuss.
  const thoughts = await fromTemplate("EXERCISE_KIND_THOUGHT_RECORD");
  completions.push(await record(thoughts, "seed-thought-1", { occurTime: at(2), minutes: 15, thoughtRecord: {
    situation: "Meeting ran late", automaticThought: "They think I am useless", automaticThoughtBelief: 80,
    emotions: [{ emotion: "anxious", intensity: 70 }], evidenceFor: "Nobody replied to my idea",
    evidenceAgainst: "My manager thanked me afterwards", balancedThought: "One quiet meeting says little",
    balancedThoughtBelief: 60 } }));
  // A PHQ-9 whose item 9 is above zero: an urgent flag on top of the review.
  const phq9 = await fromTemplate("EXERCISE_KIND_OUTCOME_MEASURE", { measure: "MEASURE_PHQ9" });
  const urgent = await record(phq9, "seed-phq9-1", { occurTime: at(1), measure: { measure: "MEASURE_PHQ9",
    itemScores: [1, 2, 1, 2, 1, 1, 1, 0, 1] } });
  return { client, otherClient, assignment, completions, urgent };
}

/** Records one done practice as the client; the e2e test records more the same way. */
export function recordCompletion(callService, clientToken, assignmentName, fields, requestId) {
  return callService("CreateCompletion", {
    parent: assignmentName, requestId,
    completion: { occurTimeZone: "Europe/Berlin", status: "STATUS_DONE", ...fields },
  }, clientToken);
}

/** A unary call to the Connect listener with protobuf JSON; rejects with the service's error. */
function makeCaller(baseUrl) {
  return async (method, body, token) => {
    const response = await fetch(`${baseUrl}/therapy.homework.v1.HomeworkService/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const json = await response.json();
    if (!response.ok) {
      const error = new Error(`${method}: ${json.code}: ${json.message}`);
      error.code = json.code;
      throw error;
    }
    return json;
  };
}

/** A private Janus config folder: only the WebSocket transport and three plugins. */
async function writeJanusConfig(workDir, { plugin, grpcPort, janusPort }) {
  const dir = path.join(workDir, "janus");
  for (const sub of ["conf", "plugins", "transports", "events", "loggers"]) {
    await mkdir(path.join(dir, sub), { recursive: true });
  }
  await symlink(path.join(janusLibDir, "plugins", "libjanus_videoroom.so"), path.join(dir, "plugins", "libjanus_videoroom.so"));
  await symlink(path.join(janusLibDir, "plugins", "libjanus_textroom.so"), path.join(dir, "plugins", "libjanus_textroom.so"));
  await symlink(path.resolve(plugin), path.join(dir, "plugins", "libjanus_homework.so"));
  await symlink(path.join(janusLibDir, "transports", "libjanus_websockets.so"), path.join(dir, "transports", "libjanus_websockets.so"));
  const conf = (name, text) => writeFile(path.join(dir, "conf", name), text);
  await conf("janus.jcfg", `general: {
  configs_folder = "${dir}/conf"
  plugins_folder = "${dir}/plugins"
  transports_folder = "${dir}/transports"
  events_folder = "${dir}/events"
  loggers_folder = "${dir}/loggers"
  debug_level = 4
  session_timeout = 60
}
media: {
  rtp_port_range = "20000-20999"
}
nat: {
  nice_debug = false
}
plugins: {
}
transports: {
}
`);
  await conf("janus.transport.websockets.jcfg", `general: {
  json = "compact"
  ws = true
  ws_port = ${janusPort}
  ws_ip = "127.0.0.1"
  wss = false
}
admin: {
  admin_ws = false
  admin_wss = false
}
`);
  await conf("janus.plugin.videoroom.jcfg", `general: {
}
room-${room}: {
  description = "Telehealth session"
  publishers = 4
  bitrate = 256000
  fir_freq = 10
  audiocodec = "opus"
  videocodec = "vp8"
}
`);
  await conf("janus.plugin.textroom.jcfg", `general: {
  json = "compact"
}
room-${room}: {
  description = "Relay baseline"
}
`);
  const sample = await readFile(path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "plugin", "janus",
    "janus.plugin.homework.jcfg.sample"), "utf8");
  await conf("janus.plugin.homework.jcfg", sample.replace(/service_address = "[^"]*"/, `service_address = "127.0.0.1:${grpcPort}"`));
  return dir;
}

function spawnLogged(command, args, logFile, env = {}) {
  const log = createWriteStream(logFile);
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  child.logFile = logFile;
  return child;
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await child.exited;
  clearTimeout(timer);
}

async function readPortFile(file, child) {
  return waitUntil(async () => {
    const text = await readFile(file, "utf8").catch(() => "");
    return /^\d+\s*$/.test(text) ? Number(text) : undefined;
  }, child, `port file ${path.basename(file)}`);
}

function waitForPort(port, child) {
  return waitUntil(() => new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => { socket.destroy(); resolve(true); });
    socket.once("error", () => resolve(undefined));
  }), child, `port ${port}`);
}

/** Polls `probe` until it returns a value; fails when `child` exits or after 20 s. */
async function waitUntil(probe, child, what) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${path.basename(child.spawnfile)} exited before ${what} was ready; see ${child.logFile}`);
    }
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Command line.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const flags = Object.fromEntries(process.argv.slice(2).map((arg) => {
    const [name, ...value] = arg.replace(/^--/, "").split("=");
    return [name, value.join("=")];
  }));
  for (const required of ["server_bin", "ctl_bin", "plugin"]) {
    if (!flags[required]) {
      console.error("usage: start.mjs --server_bin=PATH --ctl_bin=PATH --plugin=PATH/libjanus_homework.so " +
        "[--store=memory:|sqlite:PATH] [--work_dir=DIR] [--ice_interface=IF] [--page_port=PORT] " +
        "[--portal_port=PORT]");
      process.exit(2);
    }
  }
  const demo = await startSessionDemo({
    serverBin: flags.server_bin, ctlBin: flags.ctl_bin, plugin: flags.plugin,
    store: flags.store || undefined, workDir: flags.work_dir || undefined,
    iceInterface: flags.ice_interface || undefined, pagePort: Number(flags.page_port || 0),
  });
  // The client's portal (examples/portal) against the same service, between sessions.
  const portalPortFile = path.join(demo.workDir, "portal.port");
  const portal = spawnLogged(process.execPath, [
    path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "portal", "serve.mjs"),
    "--port", String(Number(flags.portal_port || 0)), "--api", demo.connectUrl,
    "--port_file", portalPortFile,
  ], path.join(demo.workDir, "portal.log"));
  const portalPort = await readPortFile(portalPortFile, portal);
  console.log(`Telehealth session demo (logs in ${demo.workDir}). Development tokens, valid 12 h.

Therapist (Dr Ada), in the video session:
  ${demo.therapistUrl}

Client (Alex), in the video session:
  ${demo.clientUrl}

Client (Alex), the portal between sessions (add ?lang=es before the # for Spanish):
  http://127.0.0.1:${portalPort}/#token=${demo.tokens.client}

The homework service: gRPC on ${demo.grpcAddress}, Connect on ${demo.connectUrl}.
Ctrl-C stops the service, Janus and the page servers.`);
  const shutdown = async () => { await stopChild(portal); await demo.stop(); process.exit(0); };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}
