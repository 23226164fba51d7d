import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { environmentFile, loadProjectFiles } from "../config/load.ts";
import { CommandError, runCommand } from "../process.ts";

/** The highest replica count a scale request may ask for unless the caller sets another bound. */
export const DEFAULT_MAX_REPLICAS = 20;
/** The highest count the environment schema allows, so no bound may exceed it. */
const SCHEMA_MAX_REPLICAS = 100;

/** A request to set a service's replica count in one environment. */
export interface ScaleRequest {
  environment: string;
  service: string;
  replicas: number;
}

/**
 * Checks a scale request as typed into a workflow_dispatch form, before
 * anything changes. The replica count must be a whole number from 0 to
 * `maxReplicas`, and the environment must exist and not be a preview
 * template. The service must run there without a HorizontalPodAutoscaler.
 * Collects every problem and throws them together.
 */
export async function validateScaleRequest(
  root: string,
  environment: string,
  service: string,
  replicasText: string,
  maxReplicas = DEFAULT_MAX_REPLICAS,
): Promise<ScaleRequest> {
  const problems: string[] = [];
  const bound = Math.min(maxReplicas, SCHEMA_MAX_REPLICAS);
  const replicas = Number(replicasText);
  if (!/^(0|[1-9][0-9]*)$/.test(replicasText.trim()) || replicas > bound) {
    problems.push(`replicas '${replicasText}' is invalid; expected a whole number from 0 to ${bound}`);
  }
  try {
    const files = await loadProjectFiles(root, environment);
    const placement = files.environment.services[service];
    if (files.environment.preview !== undefined) {
      problems.push(`environment '${environment}' is a preview template; scale a real environment`);
    } else if (placement === undefined) {
      const known = Object.keys(files.environment.services)
        .map((name) => `'${name}'`)
        .join(", ");
      problems.push(
        `service '${service}' does not run in environment '${environment}'; expected one of ${known}`,
      );
    } else if (placement.autoscaling !== undefined) {
      problems.push(
        `service '${service}' in environment '${environment}' has a HorizontalPodAutoscaler, which owns its replica count; change services.${service}.autoscaling instead`,
      );
    }
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length > 0) throw new Error(`Invalid scale request:\n  ${problems.join("\n  ")}`);
  return { environment, service, replicas };
}

/**
 * Writes the replica count into `clusters/<environment>/environment.yaml`,
 * keeping its comments and layout. Returns the file's path relative to
 * `root`, and whether it changed.
 */
export async function writeReplicaCount(
  root: string,
  request: ScaleRequest,
): Promise<{ file: string; changed: boolean }> {
  const file = environmentFile(request.environment);
  const path = join(root, file);
  const text = await readFile(path, "utf8");
  const document = parseDocument(text);
  if (document.getIn(["services", request.service, "replicas"]) === request.replicas)
    return { file, changed: false };
  document.setIn(["services", request.service, "replicas"], request.replicas);
  await writeFile(path, document.toString());
  return { file, changed: true };
}

/** The branch a scale commit was pushed to: the requested one, or a fallback for a pull request. */
export type ScalePublication =
  | { kind: "pushed"; branch: string; commit: string }
  | { kind: "branch"; branch: string; commit: string; reason: string };

/** The author of scale commits; the name and address GitHub shows for the Actions bot. */
const COMMIT_AUTHOR = [
  "-c",
  "user.name=github-actions[bot]",
  "-c",
  "user.email=41898282+github-actions[bot]@users.noreply.github.com",
];

/**
 * Commits the environment file and pushes the commit to `branch`. When the
 * push is rejected, as on a protected branch, and `fallbackBranch` is given,
 * pushes the commit there instead, for a pull request; otherwise throws.
 */
export async function commitAndPush(
  root: string,
  file: string,
  request: ScaleRequest,
  branch: string,
  fallbackBranch?: string,
): Promise<ScalePublication> {
  const message = `Scale ${request.service} in ${request.environment} to ${request.replicas} replicas`;
  await runCommand("git", [...COMMIT_AUTHOR, "commit", "--quiet", "-m", message, "--", file], { cwd: root });
  const commit = (await runCommand("git", ["rev-parse", "HEAD"], { cwd: root })).stdout.trim();
  try {
    await runCommand("git", ["push", "--quiet", "origin", `HEAD:refs/heads/${branch}`], { cwd: root });
    return { kind: "pushed", branch, commit };
  } catch (error) {
    if (fallbackBranch === undefined) throw wrapPushError(branch, error);
    await runCommand("git", ["push", "--quiet", "origin", `HEAD:refs/heads/${fallbackBranch}`], {
      cwd: root,
    }).catch((fallbackError: unknown) => {
      throw wrapPushError(fallbackBranch, fallbackError);
    });
    const reason =
      error instanceof CommandError ? (error.stderr.trim().split("\n").at(-1) ?? "") : String(error);
    return { kind: "branch", branch: fallbackBranch, commit, reason };
  }
}

function wrapPushError(branch: string, error: unknown): Error {
  const detail = error instanceof CommandError ? error.stderr.trim() : String(error);
  return new Error(`Pushing the scale commit to '${branch}' failed: ${detail}`, { cause: error });
}
