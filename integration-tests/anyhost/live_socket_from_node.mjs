// The service's part of issue 13's keystroke path, timed from Node with no browser: the real
// homework-server (memory store, as anyhost_e2e.mjs --mode=bench runs it), the demo's people,
// a live session, a draft of it, a live-session socket (/live/v1) for the therapist and one for
// the client, and --runs times an UpdateAssignment `call` on the therapist's socket timed until
// the client's socket has the `event` carrying the new text. anyhost_e2e.mjs times the same
// exchange between two Chromium pages beside a video call (its row "live socket: UpdateAssignment
// call -> client's event (no panels)"); the difference between the two is the browser's.
//
//   node --experimental-websocket integration-tests/anyhost/live_socket_from_node.mjs \
//     --server_bin=B --ctl_bin=C [--runs=200]
//
// Needs Node's WebSocket client: Node 22 and later have it; Node 20.10 and later behind the flag
// above.

import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { freePorts, startService } from "../../examples/telehealth-session/start.mjs";
import { seedDemo } from "../../examples/telehealth-session/seed.mjs";
import { median, percentile } from "../latency.mjs";

const { values: args } = parseArgs({ options: {
  server_bin: { type: "string" }, ctl_bin: { type: "string" }, runs: { type: "string", default: "200" } } });
for (const required of ["server_bin", "ctl_bin"]) {
  if (!args[required]) throw new Error(`--${required} is required`);
}
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 5 || runs > 10000) throw new Error("--runs must be 5-10000");
if (typeof WebSocket !== "function") {
  throw new Error("this Node has no WebSocket client: run it with --experimental-websocket (Node 20.10+) or on Node 22+");
}

const workDir = path.join(os.tmpdir(), `homework-live-socket-${process.pid}`);
const [grpc, api] = await freePorts(2);
const service = await startService({ serverBin: args.server_bin, ctlBin: args.ctl_bin, workDir,
  ports: { grpc, api }, store: "memory:" });
try {
  const seeded = await seedDemo(service.callService, service.tokens);
  const practice = seeded.client.slice(0, seeded.client.indexOf("/clients/"));
  const session = await service.callService("CreateSession", { parent: practice, sessionId: "live-socket-from-node",
    session: { client: seeded.client, externalId: "live socket from node" } }, service.tokens.platform);
  const draft = await service.callService("CreateAssignment", { parent: seeded.client, template: "templates/paced-breathing",
    requestId: "live-socket-from-node", assignment: { session: session.name, schedule: { startDate: "2026-01-05" } } },
  service.tokens.therapist);
  if (draft.state !== "STATE_DRAFT") throw new Error(`expected a draft, got ${draft.state}`);

  const url = `${service.connectUrl.replace(/^http/, "ws")}/live/v1`;
  const join = (token) => new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.onerror = () => reject(new Error(`no live-session socket at ${url}`));
    socket.onopen = () => socket.send(JSON.stringify({ request: "join", id: "j", session: session.name,
      client: seeded.client, token, display: "probe" }));
    socket.onmessage = (message) => {
      const body = JSON.parse(message.data);
      if (body.id === "j") body.homework === "joined" ? resolve(socket) : reject(new Error(message.data));
    };
  });
  const therapist = await join(service.tokens.therapist);
  const client = await join(service.tokens.client);

  const times = [];
  for (let run = 0; run < runs; run++) {
    const text = `probe ${run} ${Math.random()}`;
    const arrived = new Promise((resolve) => {
      client.onmessage = (message) => { if (message.data.includes(text)) resolve(performance.now()); };
    });
    const sent = performance.now();
    therapist.send(JSON.stringify({ request: "call", id: `u${run}`, method: "UpdateAssignment", body: {
      assignment: { name: draft.name, schedule: { minimumVersion: text } }, updateMask: "schedule.minimum_version" } }));
    times.push((await arrived) - sent);
  }
  therapist.close();
  client.close();
  console.log(`# live socket from Node: UpdateAssignment call -> client's event, ${runs} runs, ms`);
  console.log(`median ${median(times).toFixed(2)}, p95 ${percentile(times, 95).toFixed(2)}, ` +
    `p99 ${percentile(times, 99).toFixed(2)}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
} finally {
  await service.stop();
  await rm(workDir, { recursive: true, force: true });
}
