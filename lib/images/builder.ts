import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "../process.ts";
import { runStreaming } from "./run.ts";

/** The builders Mooring can drive, in the order it looks for them. */
export const BUILDER_NAMES = ["buildah", "podman", "docker"] as const;
export type BuilderName = (typeof BUILDER_NAMES)[number];

/** The inputs of one image build. */
export interface BuildRequest {
  /** Folder sent to the builder as the build context. */
  context: string;
  containerfile: string;
  /** Full reference to tag and push, such as `localhost:5000/mooring/time:inputs-0123abcd`. */
  reference: string;
  buildArgs: Record<string, string>;
  /** OCI labels to set on the image, such as `org.opencontainers.image.revision`. */
  labels?: Record<string, string>;
  /** Talk plain HTTP to the registry, for the local one on loopback. */
  insecure: boolean;
  /** An auth file in the `auths` format, for pulling the base images and pushing. */
  authFile?: string;
  /** Receives each line the builder prints. */
  onLine?: (line: string) => void;
  /** Strings to hide from the builder's output, such as a registry password. */
  secrets?: string[];
}

/** An image builder on this machine: buildah, podman or docker buildx. */
export interface ImageBuilder {
  name: BuilderName;
  /** Builds and pushes the image, and returns the digest of what was pushed. */
  buildAndPush(request: BuildRequest): Promise<string>;
}

/**
 * Picks the builder named `preferred`, or else the first this machine has in
 * the order buildah, podman, docker. Docker counts only with the buildx plugin
 * and a reachable engine. Throws when the named builder, or any, is missing.
 */
export async function detectBuilder(preferred?: string): Promise<ImageBuilder> {
  if (preferred !== undefined) {
    if (!(BUILDER_NAMES as readonly string[]).includes(preferred)) {
      throw new Error(
        `Unknown image builder '${preferred}': expected one of '${BUILDER_NAMES.join("', '")}'`,
      );
    }
    const name = preferred as BuilderName;
    const problem = await checkBuilder(name);
    if (problem !== undefined) throw new Error(`Image builder '${name}' is not usable: ${problem}`);
    return createBuilder(name);
  }
  const problems: string[] = [];
  for (const name of BUILDER_NAMES) {
    const problem = await checkBuilder(name);
    if (problem === undefined) return createBuilder(name);
    problems.push(`${name}: ${problem}`);
  }
  throw new Error(
    `No image builder found (${problems.join("; ")}); install buildah, podman or docker with buildx`,
  );
}

/** Returns the builder `name` without checking that this machine has it. */
export function createBuilder(name: BuilderName): ImageBuilder {
  return name === "docker" ? dockerBuilder() : buildahStyleBuilder(name);
}

/** Builds the argument list of a buildah or podman build (exported for tests). */
export function buildahBuildArguments(request: BuildRequest): string[] {
  return [
    "build",
    // Reuse the dependency install step across builds and services.
    "--layers",
    // Files and history get time 0, so equal inputs give equal layers.
    "--timestamp",
    "0",
    // RUN steps share the host's network, so no bridge or NAT rule is created on the build machine.
    "--network",
    "host",
    `--tls-verify=${request.insecure ? "false" : "true"}`,
    ...(request.authFile === undefined ? [] : ["--authfile", request.authFile]),
    ...flagPairs("--build-arg", request.buildArgs),
    ...flagPairs("--label", request.labels ?? {}),
    "--file",
    request.containerfile,
    "--tag",
    request.reference,
    request.context,
  ];
}

/** Builds the argument list of a docker buildx build that pushes (exported for tests). */
export function dockerBuildArguments(request: BuildRequest, metadataFile: string): string[] {
  return [
    "buildx",
    "build",
    "--push",
    // One image manifest rather than an index with an attestation, so the digest names the image itself.
    "--provenance=false",
    "--metadata-file",
    metadataFile,
    ...flagPairs("--build-arg", request.buildArgs),
    ...flagPairs("--label", request.labels ?? {}),
    "--file",
    request.containerfile,
    "--tag",
    request.reference,
    request.context,
  ];
}

