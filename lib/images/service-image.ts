import type { PinnedImage } from "./base.ts";
import type { BuildRequest, ImageBuilder } from "./builder.ts";
import { type BuildContext, diffInputs, stageBuildContext } from "./context.ts";
import type { LogGroup } from "./log-group.ts";
import type { RegistryClient } from "./registry.ts";
import { hasUncommittedChanges, type SourceInfo } from "./source.ts";

/** The label that records an image's inputs, so a later build can report what changed. */
export const INPUTS_LABEL = "dev.mooring.inputs";

/** A service's image after a build run. */
export interface ServiceImage extends PinnedImage {
  service: string;
  /** `registry/repository`, such as `localhost:5000/mooring/time`. */
  name: string;
  /** The tag derived from the image's inputs, such as `inputs-0123…`. */
  tag: string;
  /** Every tag this run pointed at the image: the inputs tag, the commit and `pr-<N>`. */
  tags: string[];
  status: "built" | "reused";
  /** Reason the image was built or reused, as one sentence. */
  reason: string;
  /** The inputs that differ from the image compared with, such as `changed file:services/time/src/app.ts`. */
  changes: string[];
  /** SHA-256 over the inputs. */
  inputsDigest: string;
  /** Bytes of the image's config and layers in the registry (compressed). */
  size: number;
  /** The user the image runs as, from its config. */
  user: string;
  /** Wall-clock seconds this service took in this run. */
  seconds: number;
}

/** Settings shared by every service build of one run. */
export interface ServiceBuildSettings {
  root: string;
  /** Repository prefix, such as `localhost:5000/mooring`. */
  prefix: string;
  registry: RegistryClient;
  builder: ImageBuilder | undefined;
  insecure: boolean;
  buildArgs: Record<string, string>;
  source: SourceInfo;
  authFile?: string;
  secrets: string[];
  /** Copy the builder's output into the log group. */
  verbose: boolean;
}

/** A service build that failed, naming the step and keeping the builder's last lines. */
export class ServiceBuildError extends Error {
  readonly service: string;
  readonly step: string;
  readonly tail: string[];

  constructor(service: string, step: string, cause: Error & { tail?: string[] }) {
    super(`Image of service '${service}' failed at step '${step}': ${cause.message}`, { cause });
    this.name = "ServiceBuildError";
    this.service = service;
    this.step = step;
    this.tail = cause.tail ?? [];
  }
}

/**
 * Builds, pushes and tags the image of one service unless the registry
 * already has an image for the same inputs, and describes the result.
 * Throws a ServiceBuildError that names the failed step.
 */
