import { RegistryClient } from "./registry.ts";
import type { RegistryCredentials } from "./registry-auth.ts";

/** An image reference split into its parts, with Docker Hub's defaults filled in. */
export interface ImageReference {
  /** Host and port, such as `localhost:5000` or `docker.io`. */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/**
 * Parses an image reference such as `node:24-slim`, `docker.io/library/node:24-slim`,
 * `localhost:5000/mooring/node-base:tag` or `name@sha256:…`. A first part
 * without a dot, colon or `localhost` is a Docker Hub repository, as docker reads it.
 */
export function parseImageReference(reference: string): ImageReference {
  const match = /^([^@]+?)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$/.exec(reference);
  if (match === null || match[1] === undefined) {
    throw new Error(
      `Invalid image reference '${reference}': expected 'registry/repository[:tag][@sha256:…]'`,
    );
  }
  const parts = match[1].split("/");
  const first = parts[0] ?? "";
  const hasRegistry =
    parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  const registry = hasRegistry ? first : "docker.io";
  let repository = (hasRegistry ? parts.slice(1) : parts).join("/");
  if (registry === "docker.io" && !repository.includes("/")) repository = `library/${repository}`;
  const parsed: ImageReference = { registry, repository };
  if (match[2] !== undefined) parsed.tag = match[2];
  if (match[3] !== undefined) parsed.digest = match[3];
  if (parsed.tag === undefined && parsed.digest === undefined) parsed.tag = "latest";
  return parsed;
}

/**
 * Pins `reference` to a digest by asking its registry, so that a moved tag
 * (a new `node:24-slim`) changes the inputs of every image built on it.
 * A reference that already carries a digest is returned unchanged.
 */
export async function pinImageReference(
  reference: string,
  options: { insecureRegistry?: string; credentials?: { registry: string; value: RegistryCredentials } },
): Promise<string> {
  const parsed = parseImageReference(reference);
  if (parsed.digest !== undefined) return reference;
  const host = parsed.registry === "docker.io" ? "registry-1.docker.io" : parsed.registry;
  const clientOptions: { insecure: boolean; credentials?: RegistryCredentials } = {
    insecure: parsed.registry === options.insecureRegistry,
  };
  if (options.credentials?.registry === parsed.registry)
    clientOptions.credentials = options.credentials.value;
  const client = new RegistryClient(host, clientOptions);
  const digest = await client.findDigest(parsed.repository, parsed.tag as string);
  if (digest === undefined) {
    throw new Error(
      `Base image '${reference}' not found: registry '${parsed.registry}' has no tag '${parsed.tag}'`,
    );
  }
  return `${parsed.registry}/${parsed.repository}@${digest}`;
}
