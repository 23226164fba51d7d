import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import {
  chmod,
  copyFile,
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { runCommand } from "../process.ts";
import type { BuildRequest, ImageBuilder } from "./builder.ts";
import { parseImageName, type RegistryClient } from "./registry.ts";

/** The `images.base` value that selects base images made from this machine's node binary. */
export const LOCAL_NODE_BASE = "local-node";

/** A built or found image, pinned by digest. */
export interface PinnedImage {
  /** `registry/repository@sha256:…` */
  reference: string;
  digest: string;
  /** True when this run built it, false when the registry already had it. */
  built: boolean;
}

/** The two images a service's Containerfile starts from. */
export interface BaseImages {
  /** The runtime stage's image (`BASE_IMAGE`): node and its shared libraries. */
  runtime: PinnedImage;
  /** The build stage's image (`BUILD_IMAGE`): node, npm, `env` and the CA certificates. */
  build: PinnedImage;
}

/** Registry, builder and repository prefix for building the local base images. */
export interface BaseImageTarget {
  /** Repository prefix, such as `localhost:5000/mooring`. */
  prefix: string;
  registry: RegistryClient;
  /** Without a builder, an image the registry lacks is reported as missing. */
  builder: ImageBuilder | undefined;
  insecure: boolean;
  authFile?: string;
}

// A file to place into an image's root filesystem.
interface RootFile {
  source: string;
  target: string;
}

/**
 * Makes sure the registry has the two local base images, both FROM scratch
 * so nothing is pulled: `node-base` contains this machine's `node` binary and the
 * shared libraries `ldd` lists for it, and `node-build` adds npm, `env` (for
 * npm's `#!/usr/bin/env node` scripts) and the machine's CA certificates (so
 * npm trusts the same registries as this machine). Each tag is a hash of the
 * files, so an unchanged node or npm is never rebuilt. Returns undefined when
 * an image is missing and there is no builder.
 */
export async function ensureLocalNodeImages(target: BaseImageTarget): Promise<BaseImages | undefined> {
  // 1. The runtime image's files.
  const node = await realpath(process.execPath);
  const runtimeFiles: RootFile[] = [
    { source: node, target: "/usr/local/bin/node" },
    ...(await listSharedLibraries(node)).map((library) => ({ source: library, target: library })),
  ];
  const runtime = await ensureScratchImage(
    target,
    "node-base",
    `node-${process.versions.node}`,
    runtimeFiles,
    {
      containerfile: "FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/bin\n",
    },
  );
  if (runtime === undefined) return undefined;

  // 2. The build image's files: node's, plus npm, env and the CA certificates.
  const env = await realpath("/usr/bin/env");
  const npm = await findNpm();
  const buildFiles: RootFile[] = [...runtimeFiles, { source: env, target: "/usr/bin/env" }];
  for (const library of await listSharedLibraries(env)) {
    if (!buildFiles.some((file) => file.target === library))
      buildFiles.push({ source: library, target: library });
  }
  const certificates = "/etc/ssl/certs/ca-certificates.crt";
  if (existsSync(certificates)) buildFiles.push({ source: certificates, target: certificates });
  const build = await ensureScratchImage(target, "node-build", `node-${process.versions.node}`, buildFiles, {
    folders: [{ source: npm.root, target: "/usr/local/lib/node_modules/npm" }],
    links: [{ target: "/usr/local/bin/npm", to: "../lib/node_modules/npm/bin/npm-cli.js" }],
    containerfile: [
      "FROM scratch",
      "COPY rootfs/ /",
      "ENV PATH=/usr/local/bin:/usr/bin HOME=/root",
      ...(existsSync(certificates) ? [`ENV NODE_EXTRA_CA_CERTS=${certificates}`] : []),
      "",
    ].join("\n"),
  });
  if (build === undefined) return undefined;
  return { runtime, build };
}

/** Lists the absolute paths of the shared libraries `ldd` reports for `binary`. */
export async function listSharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await runCommand("ldd", [binary]);
  const paths = new Set<string>();
  for (const line of stdout.split("\n")) {
    // Lines read `libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x…)` or `/lib64/ld-linux-x86-64.so.2 (0x…)`.
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (match?.[1]) paths.add(match[1]);
  }
  return [...paths].sort();
}

