// What the browser suites share: the example page server (examples/portal/serve.mjs) beside the
// real homework-server, Chromium's flags, the review panel's host page, and a story step that
// leaves evidence when it fails. Not a test file: importing it registers no tests.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { binariesFromArgs, ServerProcess, type Binaries } from "./harness.js";

export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/**
 * Starts examples/portal/serve.mjs on a free port, passing the API through to `api` when given;
 * returns its origin and process.
 */
export async function startPageServer(api?: string): Promise<{ origin: string; child: ChildProcess; dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), "portal-page-"));
  const portFile = path.join(dir, "port");
  const child = spawn(process.execPath, ["examples/portal/serve.mjs", "--port", "0", "--port_file", portFile,
    ...(api ? ["--api", api] : [])], { stdio: ["ignore", "ignore", "inherit"] });
  const deadline = Date.now() + 10_000;
  while (!existsSync(portFile)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error("serve.mjs did not start");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { origin: `http://127.0.0.1:${readFileSync(portFile, "utf8").trim()}`, child, dir };
}

/** What a browser suite runs against: the real server, the example page server passing the API through. */
export interface BrowserSuite {
  binaries: Binaries;
  /** The output folder for screenshots (created). */
  shots: string;
  server: ServerProcess;
  page$: Awaited<ReturnType<typeof startPageServer>>;
  /** Stops the page server and the server (by their PIDs) and removes their folders. */
  stop(): Promise<void>;
}

/** Starts a browser suite from the command line's binaries; throws when the bundle is missing. */
export async function startBrowserSuite(serverArgs: string[] = []): Promise<BrowserSuite> {
  const binaries = binariesFromArgs(process.argv);
  if (!existsSync("plugin/web/dist/portal.js")) {
    throw new Error("plugin/web/dist/portal.js is missing: run `npm run web:gen && npm run web:build` first");
  }
  const shots = binaries.outputDir;
  mkdirSync(shots, { recursive: true });
  const server = await ServerProcess.start(binaries, { extraArgs: serverArgs });
  const page$ = await startPageServer(server.connectUrl);
  return {
    binaries, shots, server, page$,
    stop: async () => {
      await server.stop();
      page$.child.kill("SIGTERM");
      rmSync(page$.dir, { recursive: true, force: true });
    },
  };
}

/**
 * Returns `step(name, fn)`, which registers `fn` as the test `name` (one step of a story run in
 * order); when the step throws, `onFailure` runs first (a screenshot, the page's console) and the
 * failure is then reported as the step's.
 */
export function storySteps(onFailure: () => Promise<void>): (name: string, fn: () => Promise<void>) => void {
  return (name, fn) => {
    test(name, async () => {
      try {
        await fn();
      } catch (error) {
        await onFailure().catch(() => {});
        throw error;
      }
    });
  };
}

/**
 * A page holding <homework-review-panel> for `client` over the Connect API of the page's own
 * origin with a therapist's `token`; `docked` puts it in the right third, as beside the video.
 */
export function reviewPanelHtml(options: { token: string; client: string; lang: string; title: string;
                                          heading: string; docked?: boolean }): string {
  const panel = "<homework-review-panel></homework-review-panel>";
  return `<!doctype html>
    <html lang="${options.lang}"><head><meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${options.title}</title>
    <style>body { margin: 0; } main.docked { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 8px; }
      main.docked aside { padding: 0 12px; }
      @media (max-width: 700px) { main.docked { grid-template-columns: minmax(0, 1fr); } }</style></head>
    <body>${options.docked
      ? `<main class="docked"><div><h1>${options.heading}</h1><p>The video sits here.</p></div><aside aria-label="Homework">${panel}</aside></main>`
      : `<main><h1>${options.heading}</h1>${panel}</main>`}
    <script type="module">
      import { createHomeworkClient, connectTransport } from "/dist/session-panels.js";
      const token = ${JSON.stringify(options.token)};
      const panel = document.querySelector("homework-review-panel");
      panel.api = createHomeworkClient(connectTransport({ baseUrl: location.origin, token: () => token }));
      panel.client = ${JSON.stringify(options.client)};
    </script></body></html>`;
}
