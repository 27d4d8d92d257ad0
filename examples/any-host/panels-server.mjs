// The homework panels' deployment, as the homework vendor runs it on its own origin (in the
// example another port than the video host): plugin/web/dist under /dist/, with
//
// - /dist/homework-frame.html: the frame page with its parent allowlist filled in (the
//   `homework-allowed-parents` meta frame.ts reads) and, unless `frameAncestors` is false, the
//   same origins as `Content-Security-Policy: frame-ancestors`, so no other page can even show it;
// - /dist/homework-embed.js: the host SDK, readable from any origin (a host page imports it as a
//   module from here, like any third-party SDK from its vendor's address).
//
// Who may embed is this server's configuration, never the host's. Development only: no TLS, one
// address. The panels call the browser API (homework-server's --connect_listen), whose
// --cors_origins must list this origin.
//
//   startPanelsServer({ allowedParents: ["http://127.0.0.1:8084"], port: 8085 }) -> { url, origin, close }
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "plugin", "web", "dist");
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".map": "application/json" };

/**
 * Starts the server; resolves once it listens. `allowedParents`: the host origins allowed to
 * embed the frame; `frameAncestors` (default true): also send them as CSP frame-ancestors;
 * `port` 0 picks a free one.
 */
export function startPanelsServer({ allowedParents, host = "127.0.0.1", port = 0, frameAncestors = true }) {
  const parents = allowedParents.join(" ");
  const server = createServer(async (request, response) => {
    const { pathname } = new URL(request.url ?? "/", "http://panels");
    const name = pathname.startsWith("/dist/") ? decodeURIComponent(pathname.slice("/dist/".length)) : "";
    if (request.method !== "GET" || name === "" || name.includes("/") || name.startsWith(".")) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    let body;
    try {
      body = await readFile(path.join(distDir, name));
    } catch {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found (run npm run web:build)\n");
      return;
    }
    const headers = { "content-type": types[path.extname(name)] ?? "application/octet-stream", "cache-control": "no-store" };
    if (name === "homework-frame.html") {
      body = body.toString().replace('<meta name="homework-allowed-parents" content="">',
        `<meta name="homework-allowed-parents" content="${parents}">`);
      if (frameAncestors) headers["content-security-policy"] = `frame-ancestors ${parents || "'none'"}`;
      headers["referrer-policy"] = "no-referrer";
    } else if (name === "homework-embed.js" || name === "homework-embed.js.map") {
      headers["access-control-allow-origin"] = "*";
    }
    response.writeHead(200, headers).end(body);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const origin = `http://${host}:${server.address().port}`;
      resolve({ url: `${origin}/dist`, origin, port: server.address().port,
        close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }) });
    });
  });
}
