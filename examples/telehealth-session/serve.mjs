#!/usr/bin/env node
// The demo session page's static server: the page (index.html, page.js), the panel bundles from
// plugin/web/dist, janus.js and adapter.js from Debian's packages, and /config.json telling the
// page where Janus's WebSocket transport is. Tokens, session and client travel in the page URL
// (see start.mjs), never in this server's config. Development only: binds to one address, serves
// a fixed set of folders, no TLS.
//
//   node examples/telehealth-session/serve.mjs --janus_url=ws://127.0.0.1:8188 [--listen=127.0.0.1:8080]
//
// Also importable: startPageServer({ janusUrl, host, port }) resolves with { url, close }.

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
const pageFiles = new Set(["/", "/index.html", "/page.js", "/textroom-probe.js"]);

const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".map": "application/json", ".json": "application/json", ".css": "text/css" };

/** Starts the server; resolves once it listens. `port` 0 picks a free one. */
export function startPageServer({ janusUrl, host = "127.0.0.1", port = 0 }) {
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://page");
    if (url.pathname === "/config.json") {
      response.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      response.end(JSON.stringify({ janusUrl }));
      return;
    }
    const file = resolveFile(url.pathname);
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
