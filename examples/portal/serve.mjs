// A tiny server for the portal example: serves index.html, the built widget (plugin/web/dist,
// `npm run web:build` first) under /dist/, /config.json with the crisis resources, and, with
// --api, passes the Connect API (`/therapy.homework.v1.HomeworkService/*`, streams included)
// through to homework-server's --connect_listen, so the page calls its own origin and needs no
// CORS. Without --api the page names the API itself (?api=..., then the API's --cors_origins
// must list this page's origin). Logs one line per request, path only: query strings, fragments
// and Authorization headers (where tokens travel) are never logged.
//
//   node examples/portal/serve.mjs [--port 8081] [--host 127.0.0.1] [--api http://127.0.0.1:8080]
//                                  [--crisis FILE.json] [--port_file FILE]
//
// Port 0 picks a free port; the bound address is printed and, with --port_file, written there.
import { createServer, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { readFile, writeFile, rename } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const distDir = path.resolve(here, "../../plugin/web/dist");

function flag(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  if (index >= 0 && index + 1 < process.argv.length) return process.argv[index + 1];
  const inline = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  return inline ? inline.slice(name.length + 3) : fallback;
}

const host = flag("host", "127.0.0.1");
const port = Number(flag("port", "8081"));
const api = flag("api", "");
const crisisFile = flag("crisis", "");
const portFile = flag("port_file", "");
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be 0-65535, got ${flag("port")}`);
  process.exit(2);
}

// Shown when the platform configures none; an example, not advice for any country.
const exampleCrisis = [
  { name: "Emergency services", phone: "112", text: "If you are in danger now" },
  { name: "988 Suicide & Crisis Lifeline (US)", phone: "988", url: "https://988lifeline.org", text: "Call or text, 24/7" },
];
const crisisResources = crisisFile ? JSON.parse(await readFile(crisisFile, "utf8")) : exampleCrisis;

const API_PREFIX = "/therapy.homework.v1.HomeworkService/";
const apiUrl = api ? new URL(api) : undefined;

// Forwards one API call to --api as it comes, body and answer streamed both ways.
function proxy(request, response) {
  const headers = { ...request.headers, host: apiUrl.host };
  delete headers.origin; // same-origin for the page; the API sees a server-side caller
  const forward = (apiUrl.protocol === "https:" ? httpsRequest : httpRequest)({
    protocol: apiUrl.protocol, hostname: apiUrl.hostname, port: apiUrl.port,
    method: request.method, path: apiUrl.pathname.replace(/\/$/, "") + request.url, headers,
  }, (answer) => {
    response.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(response);
  });
  forward.on("error", () => {
    if (!response.headersSent) send(response, 502, ".json", JSON.stringify({ code: "unavailable", message: "API unreachable" }));
    else response.destroy();
  });
  response.on("close", () => forward.destroy());
  request.pipe(forward);
}

const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".map": "application/json", ".json": "application/json" };

const server = createServer(async (request, response) => {
  const pathname = new URL(request.url ?? "/", "http://localhost").pathname;
  if (apiUrl && pathname.startsWith(API_PREFIX)) {
    proxy(request, response);
    response.on("finish", () => console.log(`${request.method} ${pathname} ${response.statusCode}`));
    return;
  }
  let status = 200;
  try {
    if (request.method !== "GET" && request.method !== "HEAD") {
      status = 405;
    } else if (pathname === "/" || pathname === "/index.html") {
      send(response, 200, ".html", await readFile(path.join(here, "index.html")));
    } else if (pathname === "/config.json") {
      // With --api the page calls this origin (proxied); the empty base means "here".
      send(response, 200, ".json", JSON.stringify({ apiBaseUrl: "", crisisResources }));
    } else if (pathname.startsWith("/dist/")) {
      const file = path.resolve(distDir, `.${pathname.slice("/dist".length)}`);
      if (!file.startsWith(distDir + path.sep)) status = 404;
      else send(response, 200, path.extname(file), await readFile(file));
    } else {
      status = 404;
    }
  } catch {
    status = 404;
  }
  if (status !== 200) send(response, status, ".json", JSON.stringify({ error: status }));
  console.log(`${request.method} ${pathname} ${status}`);
});

function send(response, status, ext, body) {
  response.writeHead(status, {
    "Content-Type": types[ext] ?? "application/octet-stream",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
  });
  response.end(body);
}

server.listen(port, host, async () => {
  const bound = server.address().port;
  console.log(`portal example on http://${host}:${bound}/ (API ${api ? `${api} through this server` : "from ?api="})`);
  if (portFile) {
    await writeFile(`${portFile}.tmp`, String(bound));
    await rename(`${portFile}.tmp`, portFile);
  }
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
