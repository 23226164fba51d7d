import { parseChallenge, type RegistryCredentials, TokenCache } from "./registry-auth.ts";

/** An image name split into registry host and repository path. */
export interface ImageName {
  /** Host and port, such as `localhost:5000`. */
  registry: string;
  /** Path inside the registry, such as `mooring/time`. */
  repository: string;
}

/** A manifest as the registry stores it. */
export interface StoredManifest {
  digest: string;
  mediaType: string;
  /** The exact bytes, so the manifest can be tagged again without changing its digest. */
  body: Buffer;
}

/** Summary of an image: its size and the parts of its configuration Mooring reads. */
export interface ImageSummary {
  digest: string;
  /** Bytes of the config and layer blobs as stored in the registry (compressed). */
  size: number;
  /** The `User` the image runs as, such as `65532:65532`; empty means root. */
  user: string;
  labels: Record<string, string>;
}

const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
];
const INDEX_TYPES = new Set([MANIFEST_TYPES[1], MANIFEST_TYPES[3]]);
const DIGEST = /^sha256:[0-9a-f]{64}$/;

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
 * A client for the OCI distribution API of one registry: reads manifests and
 * image configs, and tags manifests. It handles a `401` by following the
 * registry's `WWW-Authenticate` challenge: a bearer token from the token
 * service, or basic auth, with the given credentials (or anonymously).
 */
export class RegistryClient {
  readonly registry: string;
  private readonly baseUrl: string;
  private readonly credentials: RegistryCredentials | undefined;
  private readonly tokens = new TokenCache();

  /** `insecure` selects plain HTTP, for a registry on loopback without TLS. */
  constructor(registry: string, options: { insecure: boolean; credentials?: RegistryCredentials }) {
    this.registry = registry;
    // The local registry listens on IPv4 loopback only, and `localhost` may resolve to ::1 first.
    const host = registry.replace(/^localhost(?=:|$)/, "127.0.0.1");
    this.baseUrl = `${options.insecure ? "http" : "https"}://${host}`;
    this.credentials = options.credentials;
  }

  /** Returns the digest that `reference` (a tag or digest) points to, or undefined when there is none. */
  async findDigest(repository: string, reference: string): Promise<string | undefined> {
    const response = await this.send(repository, "pull", `manifests/${reference}`, {
      method: "HEAD",
      headers: { accept: MANIFEST_TYPES.join(", ") },
    });
    if (response.status === 404) return undefined;
    this.expectOk(response, `manifests/${reference}`, "200 or 404");
    return this.readDigestHeader(response, `manifests/${reference}`);
  }

  /** Reads the manifest `reference` points to, or undefined when there is none. */
  async getManifest(repository: string, reference: string): Promise<StoredManifest | undefined> {
    const path = `manifests/${reference}`;
    const response = await this.send(repository, "pull", path, {
      headers: { accept: MANIFEST_TYPES.join(", ") },
    });
    if (response.status === 404) return undefined;
    this.expectOk(response, path, "200 or 404");
    const body = Buffer.from(await response.arrayBuffer());
    const mediaType =
      (JSON.parse(body.toString("utf8")) as { mediaType?: string }).mediaType ??
      response.headers.get("content-type") ??
      "";
    return { digest: this.readDigestHeader(response, path), mediaType, body };
  }

  /** Points `tag` at an existing manifest, such as a commit tag at a reused image. */
  async putTag(repository: string, tag: string, manifest: StoredManifest): Promise<void> {
    const path = `manifests/${tag}`;
    const response = await this.send(repository, "pull,push", path, {
      method: "PUT",
      headers: { "content-type": manifest.mediaType },
      body: new Uint8Array(manifest.body),
    });
    this.expectOk(response, path, "201");
    const digest = this.readDigestHeader(response, path);
    if (digest !== manifest.digest) {
      throw new Error(
        `Registry '${this.registry}' stored tag '${tag}' of '${repository}' as '${digest}'; expected '${manifest.digest}'`,
      );
    }
  }