// Builds `<prefix>/<name>` FROM scratch with the given files unless the registry has its tag.
async function ensureScratchImage(
  target: BaseImageTarget,
  name: string,
  tagPrefix: string,
  files: RootFile[],
  layout: {
    containerfile: string;
    folders?: RootFile[];
    links?: { target: string; to: string }[];
  },
): Promise<PinnedImage | undefined> {
  // 1. The tag: a hash of every file's target path and content, and the Containerfile.
  const hash = createHash("sha256").update(layout.containerfile);
  for (const file of files) hash.update(`${file.target}\0`).update(await readFile(file.source));
  for (const folder of layout.folders ?? []) await hashFolder(hash, folder.source, folder.target);
  for (const link of layout.links ?? []) hash.update(`${link.target}\0->${link.to}\0`);
  const tag = `${tagPrefix}-${hash.digest("hex").slice(0, 16)}`;
  const imageName = `${target.prefix}/${name}`;

  // 2. Reuse what the registry has.
  const { repository } = parseImageName(imageName);
  const existing = await target.registry.findDigest(repository, tag);
  if (existing !== undefined)
    return { reference: `${imageName}@${existing}`, digest: existing, built: false };
  if (target.builder === undefined) return undefined;

  // 3. Otherwise lay out a root filesystem and build it.
  const context = await mkdtemp(join(tmpdir(), `mooring-${name}-`));
  try {
    const rootfs = join(context, "rootfs");
    for (const file of files) {
      await mkdir(dirname(join(rootfs, file.target)), { recursive: true });
      await copyFile(await realpath(file.source), join(rootfs, file.target));
    }
    for (const folder of layout.folders ?? []) {
      await cp(folder.source, join(rootfs, folder.target), { recursive: true, verbatimSymlinks: true });
    }
    for (const link of layout.links ?? []) {
      await mkdir(dirname(join(rootfs, link.target)), { recursive: true });
      await symlink(link.to, join(rootfs, link.target));
    }
    await mkdir(join(rootfs, "tmp"));
    await normaliseModes(rootfs);
    await chmod(join(rootfs, "tmp"), 0o1777);
    const containerfile = join(context, "Containerfile");
    await writeFile(containerfile, layout.containerfile);
    const request: BuildRequest = {
      context,
      containerfile,
      reference: `${imageName}:${tag}`,
      buildArgs: {},
      insecure: target.insecure,
    };
    if (target.authFile !== undefined) request.authFile = target.authFile;
    const digest = await target.builder.buildAndPush(request);
    return { reference: `${imageName}@${digest}`, digest, built: true };
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

async function findNpm(): Promise<{ root: string }> {
  const { stdout } = await runCommand("sh", ["-c", "command -v npm"]);
  const cli = await realpath(stdout.trim());
  // npm's entry is `<root>/bin/npm-cli.js`, with the package root two levels up.
  const root = dirname(dirname(cli));
  if (!existsSync(join(root, "package.json"))) {
    throw new Error(`Cannot find npm's package folder from '${cli}': expected '${root}/package.json'`);
  }
  return { root };
}

async function hashFolder(
  hash: ReturnType<typeof createHash>,
  folder: string,
  target: string,
): Promise<void> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const byPath = new Map(entries.map((entry) => [join(entry.parentPath, entry.name), entry]));
  for (const path of [...byPath.keys()].sort()) {
    const entry = byPath.get(path);
    const name = `${target}/${relative(folder, path)}\0`;
    if (entry?.isSymbolicLink()) hash.update(name).update(`->${await readlink(path)}\0`);
    else if (entry?.isFile()) hash.update(name).update(await readFile(path));
  }
}

// Folders 0755 and files 0755 or 0644 (keeping whether they are executable),
// whatever the umask was, because the images run as a non-root user.
async function normaliseModes(folder: string): Promise<void> {
  await chmod(folder, 0o755);
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isDirectory()) await chmod(path, 0o755);
    else if (entry.isFile()) await chmod(path, ((await stat(path)).mode & 0o111) !== 0 ? 0o755 : 0o644);
  }
}
