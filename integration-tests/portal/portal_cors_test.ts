// The portal page calling the Connect API across origins, as a platform does when the page and
// the API live on different hosts: the page's origin is in homework-server's --cors_origins and
// the widget loads in real Chromium; a page from an origin not listed cannot read any answer, so
// the widget shows its load error. Run: tsx portal_cors_test.ts --server P --ctl P --output DIR
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { binariesFromArgs, ServerProcess, type Binaries } from "./harness.js";
import { CLIENT_ID, seed } from "./fixture.js";
import { CHROMIUM_ARGS, startPageServer } from "./browser_suite.js";

let binaries: Binaries;
let allowed: Awaited<ReturnType<typeof startPageServer>> | undefined;
let other: Awaited<ReturnType<typeof startPageServer>> | undefined;
let server: ServerProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let token: string;
let api: string;

before(async () => {
  binaries = binariesFromArgs(process.argv);
  mkdirSync(binaries.outputDir, { recursive: true });
  allowed = await startPageServer();
  other = await startPageServer();
  server = await ServerProcess.start(binaries, { corsOrigins: [allowed.origin] });
  await seed(server);
  token = server.token(CLIENT_ID, "client");
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 360, height: 800 } });
  api = encodeURIComponent(server.connectUrl);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  for (const pages of [allowed, other]) pages?.child.kill("SIGTERM");
});

test("a page from an allowed origin loads the client's practice across origins", async () => {
  await page.goto(`${allowed!.origin}/?api=${api}#token=${token}`);
  const loaded = await page.getByRole("heading", { name: /practices? to do today/ })
    .waitFor({ timeout: 15_000 }).then(() => true, () => false);
  await page.screenshot({ path: path.join(binaries.outputDir, "cors-allowed.png"), fullPage: true });
  assert.ok(loaded, "a page from an allowed origin loads the client's practice across origins");
});

test("a page from another origin cannot read the API", async () => {
  await page.goto(`${other!.origin}/?api=${api}#token=${token}`);
  const refused = await page.getByRole("alert").filter({ hasText: "Could not load your practice" })
    .waitFor({ timeout: 15_000 }).then(() => true, () => false);
  assert.ok(refused, "a page from another origin cannot read the API");
});
