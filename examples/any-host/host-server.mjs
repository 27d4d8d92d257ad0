// The video host's own server: what a telehealth vendor that does not run Janus already has, cut
// down to what the example needs.
//
// - Sign-in (development only): /therapist, /client and /interpreter sign the browser in as that
//   person of the call (a random host-session id in an HttpOnly cookie) and serve the call page.
// - The launch handoff: POST /host/homework-token exchanges the host's own session (the cookie)
//   for a short-lived homework token, minted by `mintToken` (in production: the platform's
//   backend signs it with the key homework-server trusts). A person the host gives no homework
//   role (the interpreter) gets 403 {"error": "permission_denied"}.
// - GET /host/me: who is signed in and where the call's homework is (session, client, the
//   panels' frame URL and the browser API), for the page.
// - Signalling for the peer-to-peer call: GET /signal?peer=ID is a Server-Sent Events stream
//   (`peers` once: who is already in the call; `joined`, `left`; `signal`: {from, data} sent to
//   this peer); POST /signal {from, to, data} forwards one offer, answer or ICE candidate. One
//   call per server. The server never reads what the data says.
//
// State-changing requests must be JSON from a loopback host name (a page of another origin cannot
// send those without a CORS preflight, which this server never allows). Logs nothing.
//
//   startHostServer({ port, people, call, mintToken }) -> { url, origin, close }
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const pages = { "/call.js": ["call.js", "text/javascript; charset=utf-8"], "/": ["index.html", "text/html; charset=utf-8"] };
const loopbackHost = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;
const cookieName = "anyhost_session";

/**
 * Starts the host server; resolves once it listens.
 * - `people`: { therapist|client|interpreter: { display, homework?: key of the demo's people } };
 *   `homework` absent: no homework role.
 * - `call`: { session, client, frameUrl, api, panelsOrigin }: what every page of the call embeds.
 * - `mintToken(homeworkKey, ttl)`: a homework token for that person.
 */
export function startHostServer({ host = "127.0.0.1", port = 0, people, call, mintToken }) {
  const signedIn = new Map(); // host session id -> person key
  const peers = new Map(); // peer id -> { person, send(event, data) }

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://host");
    const person = signedIn.get(cookieOf(request));
    try {
      if (request.method === "GET" && people[url.pathname.slice(1)] !== undefined) {
        const id = randomUUID();
        signedIn.set(id, url.pathname.slice(1));
        const page = await readFile(path.join(here, "call.html"));
        response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store",
          "set-cookie": `${cookieName}=${id}; HttpOnly; SameSite=Strict; Path=/` }).end(page);
        return;
      }
      if (request.method === "GET" && pages[url.pathname]) {
        const [file, type] = pages[url.pathname];
        response.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(await readFile(path.join(here, file)));
        return;
      }
      if (url.pathname === "/host/me" && request.method === "GET") {
        if (person === undefined) return json(response, 401, { error: "not signed in" });
        return json(response, 200, { person, display: people[person].display, homework: people[person].homework !== undefined,
          ...call });
      }
      if (url.pathname === "/host/homework-token" && request.method === "POST") {
        if (!(await guarded(request, response))) return;
        if (person === undefined) return json(response, 401, { error: "not signed in" });
        const homework = people[person].homework;
        if (homework === undefined) return json(response, 403, { error: "permission_denied" });
        return json(response, 200, { token: mintToken(homework, "15m") });
      }
      if (url.pathname === "/signal" && request.method === "GET") {
        if (person === undefined) return json(response, 401, { error: "not signed in" });
        const id = url.searchParams.get("peer") ?? "";
        if (!/^[a-z0-9-]{8,64}$/.test(id) || peers.has(id)) return json(response, 400, { error: "peer: a fresh id" });
        response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
        const send = (event, data) => response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        const display = people[person].display;
        send("peers", [...peers].map(([peer, p]) => ({ peer, display: p.display })));
        for (const other of peers.values()) other.send("joined", { peer: id, display });
        peers.set(id, { display, send });
        const heartbeat = setInterval(() => response.write(": keep-alive\n\n"), 15_000);
        response.on("close", () => {
          clearInterval(heartbeat);
          peers.delete(id);
          for (const other of peers.values()) other.send("left", { peer: id });
        });
        return;
      }
      if (url.pathname === "/signal" && request.method === "POST") {
        if (!(await guarded(request, response))) return;
        if (person === undefined) return json(response, 401, { error: "not signed in" });
        const message = request.body;
        const target = peers.get(message?.to);
        if (target === undefined || !peers.has(message?.from)) return json(response, 404, { error: "no such peer" });
        target.send("signal", { from: message.from, data: message.data });
        return json(response, 200, {});
      }
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    } catch {
      if (!response.headersSent) json(response, 500, { error: "internal" });
      else response.destroy();
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const origin = `http://${host}:${server.address().port}`;
      resolve({ url: origin, origin, port: server.address().port,
        close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }) });
    });
  });
}

function json(response, status, body) {
  response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
}

function cookieOf(request) {
  const match = new RegExp(`(?:^|;\\s*)${cookieName}=([^;]+)`).exec(request.headers.cookie ?? "");
  return match?.[1];
}

/** A JSON body (at most 64 KiB) from a loopback host name, read into request.body; else answers 400/403. */
async function guarded(request, response) {
  if (!loopbackHost.test(request.headers.host ?? "")) {
    json(response, 403, { error: "loopback addresses only" });
    return false;
  }
  if (!(request.headers["content-type"] ?? "").startsWith("application/json")) {
    json(response, 400, { error: "the body must be JSON" });
    return false;
  }
  let text = "";
  for await (const chunk of request) {
    text += chunk;
    if (text.length > 65_536) {
      json(response, 413, { error: "body too large" });
      return false;
    }
  }
  try {
    request.body = text === "" ? {} : JSON.parse(text);
    return true;
  } catch {
    json(response, 400, { error: "the body is not JSON" });
    return false;
  }
}
