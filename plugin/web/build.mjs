// Bundles the browser entry points: every plugin/web/src/entries/*.ts becomes
// plugin/web/dist/<name>.js, and src/embed gives homework-embed.js, homework-frame.js and
// homework-frame.html (ES module for browsers, with a source map). Minified when
// NODE_ENV=production or with --release. Run from anywhere: `node plugin/web/build.mjs`
// (package.json's `web:build`). Needs the generated types first (`npm run web:gen`).
import { build } from "esbuild";
import { copyFile, readdir } from "node:fs/promises";
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

// The iframe embedding (src/embed, docs/embedding.md): the host SDK and the frame page's script,
// named for what a host loads; the frame page itself is copied beside them.
const embedDir = path.join(webDir, "src", "embed");
const embedEntries = [
  { in: path.join(embedDir, "homework-embed.ts"), out: "homework-embed" },
  { in: path.join(embedDir, "frame.ts"), out: "homework-frame" },
];

const result = await build({
  entryPoints: [...entries.map((file) => ({ in: file, out: path.basename(file, ".ts") })), ...embedEntries],
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

await copyFile(path.join(embedDir, "frame.html"), path.join(outDir, "homework-frame.html"));

for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (file.endsWith(".map")) continue;
  console.log(`built ${file} (${(output.bytes / 1024).toFixed(1)} KiB${release ? ", minified" : ""})`);
}
