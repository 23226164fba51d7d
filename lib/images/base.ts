import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runCommand } from "../process.ts";
import type { ImageBuilder } from "./builder.ts";
import { findTagDigest, parseImageName } from "./registry.ts";

/** The `images.base` value that selects a base image made from this machine's node binary. */
export const LOCAL_NODE_BASE = "local-node";

/** A built or found image, pinned by digest. */
export interface PinnedImage {
  /** `registry/repository@sha256:…` */
  reference: string;
  digest: string;
  /** True when this run built it, false when the registry already had it. */
  built: boolean;
}

/**
 * Makes sure the registry has a base image holding only this machine's
 * `node` binary and the shared libraries `ldd` lists for it (a FROM-scratch
 * image, so nothing is pulled), and returns it pinned by digest. The tag is a
 * hash of those files, so an unchanged node binary is never rebuilt.
 * Without a builder, returns undefined when the registry lacks the image.
 */
export async function ensureLocalNodeBase(
  registryPrefix: string,
  insecure: boolean,
  builder: ImageBuilder | undefined,
): Promise<PinnedImage | undefined> {
  // 1. The files and their hash.
  const nodePath = await realpath(process.execPath);
  const libraries = await listSharedLibraries(nodePath);
  const hash = createHash("sha256");
  for (const file of [nodePath, ...libraries]) {
    hash.update(file);
    hash.update(await readFile(file));
  }
  const tag = `node-${process.versions.node}-${hash.digest("hex").slice(0, 16)}`;
  const name = `${registryPrefix}/node-base`;

  // 2. Reuse what the registry has.
  const existing = await findTagDigest(parseImageName(name), tag, insecure);
  if (existing !== undefined) {
    return { reference: `${name}@${existing}`, digest: existing, built: false };
  }
  if (builder === undefined) return undefined;

  // 3. Otherwise lay out a root filesystem and build it.
  const context = await mkdtemp(join(tmpdir(), "mooring-node-base-"));
  try {
    await copyInto(context, nodePath, "/usr/local/bin/node");
    for (const library of libraries) {
      await copyInto(context, library, library);
    }
    const containerfile = join(context, "Containerfile");
    await writeFile(containerfile, "FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/bin\n");
    const digest = await builder.buildAndPush({
      context,
      containerfile,
      reference: `${name}:${tag}`,
      buildArgs: {},
      insecure,
    });
    return { reference: `${name}@${digest}`, digest, built: true };
  } finally {
    await rm(context, { recursive: true, force: true });
  }
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

async function copyInto(context: string, source: string, target: string): Promise<void> {
  const destination = join(context, "rootfs", target);
  await mkdir(dirname(destination), { recursive: true });
  await copyFile(await realpath(source), destination);
}
