import { rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import type { Environment } from "../config/schema.ts";
import { formatTable, shortDigest } from "../report/table.ts";
import { type BaseImages, ensureLocalNodeImages, LOCAL_NODE_BASE } from "./base.ts";
import type { ImageBuilder } from "./builder.ts";
import {
  type CredentialVariables,
  DEFAULT_CREDENTIAL_VARIABLES,
  findCredentials,
  writeAuthFile,
} from "./credentials.ts";
import { defaultGroupStyle, type GroupStyle, LogGroup, type Print } from "./log-group.ts";
import { pinImageReference } from "./reference.ts";
import { parseImageName, RegistryClient } from "./registry.ts";
import { buildServiceImage, formatSize, ServiceBuildError, type ServiceImage } from "./service-image.ts";
import { readSourceInfo, type SourceInfo } from "./source.ts";

export type { Print } from "./log-group.ts";
export type { ServiceImage } from "./service-image.ts";

/** Settings of one build run beyond the environment file; all optional. */
export interface BuildOptions {
  /** Services built at the same time; default: the number of CPUs, at most the number of services. */
  parallelism?: number;
  /** Overrides of the commit, URL and pull request read from git and the GitHub Actions variables. */
  source?: Partial<SourceInfo>;
  /**
   * The build stage's image (`BUILD_IMAGE`) when the environment's base is not
   * `local-node`; default: `images.buildImage` of the environment, else the base image.
   */
  buildImage?: string;
  /** The environment variables holding the registry's user name and password. */
  credentialVariables?: CredentialVariables;
  /** Copy each builder's output into its service's log group. */
  verbose?: boolean;
  groupStyle?: GroupStyle;
}

/** Everything one build run did. */
export interface ImageBuildResult {
  /** The builder used, or undefined when the run only looked images up. */
  builder?: string;
  /** The local base images, when the environment uses `local-node`. */
  baseImages?: BaseImages;
  /** The build arguments every service got, such as `BASE_IMAGE` pinned by digest. */
  buildArgs: Record<string, string>;
  /** One entry per service, in the order the services were given. */
  images: ServiceImage[];
  /** Source of the registry credentials: variable names or an auth file's path, never the secret; undefined for anonymous access. */
  credentialsSource?: string;
  seconds: number;
}

/** One or more services failed; each failure names its step and keeps the builder's last lines. */
export class ImageBuildError extends Error {
  readonly failures: ServiceBuildError[];
  /** The images of the services that did not fail. */
  readonly images: ServiceImage[];

  constructor(failures: ServiceBuildError[], images: ServiceImage[]) {
    const details = failures.map((failure) => {
      const tail = failure.tail.length === 0 ? "" : `\n    ${failure.tail.join("\n    ")}`;
      return `${failure.message}${tail}`;
    });
    super(
      `${failures.length} of ${failures.length + images.length} images failed:\n  ${details.join("\n  ")}`,
    );
    this.name = "ImageBuildError";
    this.failures = failures;
    this.images = images;
  }
}

/**
 * Builds and pushes the image of each named service whose inputs changed,
 * and returns every image pinned by digest. Kept for callers of the first
 * API; `buildImages` also returns the base images and build arguments.
 */
export async function buildServiceImages(
  root: string,
  environment: Environment,
  services: string[],
  builder: ImageBuilder | undefined,
  print: Print,
  options: BuildOptions = {},
): Promise<ServiceImage[]> {
  return (await buildImages(root, environment, services, builder, print, options)).images;
}

/**
 * Builds the images of `services` for `environment`. A service's image is
 * tagged with a digest of its inputs: its build context, Containerfile and
 * build arguments, with the base images pinned by digest. When the registry
 * has that tag, the image is reused and nothing is built. Otherwise it is
 * built, pushed and read back, up to `parallelism` services at a time. Every
 * image also gets the commit's tag (when its files are committed) and
 * `pr-<N>` in a pull request. Without a builder, a missing image is an error.
 * Throws an ImageBuildError naming each failed service after all have finished.
 */
export async function buildImages(
  root: string,
  environment: Environment,
  services: string[],
  builder: ImageBuilder | undefined,
  print: Print,
  options: BuildOptions = {},
): Promise<ImageBuildResult> {
  const started = performance.now();
  const prefix = environment.images.registry;
  const { insecure } = environment.images;
  const { registry: host } = parseImageName(prefix);

  // 1. Registry access, with credentials from the environment's variables or a login's auth file.
  const variables = options.credentialVariables ?? readCredentialVariables(environment);
  const found = findCredentials(host, variables);
  const registry = new RegistryClient(
    host,
    found === undefined ? { insecure } : { insecure, credentials: found.credentials },
  );
  const auth =
    found?.fromVariables && builder !== undefined ? await writeAuthFile(host, found.credentials) : undefined;
  const secrets = found === undefined ? [] : [found.credentials.password];
  try {
    // 2. The base images, pinned by digest.
    const { buildArgs, baseImages } = await resolveBaseImages(
      environment,
      registry,
      builder,
      auth?.file,
      found,
      options.buildImage,
    );
    for (const [name, value] of Object.entries(buildArgs)) {
      const state = baseImages === undefined ? "" : isBuilt(baseImages, value) ? " (built)" : " (reused)";
      print(`${name}: ${value}${state}`);
    }

    // 3. Each service, up to `parallelism` at a time, with one log group each.
    const source = await readSourceInfo(root, options.source);
    const style = options.groupStyle ?? defaultGroupStyle();
    const settings = {
      root,
      prefix,
      registry,
      builder,
      insecure,
      buildArgs,
      source,
      secrets,
      verbose: options.verbose ?? false,
    };
    const limit =
      options.parallelism ??
      readParallelism(environment) ??
      Math.min(availableParallelism(), services.length);
    const outcomes = await mapWithLimit(services, Math.max(1, limit), async (service) => {
      const log = new LogGroup(service, style);
      const startedAt = performance.now();
      try {
        const image = await buildServiceImage(
          service,
          { ...settings, ...(auth ? { authFile: auth.file } : {}) },
          log,
          (reason) => print(`[${service}] building with ${builder?.name}: ${reason}`),
        );
        log.flush(print, `${image.status} in ${image.seconds.toFixed(1)} s: ${image.reason}`, image.built);
        return image;
      } catch (error) {
        const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
        const failure =
          error instanceof ServiceBuildError
            ? error
            : new ServiceBuildError(service, "build", error as Error);
        for (const line of failure.tail) log.add(line);
        log.flush(print, `failed in ${seconds} s at step '${failure.step}'`);
        return failure;
      }
    });

    // 4. All results, or one error naming every failed service.
    const images = outcomes.filter(
      (outcome): outcome is ServiceImage => !(outcome instanceof ServiceBuildError),
    );
    const failures = outcomes.filter(
      (outcome): outcome is ServiceBuildError => outcome instanceof ServiceBuildError,
    );
    if (failures.length > 0) throw new ImageBuildError(failures, images);
    const result: ImageBuildResult = { buildArgs, images, seconds: (performance.now() - started) / 1000 };
    if (builder !== undefined) result.builder = builder.name;
    if (baseImages !== undefined) result.baseImages = baseImages;
    if (found !== undefined) result.credentialsSource = found.source;
    return result;
  } finally {
    if (auth !== undefined) await rm(auth.folder, { recursive: true, force: true });
  }
}

/** Formats a build result as a table: service, status, size, digest and reason. */
export function formatBuildTable(result: ImageBuildResult): string {
  const rows = result.images.map((image) => [
    image.service,
    image.status,
    formatSize(image.size),
    shortDigest(image.digest),
    image.reason,
  ]);
  return formatTable(["SERVICE", "STATUS", "SIZE", "DIGEST", "REASON"], rows);
}

// BASE_IMAGE and BUILD_IMAGE: the local images made from this machine's node, or the configured references pinned by digest.
async function resolveBaseImages(
  environment: Environment,
  registry: RegistryClient,
  builder: ImageBuilder | undefined,
  authFile: string | undefined,
  found: ReturnType<typeof findCredentials>,
  buildImageOption: string | undefined,
): Promise<{ buildArgs: Record<string, string>; baseImages?: BaseImages }> {
  const { base, registry: prefix, insecure } = environment.images;
  if (base === LOCAL_NODE_BASE) {
    const target = { prefix, registry, builder, insecure, ...(authFile ? { authFile } : {}) };
    const baseImages = await ensureLocalNodeImages(target);
    if (baseImages === undefined) {
      throw new Error(`The registry has no local base images under '${prefix}'; run 'mooring build' first`);
    }
    return {
      buildArgs: { BASE_IMAGE: baseImages.runtime.reference, BUILD_IMAGE: baseImages.build.reference },
      baseImages,
    };
  }
  const pinOptions = {
    ...(insecure ? { insecureRegistry: registry.registry } : {}),
    ...(found ? { credentials: { registry: registry.registry, value: found.credentials } } : {}),
  };
  const buildImage = buildImageOption ?? readString(environment.images, "buildImage") ?? base;
  return {
    buildArgs: {
      BASE_IMAGE: await pinImageReference(base, pinOptions),
      BUILD_IMAGE: await pinImageReference(buildImage, pinOptions),
    },
  };
}

function isBuilt(baseImages: BaseImages, reference: string): boolean {
  return [baseImages.runtime, baseImages.build].some((image) => image.reference === reference && image.built);
}

// Runs `task` over `items` with at most `limit` running at once; keeps the order of `items`.
async function mapWithLimit<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

// TODO: read these from the environment schema once it has `images.credentials`,
// `images.parallelism` and `images.buildImage`; until then they are read if present.
function readCredentialVariables(environment: Environment): CredentialVariables {
  const credentials = (environment.images as Record<string, unknown>).credentials as
    | { usernameVariable?: unknown; passwordVariable?: unknown }
    | undefined;
  const username = credentials?.usernameVariable;
  const password = credentials?.passwordVariable;
  if (typeof username === "string" && typeof password === "string") return { username, password };
  return DEFAULT_CREDENTIAL_VARIABLES;
}

function readParallelism(environment: Environment): number | undefined {
  const value = (environment.images as Record<string, unknown>).parallelism;
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

function readString(object: object, key: string): string | undefined {
  const value = (object as Record<string, unknown>)[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}