// buildah and podman take the same build and push flags.
function buildahStyleBuilder(command: "buildah" | "podman"): ImageBuilder {
  return {
    name: command,
    async buildAndPush(request) {
      const output = { onLine: request.onLine, secrets: request.secrets };
      await step("build", runStreaming(command, buildahBuildArguments(request), output));
      const work = await mkdtemp(join(tmpdir(), "mooring-digest-"));
      try {
        const digestFile = join(work, "digest");
        const push = [
          "push",
          `--tls-verify=${request.insecure ? "false" : "true"}`,
          ...(request.authFile === undefined ? [] : ["--authfile", request.authFile]),
          "--digestfile",
          digestFile,
          request.reference,
          `docker://${request.reference}`,
        ];
        await step("push", runStreaming(command, push, output));
        return checkDigest((await readFile(digestFile, "utf8")).trim(), `${command}'s digest file`);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  };
}

// NOTE: this path has not run on the development machine, which has no Docker
// engine; its arguments are covered by a unit test only.
function dockerBuilder(): ImageBuilder {
  return {
    name: "docker",
    async buildAndPush(request) {
      const work = await mkdtemp(join(tmpdir(), "mooring-docker-"));
      try {
        const metadataFile = join(work, "metadata.json");
        const env = { ...process.env };
        if (request.authFile !== undefined)
          env.DOCKER_CONFIG = await dockerConfigWithAuth(work, request.authFile);
        await step(
          "build and push",
          runStreaming("docker", dockerBuildArguments(request, metadataFile), {
            env,
            onLine: request.onLine,
            secrets: request.secrets,
          }),
        );
        const metadata = JSON.parse(await readFile(metadataFile, "utf8")) as Record<string, unknown>;
        return checkDigest(String(metadata["containerimage.digest"] ?? ""), "docker buildx metadata");
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  };
}

/** Marks which builder step a failure came from, such as 'push'. */
export class BuilderStepError extends Error {
  readonly step: string;
  readonly tail: string[];

  constructor(step: string, cause: Error & { tail?: string[] }) {
    super(cause.message, { cause });
    this.name = "BuilderStepError";
    this.step = step;
    this.tail = cause.tail ?? [];
  }
}

async function step<T>(name: string, running: Promise<T>): Promise<T> {
  try {
    return await running;
  } catch (error) {
    throw new BuilderStepError(name, error as Error);
  }
}

// Docker reads credentials from $DOCKER_CONFIG/config.json: a copy of the user's
// configuration with the auth file's entries, and links to its plugins and builders.
async function dockerConfigWithAuth(work: string, authFile: string): Promise<string> {
  const original = process.env.DOCKER_CONFIG ?? join(homedir(), ".docker");
  const folder = join(work, "docker-config");
  await mkdir(folder, { mode: 0o700 });
  const config = existsSync(join(original, "config.json"))
    ? (JSON.parse(readFileSync(join(original, "config.json"), "utf8")) as Record<string, unknown>)
    : {};
  const auth = JSON.parse(await readFile(authFile, "utf8")) as { auths: Record<string, unknown> };
  const helpers = { ...((config.credHelpers as Record<string, string> | undefined) ?? {}) };
  for (const registry of Object.keys(auth.auths)) delete helpers[registry];
  delete config.credsStore;
  config.credHelpers = helpers;
  config.auths = { ...((config.auths as Record<string, unknown> | undefined) ?? {}), ...auth.auths };
  await writeFile(join(folder, "config.json"), JSON.stringify(config), { mode: 0o600 });
  for (const entry of ["cli-plugins", "buildx", "contexts"]) {
    if (existsSync(join(original, entry))) await symlink(join(original, entry), join(folder, entry));
  }
  return folder;
}

async function checkBuilder(name: BuilderName): Promise<string | undefined> {
  const probe = name === "docker" ? ["buildx", "version"] : ["version"];
  try {
    await runCommand(name, probe);
  } catch {
    return name === "docker" ? "'docker buildx version' failed" : `'${name}' is not on the PATH`;
  }
  if (name === "docker") {
    try {
      await runCommand("docker", ["info", "--format", "{{.ServerVersion}}"]);
    } catch {
      return "the Docker engine is not reachable ('docker info' failed)";
    }
  }
  return undefined;
}

function flagPairs(flag: string, values: Record<string, string>): string[] {
  return Object.keys(values)
    .sort()
    .flatMap((key) => [flag, `${key}=${values[key]}`]);
}

function checkDigest(digest: string, source: string): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new Error(`Invalid image digest '${digest}' in ${source}: expected 'sha256:' and 64 hex digits`);
  }
  return digest;
}
