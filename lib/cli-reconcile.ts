import { listServiceFolders, loadProject } from "./config/load.ts";
import { parsePullRequestNumber } from "./config/preview.ts";
import { environmentUrl } from "./config/url.ts";
import { type DeployResult, deploy, planDeploy, rollback } from "./deploy.ts";
import { connect } from "./kube/client.ts";
import { detectDrift } from "./reconcile/drift.ts";
import { readObjectHealth } from "./reconcile/object-health.ts";
import type { Plan } from "./reconcile/plan.ts";
import { checkReplaceTargets } from "./reconcile/replace-targets.ts";
import { readServiceStatus } from "./reconcile/status.ts";
import { parseImageOptions } from "./render/commands.ts";
import { formatTable, shortDigest } from "./report/table.ts";

/** The CLI options the reconcile commands read. */
export interface ReconcileCommandOptions {
  env: string;
  pr?: string;
  output?: string;
  to?: string;
  /** plan, deploy: `service=reference` images to use instead of building or looking them up. */
  image?: string[];
  "force-conflicts"?: boolean;
  replace?: string[];
  "allow-empty"?: boolean;
  "allow-mass-prune"?: boolean;
}

type Print = (line: string) => void;

/** `mooring deploy`: build, render, reconcile, then the service table and the URL. */
export async function deployCommand(
  root: string,
  options: ReconcileCommandOptions,
  print: Print,
): Promise<number> {
  checkReplaceTargets(options.replace ?? [], "--replace");
  const images = parseImageOptions(options.image ?? [], await listServiceFolders(root));
  const result = await deploy(root, options.env, print, {
    ...pullRequestOption(options),
    images,
    forceConflicts: options["force-conflicts"] ?? false,
    replace: options.replace ?? [],
    allowEmpty: options["allow-empty"] ?? false,
    allowMassPrune: options["allow-mass-prune"] ?? false,
  });
  print(formatDeploySummary(result));
  return 0;
}

/** `mooring plan`: what a deploy would change, as text with diffs or as JSON. */
export async function planCommand(
  root: string,
  options: ReconcileCommandOptions,
  print: Print,
): Promise<number> {
  const images = parseImageOptions(options.image ?? [], await listServiceFolders(root));
  const { plan } = await planDeploy(root, options.env, pullRequestOption(options).pullRequest, images);
  print(options.output === "json" ? JSON.stringify(planToJson(plan), null, 2) : formatPlan(plan));
  return 0;
}

/**
 * `mooring status`: each service's ready replicas, pods and running digests,
 * then every inventory object's health. Exits 1 when an object is unhealthy.
 */
export async function statusCommand(
  root: string,
  options: ReconcileCommandOptions,
  print: Print,
): Promise<number> {
  const project = await loadProject(root, options.env, pullRequestOption(options));
  const names = project.services.map((service) => service.name);
  const clients = connect(root, project.environment);
  const services = await readServiceStatus(clients, project.environment.namespace, names);
  print(formatServiceTable(services));
  const health = await readObjectHealth(clients, project.environment.namespace);
  print("");
  print(
    formatTable(
      ["OBJECT", "HEALTH", "STATE"],
      health.map((entry) => [entry.object, entry.healthy ? "ok" : "FAILING", entry.state]),
    ),
  );
  for (const entry of health) {
    for (const reason of entry.reasons) print(`  ${reason}`);
  }
  const url = environmentUrl(project);
  if (url !== undefined) print(`\nFrontend: ${url}`);
  return health.every((entry) => entry.healthy) ? 0 : 1;
}

/** `mooring rollback [--to N]`: re-apply a recorded revision. */
export async function rollbackCommand(
  root: string,
  options: ReconcileCommandOptions,
  print: Print,
): Promise<number> {
  let to: number | undefined;
  if (options.to !== undefined) {
    to = Number(options.to);
    if (!Number.isInteger(to) || to < 1)
      throw new Error(`Invalid --to '${options.to}': expected a revision number such as 3`);
  }
  const result = await rollback(root, options.env, print, to, pullRequestOption(options).pullRequest);
  print(
    result.changed
      ? `rolled back to revision ${result.revision}`
      : "already at that revision; nothing changed",
  );
  return 0;
}

/** `mooring drift`: objects changed or deleted outside Mooring since the last deploy. Exits 1 when there is drift. */
export async function driftCommand(
  root: string,
  options: ReconcileCommandOptions,
  print: Print,
): Promise<number> {
  const project = await loadProject(root, options.env, pullRequestOption(options));
  const clients = connect(root, project.environment);
  const { revision, entries } = await detectDrift(clients, project.environment.namespace);
  if (options.output === "json") {
    print(JSON.stringify({ revision, drift: entries }, null, 2));
  } else if (entries.length === 0) {
    print(`no drift: every object matches revision ${revision}`);
  } else {
    print(`${entries.length} objects differ from revision ${revision}:`);
    for (const entry of entries) {
      print(`${entry.kind} ${entry.object}`);
      if (entry.diff !== undefined) print(entry.diff);
    }
  }
  return entries.length === 0 ? 0 : 1;
}

// The `--pr` option as loadProject's option, for the preview environment.
function pullRequestOption(options: ReconcileCommandOptions): { pullRequest?: number } {
  if (options.pr === undefined) return {};
  return { pullRequest: parsePullRequestNumber(options.pr, "--pr") };
}

/** Formats the end of a deploy: the service table, what was rebuilt, and the URL. */
export function formatDeploySummary(result: DeployResult): string {
  const built = result.images.filter((image) => image.built).map((image) => image.service);
  const lines = [
    "",
    formatServiceTable(result.services),
    "",
    built.length === 0 ? "Images rebuilt: none (all unchanged)" : `Images rebuilt: ${built.join(", ")}`,
  ];
  if (result.url !== undefined) lines.push(`Frontend: ${result.url}`);
  return lines.join("\n");
}

/** Formats a plan as one line per object, with the diff under each update. */
export function formatPlan(plan: Plan): string {
  const lines = plan.entries.map((entry) =>
    entry.diff ? `${entry.action} ${entry.object}\n${entry.diff}` : `${entry.action} ${entry.object}`,
  );
  for (const skipped of plan.skippedPrunes) lines.push(`keep ${skipped}`);
  const counts = ["create", "update", "unchanged", "prune"].map(
    (action) => `${plan.entries.filter((entry) => entry.action === action).length} to ${action}`,
  );
  lines.push(`Plan: ${counts.join(", ")}`);
  return lines.join("\n");
}

function planToJson(plan: Plan): unknown {
  return {
    entries: plan.entries.map((entry) => ({
      action: entry.action,
      object: entry.object,
      ...(entry.diff ? { diff: entry.diff } : {}),
    })),
    skippedPrunes: plan.skippedPrunes,
  };
}

function formatServiceTable(services: DeployResult["services"]): string {
  return formatTable(
    ["SERVICE", "READY", "PODS", "NODES", "IMAGE DIGEST"],
    services.map((service) => [
      service.service,
      `${service.readyReplicas}/${service.replicas}`,
      service.pods.join(", "),
      service.nodes.join(", "),
      service.digests.map(shortDigest).join(", "),
    ]),
  );
}