export async function buildServiceImage(
  service: string,
  settings: ServiceBuildSettings,
  log: LogGroup,
  onStart: (reason: string) => void,
): Promise<ServiceImage> {
  const started = performance.now();
  const name = `${settings.prefix}/${service}`;
  const repository = name.slice(name.indexOf("/") + 1);
  let step = "stage the build context";
  let context: BuildContext | undefined;
  try {
    // 1. The inputs, staged as the build context.
    context = await stageBuildContext(settings.root, service, settings.buildArgs);
    const tag = `inputs-${context.digest.slice(0, 32)}`;
    const fileCount = Object.keys(context.inputs).filter((input) => input.startsWith("file:")).length;
    const dirty = await hasUncommittedChanges(settings.root, committedPaths(context));
    log.add(
      `inputs: ${fileCount} files, Containerfile and ${Object.keys(settings.buildArgs).length} build arguments, digest ${context.digest.slice(0, 12)}`,
    );

    // 2. Reuse the registry's image for these inputs.
    step = "check the registry";
    const existing = await settings.registry.getManifest(repository, tag);
    let digest: string;
    let status: ServiceImage["status"];
    let reason: string;
    let changes: string[] = [];
    if (existing !== undefined) {
      digest = existing.digest;
      status = "reused";
      reason = `inputs unchanged: the registry has tag '${tag}'`;
    } else {
      if (settings.builder === undefined) {
        throw new Error(
          `the registry has no image '${name}:${tag}' for the current inputs; run 'mooring build' first`,
        );
      }
      const compared = await compareWithLastImage(settings, repository, context.inputs, log);
      changes = compared ?? [];
      reason = describeChanges(compared);
      onStart(reason);

      // 3. Build and push.
      step = "build and push";
      const request = buildRequest(settings, service, context, `${name}:${tag}`, dirty, log);
      digest = await settings.builder.buildAndPush(request);
      status = "built";
      log.add(`pushed ${name}@${digest}`);
    }

    // 4. The commit and pull request tags; a run without a builder only looks images up, so it writes none.
    step = "tag";
    const tags = [tag, ...(settings.builder === undefined ? [] : extraTags(settings.source, dirty))];
    const manifest = existing ?? (await settings.registry.getManifest(repository, digest));
    if (manifest === undefined) throw new Error(`the registry lost '${name}@${digest}' right after the push`);
    for (const extra of tags.slice(1)) await settings.registry.putTag(repository, extra, manifest);
    log.add(`tags: ${tags.join(", ")}`);

    // 5. Size and user, read back from the registry.
    step = "read the image";
    const summary = await settings.registry.describeImage(repository, digest);
    if (summary === undefined) throw new Error(`the registry has no image '${name}@${digest}'`);
    log.add(`size ${formatSize(summary.size)}, runs as user '${summary.user || "root"}'`);
    const builtFrom = summary.labels["org.opencontainers.image.revision"];
    if (status === "reused" && builtFrom !== undefined) {
      const uncommitted = builtFrom.endsWith("-dirty") ? " with uncommitted changes" : "";
      reason = `inputs unchanged since the image built from ${builtFrom.slice(0, 12)}${uncommitted}`;
    }
    return {
      service,
      name,
      tag,
      tags,
      reference: `${name}@${digest}`,
      digest,
      built: status === "built",
      status,
      reason,
      changes,
      inputsDigest: context.digest,
      size: summary.size,
      user: summary.user,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (error) {
    const cause = error as Error & { step?: string; tail?: string[] };
    throw new ServiceBuildError(service, cause.step ?? step, cause);
  } finally {
    await context?.dispose();
  }
}

/** Formats a byte count in MiB with one decimal, such as `38.2 MiB`. */
export function formatSize(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Turns the input changes into the one-sentence reason for a build. */
export function describeChanges(changes: string[] | undefined): string {
  if (changes === undefined || changes.length === 0) return "no image in the registry has these inputs";
  const firstChanges = changes.slice(0, 3).join(", ");
  return changes.length > 3
    ? `inputs changed: ${firstChanges} and ${changes.length - 3} more`
    : `inputs changed: ${firstChanges}`;
}

function buildRequest(
  settings: ServiceBuildSettings,
  service: string,
  context: BuildContext,
  reference: string,
  dirty: boolean,
  log: LogGroup,
): BuildRequest {
  const source = settings.source;
  const labels: Record<string, string> = {
    "org.opencontainers.image.title": service,
    [INPUTS_LABEL]: JSON.stringify(context.inputs),
  };
  if (source.revision !== undefined) {
    labels["org.opencontainers.image.revision"] = dirty ? `${source.revision}-dirty` : source.revision;
  }
  if (source.created !== undefined) labels["org.opencontainers.image.created"] = source.created;
  if (source.url !== undefined) labels["org.opencontainers.image.source"] = source.url;
  const request: BuildRequest = {
    context: context.folder,
    containerfile: context.containerfile,
    reference,
    buildArgs: settings.buildArgs,
    labels,
    insecure: settings.insecure,
    secrets: settings.secrets,
  };
  if (settings.verbose) request.onLine = (line) => log.add(line);
  if (settings.authFile !== undefined) request.authFile = settings.authFile;
  return request;
}

// The commit tag only when the image's files are as committed; `pr-<N>` for a pull request.
function extraTags(source: SourceInfo, dirty: boolean): string[] {
  const tags: string[] = [];
  const { revision, pullRequest } = source;
  if (revision !== undefined && !dirty) tags.push(revision);
  if (pullRequest !== undefined) tags.push(`pr-${pullRequest}`);
  return tags;
}

// The project files an image's inputs come from; the pruned package files come from the project's own.
function committedPaths(context: BuildContext): string[] {
  const files = Object.keys(context.inputs)
    .filter((input) => input.startsWith("file:"))
    .map((input) => input.slice("file:".length));
  return [...files, context.containerfile];
}

// Reads the inputs label of the image of this commit, or else of the commit
// before it. The comparison only explains a build, so a failed lookup is logged, not thrown.
async function compareWithLastImage(
  settings: ServiceBuildSettings,
  repository: string,
  inputs: Record<string, string>,
  log: LogGroup,
): Promise<string[] | undefined> {
  for (const revision of [settings.source.revision, settings.source.parentRevision]) {
    if (revision === undefined) continue;
    let recorded: string | undefined;
    try {
      recorded = (await settings.registry.describeImage(repository, revision))?.labels[INPUTS_LABEL];
    } catch (error) {
      log.add(`cannot compare with the image of ${revision.slice(0, 12)}: ${(error as Error).message}`);
      return undefined;
    }
    if (recorded === undefined) continue;
    try {
      return diffInputs(JSON.parse(recorded) as Record<string, string>, inputs);
    } catch (error) {
      log.add(
        `invalid label '${INPUTS_LABEL}' on the image of ${revision.slice(0, 12)}: ${(error as Error).message}`,
      );
      return undefined;
    }
  }
  return undefined;
}
