import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { build } from "esbuild";
import { type Lockfile, type PackageManifest, packageOfPath, pruneLockfile } from "./lockfile.ts";

/** The npm package that bundles each service inside its image build; always installed. */
export const BUNDLER_PACKAGE = "esbuild";

/** Files of the project root that every build context carries when they exist. */
const PROJECT_FILES = ["tsconfig.json"];

/** A service's build context, staged in a temporary folder, and the digest of every input. */
export interface BuildContext {
  /** The staged folder to hand to the builder; remove it with `dispose`. */
  folder: string;
  containerfile: string;
  /**
   * Each input and its digest: `file:<path>` for a file of the context (its
   * SHA-256), `Containerfile` for the Containerfile and `build-arg:<NAME>`
   * for a build argument (its value).
   */
  inputs: Record<string, string>;
  /** SHA-256 over `inputs`, the image's cache key. */
  digest: string;
  dispose(): Promise<void>;
}

/**
 * Stages the build context of `services/<service>`. It contains the source
 * files its `src/server.ts` imports, found with esbuild, so shared code counts
 * only when it is imported. It also contains `package.json` and
 * `package-lock.json`, pruned to the npm packages the bundle uses plus the
 * bundler, and the project files listed in PROJECT_FILES. The builder sees
 * exactly these files, so the digest over them, the Containerfile and the
 * build arguments covers everything that can change the image.
 */
export async function stageBuildContext(
  root: string,
  service: string,
  buildArgs: Record<string, string>,
): Promise<BuildContext> {
  const containerfile = join(root, "services", service, "Containerfile");
  const files = new Map<string, Buffer>();

  // 1. The sources the service imports, and the npm packages they come from.
  const { sources, packages } = await findImports(root, service);
  for (const path of sources) files.set(path, await readFile(join(root, path)));

  // 2. package.json and the lockfile, pruned to those packages and the bundler.
  const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as PackageManifest;
  const lockfile = JSON.parse(await readFile(join(root, "package-lock.json"), "utf8")) as Lockfile;
  const pruned = pruneLockfile(manifest, lockfile, [...packages, BUNDLER_PACKAGE]);
  files.set("package.json", Buffer.from(`${JSON.stringify(pruned.manifest, null, 2)}\n`));
  files.set("package-lock.json", Buffer.from(`${JSON.stringify(pruned.lockfile, null, 2)}\n`));
  for (const path of PROJECT_FILES) {
    if (existsSync(join(root, path))) files.set(path, await readFile(join(root, path)));
  }

  // 3. The inputs and their digest.
  const inputs: Record<string, string> = {};
  for (const path of [...files.keys()].sort()) inputs[`file:${path}`] = sha256(files.get(path) as Buffer);
  inputs.Containerfile = sha256(await readFile(containerfile));
  for (const name of Object.keys(buildArgs).sort()) inputs[`build-arg:${name}`] = buildArgs[name] as string;

  // 4. The staged folder, with fixed modes so the umask cannot change the image.
  const folder = await mkdtemp(join(tmpdir(), `mooring-context-${service}-`));
  try {
    for (const [path, content] of files) {
      await mkdir(dirname(join(folder, path)), { recursive: true, mode: 0o755 });
      await writeFile(join(folder, path), content, { mode: 0o644 });
    }
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  return {
    folder,
    containerfile,
    inputs,
    digest: digestInputs(inputs),
    dispose: () => rm(folder, { recursive: true, force: true }),
  };
}

/** Computes the SHA-256 of a set of inputs, independent of key order. */
export function digestInputs(inputs: Record<string, string>): string {
  const hash = createHash("sha256");
  for (const key of Object.keys(inputs).sort()) hash.update(`${key}\0${inputs[key]}\n`);
  return hash.digest("hex");
}

/**
 * Lists what changed between two input sets, such as
 * `changed file:services/time/src/app.ts`, sorted by input name.
 */
export function diffInputs(previous: Record<string, string>, current: Record<string, string>): string[] {
  const names = [...new Set([...Object.keys(previous), ...Object.keys(current)])].sort();
  const changes: string[] = [];
  for (const name of names) {
    if (!(name in previous)) changes.push(`added ${name}`);
    else if (!(name in current)) changes.push(`removed ${name}`);
    else if (previous[name] !== current[name]) changes.push(`changed ${name}`);
  }
  return changes;
}

// Resolves the service's import graph the way the bundle step in the
// Containerfile does, without writing output.
async function findImports(root: string, service: string) {
  const entry = join("services", service, "src", "server.ts");
  let result: Awaited<ReturnType<typeof build>>;
  try {
    result = await build({
      entryPoints: [entry],
      absWorkingDir: root,
      bundle: true,
      platform: "node",
      format: "cjs",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
  } catch (error) {
    const errors = (error as { errors?: { text: string; location?: { file: string; line: number } }[] })
      .errors;
    const details = errors?.map(
      (e) => (e.location ? `${e.location.file}:${e.location.line}: ` : "") + e.text,
    );
    throw new Error(
      `Resolving the imports of '${entry}' failed: ${details?.join("; ") ?? (error as Error).message}`,
    );
  }
  const sources: string[] = [];
  const packages = new Set<string>();
  for (const path of Object.keys(result.metafile?.inputs ?? {})) {
    const name = packageOfPath(path);
    if (name !== undefined) packages.add(name);
    else if (!path.includes(":")) sources.push(path);
  }
  return { sources: sources.sort(), packages: [...packages].sort() };
}

function sha256(content: Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}
