import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Environment } from "../config/schema.ts";
import { ensureLocalNodeBase, LOCAL_NODE_BASE, type PinnedImage } from "./base.ts";
import type { ImageBuilder } from "./builder.ts";
import { bundleService } from "./bundle.ts";
import { findTagDigest, parseImageName } from "./registry.ts";

/** A service's image after a build run. */
export interface ServiceImage extends PinnedImage {
  service: string;
  /** Content hash of the image's inputs, used as its tag. */
  tag: string;
}

/** Receives progress lines. */
export type Print = (line: string) => void;

/**
 * Builds and pushes the image of each named service whose inputs changed,
 * and returns every image pinned by digest. A service's tag is a hash of
 * its bundle, its Containerfile and the base image's digest. When the
 * registry already has that tag, nothing is built. Without a builder,
 * an image the registry lacks is an error instead of a build.
 */
export async function buildServiceImages(
  root: string,
  environment: Environment,
  services: string[],
  builder: ImageBuilder | undefined,
  print: Print,
): Promise<ServiceImage[]> {
  const { registry, insecure } = environment.images;

  // 1. The base image, pinned by digest.
  let base: string = environment.images.base;
  if (base === LOCAL_NODE_BASE) {
    const pinned = await ensureLocalNodeBase(registry, insecure, builder);
    if (pinned === undefined) throw missingImage("node-base", `${registry}/node-base`);
    print(`${pinned.built ? "built" : "unchanged"} base image ${pinned.reference}`);
    base = pinned.reference;
  }

  // 2. Each service: bundle, hash, then build only when the registry lacks the tag.
  const images: ServiceImage[] = [];
  for (const service of services) {
    const folder = join(root, "services", service);
    const bundle = await bundleService(root, service);
    const containerfile = join(folder, "Containerfile");
    const hash = createHash("sha256");
    hash.update(base);
    hash.update(await readFile(containerfile));
    hash.update(await readFile(bundle));
    const tag = hash.digest("hex").slice(0, 20);
    const name = `${registry}/${service}`;

    const existing = await findTagDigest(parseImageName(name), tag, insecure);
    if (existing !== undefined) {
      print(`unchanged ${service} image ${name}:${tag}`);
      images.push({ service, tag, reference: `${name}@${existing}`, digest: existing, built: false });
      continue;
    }
    if (builder === undefined) throw missingImage(service, `${name}:${tag}`);
    print(`building ${service} image ${name}:${tag} with ${builder.name}`);
    const digest = await builder.buildAndPush({
      context: folder,
      containerfile,
      reference: `${name}:${tag}`,
      buildArgs: { BASE_IMAGE: base },
      insecure,
    });
    print(`built ${service} image ${name}@${digest}`);
    images.push({ service, tag, reference: `${name}@${digest}`, digest, built: true });
  }
  return images;
}

function missingImage(service: string, reference: string): Error {
  return new Error(`The registry has no image '${reference}' for '${service}'; run 'mooring build' first`);
}