  /**
   * Summarises the image `reference` points to: size, user and labels. For an
   * image index, reads the image for this machine's platform.
   */
  async describeImage(repository: string, reference: string): Promise<ImageSummary | undefined> {
    const stored = await this.getManifest(repository, reference);
    if (stored === undefined) return undefined;
    let manifest = JSON.parse(stored.body.toString("utf8")) as ImageManifest;
    if (INDEX_TYPES.has(stored.mediaType)) {
      const platform = pickPlatformManifest(manifest as unknown as ImageIndex, stored.digest);
      const inner = await this.getManifest(repository, platform);
      if (inner === undefined) throw new Error(`Registry '${this.registry}' has no manifest '${platform}'`);
      manifest = JSON.parse(inner.body.toString("utf8")) as ImageManifest;
    }
    const config = await this.getJsonBlob(repository, manifest.config.digest);
    const size = manifest.config.size + manifest.layers.reduce((total, layer) => total + layer.size, 0);
    return {
      digest: stored.digest,
      size,
      user: config.config?.User ?? "",
      labels: config.config?.Labels ?? {},
    };
  }

  private async getJsonBlob(repository: string, digest: string): Promise<ImageConfig> {
    const path = `blobs/${digest}`;
    const response = await this.send(repository, "pull", path, {});
    this.expectOk(response, path, "200");
    return (await response.json()) as ImageConfig;
  }

  // Sends one request, and once more with authorization when the registry responds with 401.
  private async send(
    repository: string,
    actions: string,
    path: string,
    init: RequestInit,
  ): Promise<Response> {
    const url = `${this.baseUrl}/v2/${repository}/${path}`;
    const scope = `repository:${repository}:${actions}`;
    let response = await this.fetchOrExplain(url, init, this.tokens.header(scope));
    if (response.status !== 401) return response;

    const challenge = parseChallenge(response.headers.get("www-authenticate") ?? "");
    await response.body?.cancel();
    const authorization = await this.tokens.authorize(challenge, scope, this.credentials, this.registry);
    response = await this.fetchOrExplain(url, init, authorization);
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      const identity =
        this.credentials === undefined
          ? "anonymous access"
          : `the credentials of '${this.credentials.username}'`;
      throw new Error(
        `Registry '${this.registry}' rejected ${identity} for ${init.method ?? "GET"} ${url} (HTTP ${response.status}); check the registry credentials' variables and their permissions`,
      );
    }
    return response;
  }

  private async fetchOrExplain(url: string, init: RequestInit, authorization: string | undefined) {
    const headers = new Headers(init.headers);
    if (authorization !== undefined) headers.set("authorization", authorization);
    try {
      return await fetch(url, { ...init, headers });
    } catch (error) {
      const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new Error(`Registry '${this.registry}' is not reachable at ${url}: ${reason}`, { cause: error });
    }
  }

  private expectOk(response: Response, path: string, expected: string): void {
    if (!response.ok) {
      throw new Error(
        `Registry '${this.registry}' returned HTTP ${response.status} for ${path}; expected ${expected}`,
      );
    }
  }

  private readDigestHeader(response: Response, path: string): string {
    const digest = response.headers.get("docker-content-digest");
    if (digest === null || !DIGEST.test(digest)) {
      throw new Error(`Registry '${this.registry}' sent no valid Docker-Content-Digest header for ${path}`);
    }
    return digest;
  }
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string };
  annotations?: Record<string, string>;
}
interface ImageManifest {
  config: Descriptor;
  layers: Descriptor[];
}
interface ImageIndex {
  manifests: Descriptor[];
}
interface ImageConfig {
  config?: { User?: string; Labels?: Record<string, string> };
}

// Picks the image for this machine from an index; attestation manifests carry platform 'unknown'.
function pickPlatformManifest(index: ImageIndex, digest: string): string {
  const architecture = ({ x64: "amd64", arm64: "arm64", arm: "arm" } as Record<string, string>)[process.arch];
  const match = index.manifests.find(
    (entry) => entry.platform?.os === "linux" && entry.platform.architecture === architecture,
  );
  if (match === undefined) {
    throw new Error(`Image index '${digest}' has no manifest for platform 'linux/${architecture}'`);
  }
  return match.digest;
}
