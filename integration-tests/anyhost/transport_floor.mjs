// What one hop through a server costs two pages of this machine's headless Chromium, by browser
// transport, with a server that does no work at all (a Node HTTP server on 127.0.0.1 that
// answers or forwards at once): the floor under any live-session path that goes through a
// server, next to issue 13's baseline (a data-channel message between the same two pages,
// measured by anyhost_e2e.mjs --mode=bench).
//
//   node integration-tests/anyhost/transport_floor.mjs [--runs=40]
//
// Paths (page A and page B in two browser contexts; one-way paths timed from A's send to B's
// receipt on the pages' shared clock, as anyhost_e2e.mjs times its paths):
// - fetch round trip: A POSTs and reads the answer (the Connect browser API's unary call);
// - fetch POST -> streamed response: A POSTs, the server writes the body to B's open fetch
//   stream (how WatchEvents reaches a Connect page);
// - WebSocket round trip, and A -> server -> B over WebSocket;
// - the baseline of issue 13's benchmark, measured in the same run: a message on an
//   RTCDataChannel from A to B (peer to peer over loopback, no server).
// The WebSocket side is a minimal RFC 6455 server (text frames under 126 bytes, which is all
// this script sends), enough to time the transport.

import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { latencyTable } from "../latency.mjs";

const { values: args } = parseArgs({ options: { runs: { type: "string", default: "40" } } });
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 5 || runs > 1000) throw new Error("--runs must be 5-1000");

const streams = new Set();  // open fetch responses of page B
const sockets = new Set();  // open WebSockets
const textFrame = (text) => { const bytes = Buffer.from(text); return Buffer.concat([Buffer.from([0x81, bytes.length]), bytes]); };

const server = createServer((request, response) => {
  if (request.url === "/stream") {
    response.writeHead(200, { "content-type": "application/octet-stream", "cache-control": "no-store" });
    response.write(" ");
    streams.add(response);
    request.on("close", () => streams.delete(response));
    return;
  }
  if (request.method === "POST") {
    let body = "";
    request.on("data", (chunk) => { body += chunk; });
    request.on("end", () => {
      if (request.url === "/forward") for (const stream of streams) stream.write(body);
      response.end(body);
    });
    return;
  }
  response.setHeader("content-type", "text/html");
  response.end("<!doctype html><title>transport floor</title>");
});
server.on("upgrade", (request, socket) => {
  const accept = createHash("sha1")
    .update(`${request.headers["sec-websocket-key"]}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  socket.setNoDelay(true);
  sockets.add(socket);
  socket.on("data", (data) => {
    const length = data[1] & 0x7f;
    const mask = data.subarray(2, 6);
    const text = Buffer.from(data.subarray(6, 6 + length)).map((byte, i) => byte ^ mask[i % 4]).toString();
    if (text.startsWith("echo:")) socket.write(textFrame(text));
    else for (const other of sockets) if (other !== socket) other.write(textFrame(text));
  });
  socket.on("close", () => sockets.delete(socket));
  socket.on("error", () => sockets.delete(socket));
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

// As anyhost_e2e.mjs: Chromium leaves loopback out of ICE unless told otherwise.
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns"] });
try {
  const [a, b] = [await (await browser.newContext()).newPage(), await (await browser.newContext()).newPage()];
  for (const page of [a, b]) {
    await page.goto(origin);
    // Each page: a queue of waiters resolved, in order, with the time of each message received.
    await page.evaluate(() => new Promise((resolve) => {
      window.waiters = [];
      window.received = () => window.waiters.shift()?.(performance.timeOrigin + performance.now());
      window.socket = new WebSocket(location.origin.replace("http", "ws"));
      window.socket.onmessage = () => window.received();
      window.socket.onopen = resolve;
    }));
  }
  await b.evaluate(() => new Promise((resolve) => {
    void fetch("/stream").then(async (response) => {
      const reader = response.body.getReader();
      await reader.read();  // the first byte: the stream is open
      resolve();
      for (;;) {
        const { done } = await reader.read();
        if (done) return;
        window.received();
      }
    });
  }));

  // A data channel from A to B, its offer and answer (with every candidate) carried by this script.
  for (const page of [a, b]) {
    await page.evaluate(() => {
      window.peer = new RTCPeerConnection();
      window.gathered = () => new Promise((resolve) => {
        if (window.peer.iceGatheringState === "complete") resolve();
        window.peer.onicegatheringstatechange = () => { if (window.peer.iceGatheringState === "complete") resolve(); };
      });
    });
  }
  const offer = await a.evaluate(async () => {
    window.channel = window.peer.createDataChannel("probe");
    await window.peer.setLocalDescription(await window.peer.createOffer());
    await window.gathered();
    return window.peer.localDescription.toJSON();
  });
  const answer = await b.evaluate(async (offer) => {
    window.peer.ondatachannel = (event) => { event.channel.onmessage = () => window.received(); };
    await window.peer.setRemoteDescription(offer);
    await window.peer.setLocalDescription(await window.peer.createAnswer());
    await window.gathered();
    return window.peer.localDescription.toJSON();
  }, offer);
  await a.evaluate(async (answer) => {
    await window.peer.setRemoteDescription(answer);
    if (window.channel.readyState !== "open") await new Promise((resolve) => { window.channel.onopen = resolve; });
  }, answer);

  const roundTrips = (way) => a.evaluate(async ({ way, count }) => {
    const out = [];
    for (let i = 0; i < count; i++) {
      const at = performance.now();
      if (way === "fetch") await (await fetch("/echo", { method: "POST", body: `echo:${i}` })).text();
      else await new Promise((resolve) => { window.waiters.push(resolve); window.socket.send(`echo:${i}`); });
      out.push(performance.now() - at);
    }
    return out;
  }, { way, count: runs });
  const oneWay = async (way) => {
    const out = [];
    for (let i = 0; i < runs; i++) {
      const arrived = b.evaluate(() => new Promise((resolve) => window.waiters.push(resolve)));
      await new Promise((resolve) => setTimeout(resolve, 10));
      const sent = await a.evaluate(({ way, i }) => {
        const at = performance.timeOrigin + performance.now();
        if (way === "fetch") void fetch("/forward", { method: "POST", body: `m${i}` });
        else if (way === "socket") window.socket.send(`m${i}`);
        else window.channel.send(`m${i}`);
        return at;
      }, { way, i });
      out.push((await arrived) - sent);
    }
    return out;
  };

  const baseline = "RTCDataChannel message A -> B (baseline)";
  const rows = [
    [baseline, await oneWay("channel")],
    ["fetch round trip (POST, answered at once)", await roundTrips("fetch")],
    ["fetch POST -> server -> B's fetch stream", await oneWay("fetch")],
    ["WebSocket round trip", await roundTrips("socket")],
    ["WebSocket A -> server -> B", await oneWay("socket")],
  ];
  console.log(latencyTable(`one hop through a server that does no work, ${runs} runs each, ms`, rows, baseline));
} finally {
  await browser.close();
  for (const stream of streams) stream.end();
  for (const socket of sockets) socket.destroy();
  server.close();
}
