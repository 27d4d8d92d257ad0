#!/usr/bin/env node
// The demo launcher (what ./scripts/run.sh runs). Two modes:
//
// The telehealth demo (default): development keys and homework-server (gRPC and the browser API
// on loopback), the seeded practice (seed.mjs), Janus from a private config folder (VideoRoom
// room 1234, TextRoom, the WebSocket transport and our plugin), the session page server
// (serve.mjs) and the client's portal page (examples/portal/serve.mjs); then one screen saying
// what runs where. The printed addresses are short and carry no token: the page server signs in
// the seeded people (a development-only endpoint, see serve.mjs).
//
// --service-only: homework-server alone, keeping its data (.data/, keys in .dev/), then a first
// real result: client Alex and an active assignment, created or reused, and Alex's practices due
// today. With --once the service stops after showing it.
//
//   node examples/telehealth-session/start.mjs --server_bin=B --ctl_bin=C [--plugin=P] [--help]
//
// Every port has a fixed default (flags below); 0 picks any free port (what tests use). Errors
// are one line on stderr and exit 1. Ctrl-C stops everything. Importable: startSessionDemo()
// and startService() resolve with the addresses, tokens, `mintToken(who, ttl)`,
// `callService(method, body, token)` and `stop()` (what the tests use).

import { spawn, execFileSync } from "node:child_process";
import { createWriteStream, realpathSync, readFileSync } from "node:fs";
import { access, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { connect, createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startPageServer } from "./serve.mjs";
import { people, practice, quickStart, recordCompletion, seedDemo } from "./seed.mjs";
import { anyHostSummary, panelsOrigins, startAnyHost } from "../any-host/start.mjs";

export { people, recordCompletion };

const here = path.dirname(fileURLToPath(import.meta.url));
const janusLibDir = "/usr/lib/x86_64-linux-gnu/janus";
const session = "tele-2041";
const room = 1234;
const rtpPorts = "20000-20999";

/** The fixed default ports of the command line, each with its flag and what listens there. */
export const defaultPorts = {
  page: { port: 8080, flag: "page_port", what: "the session page" },
  portal: { port: 8081, flag: "portal_port", what: "the portal page" },
  api: { port: 8082, flag: "api_port", what: "the browser API" },
  janus: { port: 8083, flag: "janus_port", what: "Janus's WebSocket" },
  grpc: { port: 50051, flag: "grpc_port", what: "homework-server's gRPC" },
  host: { port: 8084, flag: "host_port", what: "the any-host example's call page" },
  panels: { port: 8085, flag: "panels_port", what: "the any-host example's panels" },
};

/** An error the command line prints as its one line (no stack). */
export class LaunchError extends Error {}

/**
 * Starts homework-server with development keys in `workDir`. Options: serverBin, ctlBin, store
 * ("memory:" by default), workDir (a fresh temporary folder by default), ports { grpc, api }
 * (0 or absent: any free port), corsOrigins (page origins the browser API accepts calls from).
 * Resolves with { workDir, grpcAddress, connectUrl, tokens,
 * mintToken, callService, keyFile, logFile, children, stop }.
 */
export async function startService(options) {
  const workDir = options.workDir ?? await mkdtemp(path.join(os.tmpdir(), "homework-demo-"));
  await mkdir(workDir, { recursive: true });
  const ports = options.ports ?? {};
  await checkPortsFree(ports);
  const children = [];
  const stop = async () => { for (const child of children.reverse()) await stopChild(child); };

  const keysDir = options.keysDir ?? workDir;
  const keyFile = path.join(keysDir, "signing-key.pem");
  const jwksFile = path.join(keysDir, "jwks.json");
  if (!(await exists(keyFile) && await exists(jwksFile))) {
    run(options.ctlBin, ["keygen", "--out_dir", keysDir, "--kid", "dev-1"]);
  }
  const token = (person, ttl = "12h") => run(options.ctlBin, ["token", "--key", keyFile,
    "--sub", person.sub, "--role", person.role, "--practice", practice, "--ttl", ttl]).trim();
  // Each person's token, minted when first asked for (homework-ctl takes a moment per token).
  const tokens = {};
  for (const [key, person] of Object.entries(people)) {
    let minted;
    Object.defineProperty(tokens, key, { enumerable: true, get: () => (minted ??= token(person)) });
  }

  const grpcPortFile = path.join(workDir, "grpc.port");
  const connectPortFile = path.join(workDir, "connect.port");
  await rm(grpcPortFile, { force: true });
  await rm(connectPortFile, { force: true });
  const logFile = path.join(workDir, "homework-server.log");
  children.push(spawnLogged(options.serverBin, [
    `--jwks=${jwksFile}`, `--store=${options.store ?? "memory:"}`, `--data_dir=${path.join(workDir, "data")}`,
    `--listen=127.0.0.1:${ports.grpc ?? 0}`, `--port_file=${grpcPortFile}`,
    `--connect_listen=127.0.0.1:${ports.api ?? 0}`, `--connect_port_file=${connectPortFile}`,
    ...(options.corsOrigins?.length ? [`--cors_origins=${options.corsOrigins.join(",")}`] : []),
  ], logFile));
  try {
    const grpcPort = await readPortFile(grpcPortFile, children[0]);
    const connectPort = await readPortFile(connectPortFile, children[0]);
    const connectUrl = `http://127.0.0.1:${connectPort}`;
    return {
      workDir, keyFile, logFile, children, stop, tokens, grpcAddress: `127.0.0.1:${grpcPort}`, connectUrl,
      callService: makeCaller(connectUrl),
      // A fresh development token for one of `people` (e.g. to test a token refresh).
      mintToken: (who, ttl = "12h") => token(people[who], ttl),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Starts the whole session demo. Options: serverBin, ctlBin, plugin (paths); store ("memory:"
 * default); workDir (a fresh temporary folder by default; configs and logs land there);
 * iceInterface (default: $HOMEWORK_ICE_INTERFACE, else the default route's interface, else the
 * first with an IPv4 address); ports { grpc, api, janus, page, portal } (0 or absent: any free).
 */
export async function startSessionDemo(options) {
  const ports = options.ports ?? {};
  await checkPortsFree(ports);
  const service = await startService({ ...options, ports: { grpc: ports.grpc, api: ports.api } });
  const { workDir, tokens, callService } = service;
  const children = service.children;
  let page;
  const stop = async () => {
    for (const child of children.reverse()) await stopChild(child);
    await page?.close();
  };
  try {
    const seeded = await seedDemo(callService, tokens);

    // Janus, from a config folder written afresh each run.
    const janusPort = ports.janus || await freePort();
    const janusDir = await writeJanusConfig(workDir, { plugin: options.plugin, grpcPort: service.grpcAddress.split(":")[1], janusPort });
    const media = mediaInterface(options.iceInterface);
    const janusArgs = ["-C", path.join(janusDir, "conf", "janus.jcfg"), "-F", path.join(janusDir, "conf"),
      "-o", "-d", "4", "-r", rtpPorts];
    if (media) janusArgs.push("-E", media.name);
    // (Re)starts Janus from the same config; the tests kill it by its PID and start it again.
    let janus;
    let janusStarts = 0;
    const startJanus = async () => {
      const log = path.join(workDir, janusStarts++ === 0 ? "janus.log" : `janus-${janusStarts}.log`);
      janus = spawnLogged("janus", janusArgs, log, { GRPC_VERBOSITY: "ERROR" });
      children.push(janus);
      await waitForPort(janusPort, janus);
      return janus;
    };
    await startJanus();

    // The client's portal (examples/portal) against the same service, between sessions.
    const portalPortFile = path.join(workDir, "portal.port");
    await rm(portalPortFile, { force: true });
    children.push(spawnLogged(process.execPath, [path.join(here, "..", "portal", "serve.mjs"),
      "--port", String(ports.portal ?? 0), "--api", service.connectUrl, "--port_file", portalPortFile],
    path.join(workDir, "portal.log")));
    const portalPort = await readPortFile(portalPortFile, children.at(-1));

    // The platform starts the call: it creates the Session (with its service token) and hands its
    // name to both pages. `startSession(id)` starts another one (the next week's session).
    let current = await createSession(callService, tokens.platform, seeded.client, session);
    const startSession = async (id) => (current = await createSession(callService, tokens.platform, seeded.client, id));

    // The session page, with the demo sign-in for the seeded therapist and client.
    const signIn = (who) => {
      const person = { therapist: "therapist", client: "client" }[who];
      if (person === undefined) return undefined;
      return { token: service.mintToken(person), ttlSeconds: 12 * 3600, session: current, room, role: people[person].role,
        display: people[person].display, client: seeded.client };
    };
    page = await startPageServer({ janusUrl: `ws://127.0.0.1:${janusPort}`, port: ports.page ?? 0, signIn,
      portalPort, portalToken: () => service.mintToken("client") });
    const pageUrl = (who, extra = {}) => `${page.url}/?` + new URLSearchParams({
      role: people[who].role, token: tokens[who], session: current,
      client: who === "otherClient" ? seeded.otherClient : seeded.client,
      display: people[who].display, room: String(room), ...extra,
    }).toString();

    return {
      ...service, stop, room, practice, seeded, pageUrl, media, startSession,
      /** The Session the pages join now, `practices/demo/sessions/{id}`. */
      get session() { return current; },
      /** The running Janus process (its `pid`, `exited`) and how to start it again after it died. */
      get janus() { return janus; },
      startJanus,
      // The short addresses people open (no token in them).
      therapistUrl: `${page.url}/therapist`, clientUrl: `${page.url}/client`, portalUrl: `${page.url}/portal`,
      pageBaseUrl: page.url, portalBaseUrl: `http://127.0.0.1:${portalPort}`,
      janusUrl: `ws://127.0.0.1:${janusPort}`, janusLog: path.join(workDir, "janus.log"),
      portalLog: path.join(workDir, "portal.log"),
    };
  } catch (error) {
    await stop();
    throw new LaunchError(`${error.message} (logs in ${workDir})`);
  }
}

/**
 * The platform's side of starting a call: CreateSession for `client` with the service token
 * (idempotent for the same id), resolving with the Session's name.
 */
async function createSession(callService, platformToken, client, id) {
  const parent = client.split("/clients/")[0];
  const created = await callService("CreateSession", { parent, sessionId: id, session: { client, externalId: `room-${room}` } },
    platformToken);
  return created.name;
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

/**
 * The interface Janus gathers ICE candidates on (never loopback): `preferred`, else
 * $HOMEWORK_ICE_INTERFACE, else the default route's, else the first with an IPv4 address.
 * Returns { name, address } or undefined when there is none.
 */
export function mediaInterface(preferred) {
  const interfaces = os.networkInterfaces();
  const ipv4 = (name) => (interfaces[name] ?? []).find((a) => a.family === "IPv4" && !a.internal)?.address;
  const named = preferred || process.env.HOMEWORK_ICE_INTERFACE;
  if (named) {
    if (interfaces[named] === undefined) throw new LaunchError(`--ice_interface=${named}: no such network interface`);
    return { name: named, address: ipv4(named) ?? "no IPv4 address" };
  }
  let routed;
  try {
    routed = readFileSync("/proc/net/route", "utf8").split("\n").slice(1).map((line) => line.split(/\s+/))
      .find((fields) => fields[1] === "00000000")?.[0];
  } catch { /* no /proc: fall through */ }
  const name = routed && ipv4(routed) ? routed : Object.keys(interfaces).find((n) => ipv4(n));
  return name ? { name, address: ipv4(name) } : undefined;
}

/** A private Janus config folder: only the WebSocket transport and three plugins. */
async function writeJanusConfig(workDir, { plugin, grpcPort, janusPort }) {
  const dir = path.join(workDir, "janus");
  await rm(dir, { recursive: true, force: true });
  for (const sub of ["conf", "plugins", "transports", "events", "loggers"]) {
    await mkdir(path.join(dir, sub), { recursive: true });
  }
  if (!plugin) throw new LaunchError("--plugin is required: the path of the built libjanus_homework.so");
  await access(plugin).catch(() => { throw new LaunchError(`--plugin=${plugin}: no such file (build the janus_homework target)`); });
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
  rtp_port_range = "${rtpPorts}"
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
  const sample = await readFile(path.join(here, "..", "..", "plugin", "janus", "janus.plugin.homework.jcfg.sample"), "utf8");
  await conf("janus.plugin.homework.jcfg", sample.replace(/service_address = "[^"]*"/, `service_address = "127.0.0.1:${grpcPort}"`));
  return dir;
}

/** Runs a short command; a failure becomes one line naming the command and what it said. */
function run(command, args) {
  try {
    return execFileSync(command, args, { stdio: ["ignore", "pipe", "pipe"] }).toString();
  } catch (error) {
    if (error.code === "ENOENT") throw new LaunchError(`${command}: no such file (build it first)`);
    const said = (error.stderr?.toString() ?? "").trim().split("\n").at(-1);
    throw new LaunchError(`${path.basename(command)} ${args[0]} failed: ${said || error.message}`);
  }
}

function spawnLogged(command, args, logFile, env = {}) {
  const log = createWriteStream(logFile);
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.spawnError = undefined;
  child.once("error", (error) => { child.spawnError = error; });
  child.exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: -1 }));
  });
  child.logFile = logFile;
  return child;
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null || child.spawnError) return;
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
    if (child.spawnError) throw new LaunchError(`cannot start ${child.spawnfile}: ${child.spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      const lastLine = (await readFile(child.logFile, "utf8").catch(() => "")).trim().split("\n").at(-1) ?? "";
      throw new LaunchError(`${path.basename(child.spawnfile)} exited before ${what} was ready` +
        `${lastLine ? `: ${lastLine.slice(0, 200)}` : ""}; see ${child.logFile}`);
    }
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new LaunchError(`timed out waiting for ${what}; see ${child.logFile}`);
}

/** Fails with one line naming the first port (of the fixed ones asked for) something holds. */
async function checkPortsFree(ports) {
  for (const [key, port] of Object.entries(ports)) {
    if (!port) continue;
    const problem = await new Promise((resolve) => {
      const server = createServer();
      server.once("error", (error) => resolve(error.code));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(undefined)));
    });
    if (problem !== undefined) {
      const { what, flag } = defaultPorts[key];
      throw new LaunchError(problem === "EADDRINUSE"
        ? `port ${port} (${what}) is already in use: stop what holds it, or pick another port with --${flag}=PORT`
        : `cannot listen on port ${port} (${what}): ${problem}; pick another port with --${flag}=PORT`);
    }
  }
}

/** A port free on 127.0.0.1 right now (for a server started just after). */
export async function freePort() {
  return (await freePorts(1))[0];
}

/**
 * `count` distinct free ports, all held open until every one is picked. Pass them all on at once
 * (say, the service's own ports beside the ones its CORS list names): a port left to the kernel
 * (port 0) may be given the one just freed here.
 */
export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", resolve);
      });
    }
    return servers.map((server) => server.address().port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(() => resolve()))));
  }
}

function exists(file) {
  return access(file).then(() => true, () => false);
}

// ---- The command line -------------------------------------------------------------------------

const usage = `usage: ./scripts/run.sh [--service-only [--once]] [FLAGS]   (builds, then runs this launcher)
   or: node examples/telehealth-session/start.mjs --server_bin=PATH --ctl_bin=PATH
         [--plugin=PATH/libjanus_homework.so] [--service-only [--once]] [FLAGS]
  --service-only      homework-server alone, then a first result; --once stops it after that
  --page_port=8080 --portal_port=8081 --api_port=8082 --janus_port=8083 --grpc_port=50051
  --host_port=8084 --panels_port=8085
                      the fixed ports (0 picks any free port); 8084 and 8085 are the any-host
                      example's (examples/any-host: a peer-to-peer call, no Janus) call page
                      and panels
  --ice_interface=IF  the interface Janus sends media over (default: the default route's)
  --work_dir=DIR      configs, keys and logs (default .demo; with --service-only .dev)
  --store=URI         memory: or sqlite:PATH (default: the demo a fresh .demo/homework.db each
                      run; --service-only .data/homework.db, kept)`;

const flagNames = new Set(["server_bin", "ctl_bin", "plugin", "service-only", "once", "work_dir", "store",
  "ice_interface", "help", ...Object.values(defaultPorts).map((p) => p.flag)]);

function parseFlags(argv) {
  const flags = {};
  for (const arg of argv) {
    const match = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (!match || !flagNames.has(match[1])) throw new LaunchError(`unknown argument ${arg}; see --help`);
    flags[match[1]] = match[2] ?? "true";
  }
  const ports = {};
  for (const [key, { port, flag }] of Object.entries(defaultPorts)) {
    const value = flags[flag] ?? String(port);
    if (!/^\d+$/.test(value) || Number(value) > 65535) throw new LaunchError(`--${flag}=${value}: not a port (0-65535)`);
    ports[key] = Number(value);
  }
  return { flags, ports };
}

/** Paths as the user would type them: relative to where they are when inside it. */
function shown(file) {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

async function main(argv) {
  const { flags, ports } = parseFlags(argv);
  if (flags.help) {
    console.log(usage);
    return;
  }
  for (const required of ["server_bin", "ctl_bin"]) {
    if (!flags[required]) throw new LaunchError(`--${required} is required; see --help`);
  }
  for (const binary of [flags.server_bin, flags.ctl_bin]) {
    await access(binary).catch(() => { throw new LaunchError(`${binary}: no such file (build it first)`); });
  }
  const shutdownOn = (stop) => {
    const shutdown = async () => { await stop(); process.exit(0); };
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
  };

  if (flags["service-only"]) {
    const workDir = path.resolve(flags.work_dir ?? ".dev");
    const store = flags.store ?? `sqlite:${path.resolve(".data", "homework.db")}`;
    if (store.startsWith("sqlite:")) await mkdir(path.dirname(store.slice("sqlite:".length)), { recursive: true });
    const service = await startService({ serverBin: flags.server_bin, ctlBin: flags.ctl_bin, workDir, store,
      ports: { grpc: ports.grpc, api: ports.api } });
    try {
      const result = await quickStart(service.callService, service.tokens);
      console.log(serviceSummary(service, result, { ctl: flags.ctl_bin, store, once: Boolean(flags.once) }));
    } catch (error) {
      await service.stop();
      throw new LaunchError(`${error.message} (log: ${shown(service.logFile)})`);
    }
    if (flags.once) {
      await service.stop();
      return;
    }
    shutdownOn(service.stop);
    return;
  }

  const workDir = path.resolve(flags.work_dir ?? ".demo");
  // A fresh demo each run: the store the demo owns is made anew; keys are kept.
  let store = flags.store;
  if (store === undefined) {
    const db = path.join(workDir, "homework.db");
    for (const suffix of ["", "-wal", "-shm", "-audit", "-audit-wal", "-audit-shm"]) {
      await rm(db + suffix, { force: true });
    }
    store = `sqlite:${db}`;
  }
  // Both picked at once: two freePort calls in a row may be handed the same port.
  const [host, panels] = await freePorts(2);
  ports.host ||= host;
  ports.panels ||= panels;
  const demo = await startSessionDemo({ serverBin: flags.server_bin, ctlBin: flags.ctl_bin, plugin: flags.plugin,
    store, workDir, iceInterface: flags.ice_interface, ports, corsOrigins: panelsOrigins(ports) });
  // The second host, beside the Janus demo on the same service and seed.
  let anyHost;
  try {
    anyHost = await startAnyHost({ service: demo, seeded: demo.seeded, ports });
  } catch (error) {
    await demo.stop();
    throw new LaunchError(`the any-host example: ${error.message}`);
  }
  console.log(demoSummary(demo));
  console.log(`\n${anyHostSummary(anyHost)}`);
  shutdownOn(async () => { await anyHost.stop(); await demo.stop(); });
}

function serviceSummary(service, result, { ctl, store, once }) {
  const { assignment: a, client } = result;
  const s = a.schedule ?? {};
  const how = `${s.targetCount ?? 1} a ${s.period === "PERIOD_WEEK" ? "week" : "day"}` +
    `${s.preferredLocalTime ? ` at ${s.preferredLocalTime}` : ""}` +
    `${s.habitAnchor?.clientWords ? `, ${s.habitAnchor.clientWords}` : ""}`;
  const day = new Date(`${result.today}T12:00:00Z`).toLocaleDateString("en-GB",
    { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" });
  const reminders = result.reminders.length === 0 ? ["  nothing left to do today"]
    : result.reminders.map((r) => {
      const at = new Date(r.dueTime).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: r.timeZone });
      return wrap(r.text, `  ${at}  `, "         ");
    });
  const store_ = store.startsWith("sqlite:") ? shown(store.slice("sqlite:".length)) : store;
  return `homework-server is running: gRPC on ${service.grpcAddress}, browser API on ${service.connectUrl}
  data ${store_}, development keys in ${shown(path.dirname(service.keyFile))}/, log ${shown(service.logFile)}

As the platform: client ${client.displayName} (${client.name}, ${client.timeZone}) ${result.clientCreated ? "created" : "already there, kept"}.
As Dr Ada: assignment ${result.assignmentCreated ? "created and activated" : "already active, kept"}:
  ${a.name}
  "${a.title}", ${a.state}: ${how}
  cue: ${s.environmentalCue || "none"}
  two-minute version: ${s.minimumVersion}

${client.displayName}'s today (${day}, ${client.timeZone}), as the reminders would say it:
${reminders.join("\n")}

Your turn (tokens last 12 h):
  TOKEN=$(${ctl} token --key ${shown(service.keyFile)} \\
            --sub dr-ada --role therapist --practice demo)
  ${ctl} call ListAssignments --address ${service.grpcAddress} --token "$TOKEN" \\
    --json '{"parent": "${client.name}"}'
${once ? "Stopped (--once)." : "Ctrl-C stops the server; the data stays for the next run."}`;
}

/** `text` in lines of at most `width` columns, the first after `first`, the rest after `rest`. */
function wrap(text, first, rest, width = 100) {
  const lines = [];
  let line = first;
  let fresh = true;
  for (const word of text.trim().split(/\s+/)) {
    if (!fresh && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else {
      line += (fresh ? "" : " ") + word;
    }
    fresh = false;
  }
  lines.push(line);
  return lines.join("\n");
}

function demoSummary(demo) {
  const port = (url) => new URL(url.replace(/^ws:/, "http:")).port;
  const logs = [demo.logFile, demo.janusLog, demo.portalLog].map(shown).join(", ");
  const media = demo.media
    ? `media over ${demo.media.name} (${demo.media.address}, UDP ${rtpPorts})`
    : "no network interface but loopback: video cannot connect (give --ice_interface=IF)";
  const tunnels = [demo.pageBaseUrl, demo.portalBaseUrl, demo.janusUrl].map((u) => `-L ${port(u)}:127.0.0.1:${port(u)}`);
  return `The telehealth demo is running. Open (each address signs you in as that person; development only):
  Dr Ada, therapist, in the session   ${demo.therapistUrl}
  Alex, client, in the session        ${demo.clientUrl}
  Alex's portal, between sessions     ${demo.portalUrl}   (add ?lang=es for Spanish)
  the three explained                 ${demo.pageBaseUrl}/

What runs where:
  homework-server   gRPC ${demo.grpcAddress}, browser API ${demo.connectUrl}
  Janus             ${demo.janusUrl}, ${media}
  pages             session ${demo.pageBaseUrl}, portal ${demo.portalBaseUrl}
  logs              ${logs}
From another machine, tunnel the browser's three ports:
  ssh ${tunnels.join(" ")} THIS_HOST
  (video also needs UDP from that browser to ${demo.media?.address ?? "Janus's media interface"})
Ctrl-C stops everything.`;
}

// Run as a program (also when started through a symlink), not when imported.
let isMain = false;
try {
  isMain = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
} catch { /* argv[1] is not a file: imported */ }
if (isMain) {
  try {
    await main(process.argv.slice(2));
  } catch (error) {
    console.error(`start.mjs: ${error instanceof LaunchError ? error.message : String(error?.message ?? error)}`);
    process.exit(1);
  }
}
