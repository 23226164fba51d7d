/** An image name split into registry host and repository path. */
export interface ImageName {
  /** Host and port, such as `localhost:5000`. */
  registry: string;
  /** Path inside the registry, such as `mooring/time`. */
  repository: string;
}

const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");

/** Splits `localhost:5000/mooring/time` into registry and repository. */
export function parseImageName(name: string): ImageName {
  const slash = name.indexOf("/");
  if (slash <= 0) {
    throw new Error(
      `Invalid image name '${name}': expected 'registry/repository', such as 'localhost:5000/mooring/time'`,
    );
  }
  return { registry: name.slice(0, slash), repository: name.slice(slash + 1) };
}

/**
 * Returns the digest of `tag` in the registry (from a HEAD on its manifest),
 * or undefined when the registry has no such tag.
 */
export async function findTagDigest(
  image: ImageName,
  tag: string,
  insecure: boolean,
): Promise<string | undefined> {
  const url = `${registryBaseUrl(image.registry, insecure)}/v2/${image.repository}/manifests/${tag}`;
  let response: Response;
  try {
    response = await fetch(url, { method: "HEAD", headers: { accept: MANIFEST_TYPES } });
  } catch (error) {
    throw new Error(`Registry '${image.registry}' is not reachable at ${url}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (response.status === 404) return undefined;
  if (!response.ok) {
    throw new Error(
      `Registry '${image.registry}' returned HTTP ${response.status} for ${url}; expected 200 or 404`,
    );
  }
  const digest = response.headers.get("docker-content-digest");
  if (digest === null || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new Error(`Registry '${image.registry}' sent no valid Docker-Content-Digest header for ${url}`);
  }
  return digest;
}

// The registry's HTTP base URL. `localhost` becomes 127.0.0.1 because the
// local registry listens on IPv4 loopback only.
function registryBaseUrl(registry: string, insecure: boolean): string {
  const host = registry.replace(/^localhost(?=:|$)/, "127.0.0.1");
  return `${insecure ? "http" : "https"}://${host}`;
}
