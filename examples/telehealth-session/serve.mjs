#!/usr/bin/env node
// The demo session page's static server: the page (index.html, page.js), the panel bundles from
// plugin/web/dist, janus.js and adapter.js from Debian's packages, and /config.json telling the
// page where Janus's WebSocket transport is. Development only: binds to one address, serves a
// fixed set of folders, no TLS.
//
// Who is on the page comes either from the page URL (role, token, session, client, display,
// room: what a platform would pass, and what the tests use) or, when start.mjs gives a `signIn`
// callback, from the demo sign-in: /therapist and /client serve the page, which asks
// POST /demo/sign-in {"as": "therapist"} for a development token of that seeded person, and
// /portal sends the browser on to the portal page with a fresh client token in the URL fragment
// (the portal page takes it out of the address bar at once). So the addresses people open are
// short and carry no token. The sign-in answers only requests addressed to a loopback host name
// with a JSON body (a page of another origin cannot make its browser send one without a CORS
// preflight, which this server never allows).
//
//   node examples/telehealth-session/serve.mjs --janus_url=ws://127.0.0.1:8188 [--listen=127.0.0.1:8080]
//
// Also importable: startPageServer({ janusUrl, host, port, signIn, portalPort, portalToken })
// resolves with { url, close }.

import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "..", "..");

/** URL prefix -> folder; the longest matching prefix wins. */
const roots = [
  ["/dist/", path.join(repoRoot, "plugin", "web", "dist")],
  ["/janus/janus.js", "/usr/share/javascript/janus-gateway/janus.js"],
  ["/janus/adapter.js", "/usr/share/javascript/webrtc-adapter/adapter.js"],
  ["/", here],
];

/** Files of the example folder the page may load; everything else there stays private. */
const pageFiles = new Set(["/", "/index.html", "/page.js", "/textroom-probe.js", "/demo.html"]);

/** The demo sign-in's people, by the path that serves the page for them. */
const signInPaths = new Set(["/therapist", "/client"]);

/** Host names a browser on this machine (or through an SSH tunnel) uses for the demo. */
const loopbackHost = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".map": "application/json", ".json": "application/json", ".css": "text/css" };

/**
 * Starts the server; resolves once it listens. `port` 0 picks a free one. `signIn(who)` (who:
 * "therapist" | "client") returns { token, ttlSeconds, session, room, role, display, client } or
 * undefined; `portalPort` and `portalToken()` make /portal lead to the portal page signed in.
 */
export function startPageServer({ janusUrl, host = "127.0.0.1", port = 0, signIn, portalPort, portalToken }) {
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://page");
    if (url.pathname === "/favicon.ico") {
      // The demo has no icon; answering keeps a 404 out of every page's console.
      response.writeHead(204, { "cache-control": "max-age=86400" }).end();
      return;
    }
    if (url.pathname === "/config.json") {
      response.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      response.end(JSON.stringify({ janusUrl, signIn: signIn !== undefined }));
      return;
    }
    if (signIn !== undefined && url.pathname === "/demo/sign-in") {
      await answerSignIn(request, response, signIn);
      return;
    }
    if (portalToken !== undefined && url.pathname === "/portal") {
      // The same host the browser used (127.0.0.1, localhost, a tunnel), on the portal's port.
      const hostName = (request.headers.host ?? "127.0.0.1").replace(/:\d+$/, "");
      if (!loopbackHost.test(hostName)) {
        response.writeHead(403, { "content-type": "text/plain" }).end("the demo sign-in answers loopback addresses only\n");
        return;
      }
      const lang = url.searchParams.get("lang");
      response.writeHead(302, { location: `http://${hostName}:${portalPort}/${lang ? `?lang=${encodeURIComponent(lang)}` : ""}` +
        `#token=${encodeURIComponent(portalToken())}`, "cache-control": "no-store", "referrer-policy": "no-referrer" });
      response.end();
      return;
    }
    // With the demo sign-in, / without a token in the URL is the demo's start page.
    const pathname = signInPaths.has(url.pathname) ? "/index.html"
      : signIn !== undefined && url.pathname === "/" && !url.searchParams.has("token") ? "/demo.html" : url.pathname;
    const file = resolveFile(pathname);
    if (file === undefined) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store" });
      response.end(body);
    } catch {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve({
        url: `http://${host}:${address.port}`,
        close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
      });
    });
  });
}

/** POST /demo/sign-in {"as": "therapist" | "client"} -> the sign-in's answer as JSON. */
async function answerSignIn(request, response, signIn) {
  const refuse = (status, message) => response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" })
    .end(JSON.stringify({ error: message }));
  if (request.method !== "POST") return refuse(405, "POST only");
  if (!loopbackHost.test(request.headers.host ?? "")) return refuse(403, "the demo sign-in answers loopback addresses only");
  if (!(request.headers["content-type"] ?? "").startsWith("application/json")) return refuse(415, "a JSON body only");
  let body = "";
  for await (const chunk of request) {
    body += chunk;
    if (body.length > 1000) return refuse(413, "body too large");
  }
  let who;
  try { who = JSON.parse(body).as; } catch { return refuse(400, "body is not JSON"); }
  let answer;
  try { answer = signIn(who); } catch { return refuse(500, "could not mint a development token"); }
  if (answer === undefined) return refuse(404, "the demo signs in \"therapist\" or \"client\" only");
  response.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
  response.end(JSON.stringify(answer));
}

/** A request path -> a file inside the served roots, or undefined (no `..` escapes). */
function resolveFile(pathname) {
  for (const [prefix, root] of roots) {
    if (prefix.endsWith(".js")) {
      if (pathname === prefix) return root;
      continue;
    }
    if (!pathname.startsWith(prefix)) continue;
    if (root === here && !pageFiles.has(pathname)) return undefined;
    const relative = pathname === "/" ? "index.html" : decodeURIComponent(pathname.slice(prefix.length));
    const file = path.resolve(root, relative);
    if (!file.startsWith(root + path.sep)) return undefined;
    return file;
  }
  return undefined;
}

// Command line: flags as --name=value.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const flags = Object.fromEntries(process.argv.slice(2).map((arg) => {
    const [name, ...value] = arg.replace(/^--/, "").split("=");
    return [name, value.join("=")];
  }));
  if (!flags.janus_url) {
    console.error("usage: serve.mjs --janus_url=ws://HOST:PORT [--listen=127.0.0.1:8080]");
    process.exit(2);
  }
  const [host, port] = (flags.listen ?? "127.0.0.1:8080").split(":");
  const { url } = await startPageServer({ janusUrl: flags.janus_url, host, port: Number(port) });
  console.log(`session page at ${url}/`);
}
