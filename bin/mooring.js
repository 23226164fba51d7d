#!/usr/bin/env node
// Runs the TypeScript CLI from the project root. The first run after a
// change to its sources bundles them with esbuild into .mooring/cli/, and
// later runs load that bundle, which starts in a fraction of the time that
// compiling each module with tsx takes. Without esbuild, when bundling fails,
// or with MOORING_DEBUG set (so that stack traces name the source files),
// it runs the sources through tsx.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const folder = join(root, ".mooring", "cli");
const manifestFile = join(folder, "manifest.json");
/** Files outside the sources whose change makes a bundle stale: the installed packages. */
const PACKAGE_FILES = ["package-lock.json", "node_modules/.package-lock.json"];
/** ES modules need `require` for the CommonJS dependencies esbuild inlines. */
const BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";
/** Builds older than this are removed when a new one is made; a CLI still running one has loaded it by then. */
const OLD_BUILD_MS = 10 * 60 * 1000;

const { run } = await loadCli();
process.exitCode = await run(process.argv.slice(2), root);

// Loads lib/main.ts from an up-to-date bundle, making one if needed, else through tsx.
async function loadCli() {
  if (!process.env.MOORING_DEBUG) {
    try {
      const entry = (await currentBundle()) ?? (await bundle());
      return await import(pathToFileURL(entry).href);
    } catch {
      // Falls through to tsx, which reports any error in the sources themselves.
    }
  }
  const { register } = await import("tsx/esm/api");
  register();
  return import("../lib/main.ts");
}

// Returns the bundle's entry when every file it was made from is unchanged since.
async function currentBundle() {
  const manifest = JSON.parse(await readFile(manifestFile, "utf8").catch(() => "null"));
  if (manifest === null) return undefined;
  for (const [file, recorded] of Object.entries(manifest.inputs)) {
    if ((await fingerprint(file)) !== recorded) return undefined;
  }
  return join(folder, manifest.entry);
}

// Bundles lib/main.ts into a new folder under .mooring/cli/, then points the manifest at it.
// Each run bundles into a folder of its own, so two CLIs bundling at once do not mix files.
async function bundle() {
  const { build } = await import("esbuild");
  const name = `build-${Date.now()}-${process.pid}`;
  const result = await build({
    entryPoints: [join(root, "lib", "main.ts")],
    outdir: join(folder, name),
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    keepNames: true,
    banner: { js: BANNER },
    external: ["esbuild"],
    metafile: true,
    logLevel: "silent",
    absWorkingDir: root,
  });
  const sources = Object.keys(result.metafile.inputs).filter((file) => !file.includes("node_modules/"));
  const inputs = {};
  for (const file of [...sources, ...PACKAGE_FILES]) inputs[file] = await fingerprint(file);
  const temporary = `${manifestFile}.${process.pid}`;
  await mkdir(folder, { recursive: true });
  await writeFile(temporary, JSON.stringify({ entry: join(name, "main.mjs"), inputs }));
  await rename(temporary, manifestFile);
  await removeOldBuilds(name);
  return join(folder, name, "main.mjs");
}

async function removeOldBuilds(current) {
  for (const entry of await readdir(folder)) {
    if (!entry.startsWith("build-") || entry === current) continue;
    const info = await stat(join(folder, entry)).catch(() => undefined);
    if (info !== undefined && Date.now() - info.mtimeMs > OLD_BUILD_MS) {
      await rm(join(folder, entry), { recursive: true, force: true });
    }
  }
}

// A file's modification time and size, or "missing", relative to the project root.
async function fingerprint(file) {
  const info = await stat(resolve(root, file)).catch(() => undefined);
  return info === undefined ? "missing" : `${info.mtimeMs}:${info.size}`;
}
