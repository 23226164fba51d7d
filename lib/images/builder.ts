import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commandExists, runCommand } from "../process.ts";

/** The inputs of one image build. */
export interface BuildRequest {
  /** Folder sent to the builder as the build context. */
  context: string;
  containerfile: string;
  /** Full reference to tag and push, such as `localhost:5000/mooring/time:0123abcd`. */
  reference: string;
  buildArgs: Record<string, string>;
  /** Talk plain HTTP to the registry, for the local one on loopback. */
  insecure: boolean;
}

/** An image builder on this machine: buildah, podman or docker buildx. */
export interface ImageBuilder {
  name: string;
  /** Builds and pushes the image, and returns the digest of what was pushed. */
  buildAndPush(request: BuildRequest): Promise<string>;
}

/** Picks the first builder this machine has, in the order buildah, podman, docker. */
export async function detectBuilder(): Promise<ImageBuilder> {
  for (const name of ["buildah", "podman"]) {
    if (await commandExists(name)) return buildahStyleBuilder(name);
  }
  if (await commandExists("docker")) return dockerBuilder();
  throw new Error(
    "No image builder found: expected 'buildah', 'podman' or 'docker' (with buildx) on the PATH",
  );
}

// buildah and podman take the same build and push flags. `--timestamp 0`
// makes the image depend only on its inputs, so equal inputs give an equal digest.
function buildahStyleBuilder(command: string): ImageBuilder {
  return {
    name: command,
    async buildAndPush(request) {
      const tlsVerify = `--tls-verify=${request.insecure ? "false" : "true"}`;
      const buildArgs = Object.entries(request.buildArgs).flatMap(([key, value]) => [
        "--build-arg",
        `${key}=${value}`,
      ]);
      await runCommand(command, [
        "build",
        "--quiet",
        "--timestamp",
        "0",
        tlsVerify,
        ...buildArgs,
        "--file",
        request.containerfile,
        "--tag",
        request.reference,
        request.context,
      ]);
      return withDigestFile(async (digestFile) => {
        await runCommand(command, [
          "push",
          "--quiet",
          tlsVerify,
          "--digestfile",
          digestFile,
          request.reference,
          `docker://${request.reference}`,
        ]);
      });
    },
  };
}

function dockerBuilder(): ImageBuilder {
  return {
    name: "docker",
    async buildAndPush(request) {
      const buildArgs = Object.entries(request.buildArgs).flatMap(([key, value]) => [
        "--build-arg",
        `${key}=${value}`,
      ]);
      const work = await mkdtemp(join(tmpdir(), "mooring-metadata-"));
      try {
        const metadataFile = join(work, "metadata.json");
        await runCommand("docker", [
          "buildx",
          "build",
          "--push",
          "--metadata-file",
          metadataFile,
          ...buildArgs,
          "--file",
          request.containerfile,
          "--tag",
          request.reference,
          request.context,
        ]);
        const metadata = JSON.parse(await readFile(metadataFile, "utf8")) as Record<string, unknown>;
        return checkDigest(String(metadata["containerimage.digest"] ?? ""), "docker buildx metadata");
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  };
}

async function withDigestFile(push: (digestFile: string) => Promise<void>): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), "mooring-digest-"));
  try {
    const digestFile = join(work, "digest");
    await push(digestFile);
    return checkDigest((await readFile(digestFile, "utf8")).trim(), "the push's digest file");
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function checkDigest(digest: string, source: string): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new Error(`Invalid image digest '${digest}' in ${source}: expected 'sha256:' and 64 hex digits`);
  }
  return digest;
}
