// Bundles the browser entry points: every plugin/web/src/entries/*.ts becomes
// plugin/web/dist/<name>.js (ES module for browsers, with a source map). Minified when
// NODE_ENV=production or with --release. Run from anywhere: `node plugin/web/build.mjs`
// (package.json's `web:build`). Needs the generated types first (`npm run web:gen`).
import { build } from "esbuild";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const webDir = path.dirname(fileURLToPath(import.meta.url));
const entriesDir = path.join(webDir, "src", "entries");
const outDir = path.join(webDir, "dist");
const release = process.argv.includes("--release") || process.env.NODE_ENV === "production";

const entries = (await readdir(entriesDir))
  .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
  .sort()
  .map((file) => path.join(entriesDir, file));
if (entries.length === 0) {
  console.error(`no entry points in ${path.relative(process.cwd(), entriesDir)}`);
  process.exit(1);
}

const result = await build({
  entryPoints: entries,
  outdir: outDir,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  sourcemap: true,
  minify: release,
  metafile: true,
  logLevel: "warning",
  define: { "process.env.NODE_ENV": JSON.stringify(release ? "production" : "development") },
});

for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (file.endsWith(".map")) continue;
  console.log(`built ${file} (${(output.bytes / 1024).toFixed(1)} KiB${release ? ", minified" : ""})`);
}
