// Bundles each action's main.ts, with everything it imports from lib/ and
// node_modules, into actions/<name>/dist/index.js, which the runner runs with
// its own Node (runs.using: node24). With --check, builds into a scratch
// folder and fails when a committed dist/ differs, so CI catches a stale one.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { build } from "esbuild";

const root = join(import.meta.dirname, "..");
const actionsFolder = join(root, "actions");
/** ES modules need `require` for the CommonJS dependencies esbuild inlines. */
const BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";
/**
 * Packages left out of the bundle and loaded from the project's node_modules
 * at run time. esbuild's API finds the sources of a service's image, and it
 * rejects being bundled because it drives its native binary. So a workflow
 * runs `npm ci` before an action that imports it.
 */
const EXTERNAL = ["esbuild"];
/** Makes Node load index.js as an ES module without reading a package.json outside dist/. */
const DIST_PACKAGE_JSON = `${JSON.stringify({ type: "module" }, null, 2)}\n`;

const check = process.argv.includes("--check");
const names = await listActions();
const output = check ? await mkdtemp(join(tmpdir(), "mooring-dist-")) : actionsFolder;
const stale: string[] = [];

for (const name of names) {
  // 1. Bundle.
  const dist = join(output, name, "dist");
  await mkdir(dist, { recursive: true });
  await build({
    entryPoints: [join(actionsFolder, name, "main.ts")],
    outfile: join(dist, "index.js"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: true,
    keepNames: true,
    legalComments: "none",
    banner: { js: BANNER },
    external: EXTERNAL,
    logLevel: "warning",
    absWorkingDir: root,
  });
  await writeFile(join(dist, "package.json"), DIST_PACKAGE_JSON);

  // 2. Compare with the committed dist/.
  if (check) {
    for (const file of ["index.js", "package.json"]) {
      const built = await readFile(join(dist, file), "utf8");
      const committed = await readFile(join(actionsFolder, name, "dist", file), "utf8").catch(
        () => undefined,
      );
      if (built !== committed) stale.push(relative(root, join(actionsFolder, name, "dist", file)));
    }
  }
}

if (check) {
  await rm(output, { recursive: true, force: true });
  if (stale.length > 0) {
    console.error(`dist/ is out of date: ${stale.join(", ")}\nRun 'npm run build' and commit the result.`);
    process.exit(1);
  }
  console.log(`dist/ of ${names.length} actions is up to date`);
} else {
  console.log(`bundled ${names.length} actions: ${names.join(", ")}`);
}

async function listActions(): Promise<string[]> {
  const entries = await readdir(actionsFolder, { withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const files = await readdir(join(actionsFolder, entry.name));
    if (files.includes("main.ts")) found.push(entry.name);
  }
  return found.sort();
}
