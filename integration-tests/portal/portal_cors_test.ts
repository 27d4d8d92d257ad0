// The portal page calling the Connect API across origins, as a platform does when the page and
// the API live on different hosts: the page's origin is in homework-server's --cors_origins and
// the widget loads in real Chromium; a page from an origin not listed cannot read any answer, so
// the widget shows its load error. Run: tsx portal_cors_test.ts --server P --ctl P --output DIR
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { binariesFromArgs, Checks, ServerProcess } from "./harness.js";
import { CLIENT_ID, seed } from "./fixture.js";
import { CHROMIUM_ARGS, startPageServer } from "./portal_browser_test.js";

async function main(): Promise<number> {
  const binaries = binariesFromArgs(process.argv);
  mkdirSync(binaries.outputDir, { recursive: true });
  const checks = new Checks();
  const allowed = await startPageServer();
  const other = await startPageServer();
  const server = await ServerProcess.start(binaries, { corsOrigins: [allowed.origin] });
  let browser: Browser | undefined;
  try {
    await seed(server);
    const token = server.token(CLIENT_ID, "client");
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 360, height: 800 } });
    const api = encodeURIComponent(server.connectUrl);

    await page.goto(`${allowed.origin}/?api=${api}#token=${token}`);
    const loaded = await page.getByRole("heading", { name: /practices? to do today/ })
      .waitFor({ timeout: 15_000 }).then(() => true, () => false);
    checks.expect(loaded, "a page from an allowed origin loads the client's practice across origins");
    await page.screenshot({ path: path.join(binaries.outputDir, "cors-allowed.png"), fullPage: true });

    await page.goto(`${other.origin}/?api=${api}#token=${token}`);
    const refused = await page.getByRole("alert").filter({ hasText: "Could not load your practice" })
      .waitFor({ timeout: 15_000 }).then(() => true, () => false);
    checks.expect(refused, "a page from another origin cannot read the API");
  } finally {
    await browser?.close();
    await server.stop();
    for (const page of [allowed, other]) page.child.kill("SIGTERM");
  }
  return checks.finish("portal_cors_test");
}

main().then((code) => process.exit(code), (error) => {
  console.error(error);
  process.exit(1);
});
