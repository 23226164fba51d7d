import { z } from "zod";
import { formatPath } from "../config/yaml-file.ts";
import type { DeployResult } from "../deploy.ts";
import type { Plan } from "../reconcile/plan.ts";

/** Counts of a plan's entries by action. */
export interface PlanSummary {
  create: number;
  update: number;
  unchanged: number;
  prune: number;
}

/** One service's line in a report. */
export interface ServiceReport {
  service: string;
  /** The image's digest, such as `sha256:1f0c…`. */
  digest?: string;
  /** Whether this run built the image or reused one from the registry. */
  image?: "built" | "reused";
  readyReplicas?: number;
  replicas?: number;
}

/**
 * The outcome of a deploy in the form the GitHub layer reports it: the
 * pull request comment, the job summary, the Deployment and the commit
 * status all read this, and actions pass it to each other as JSON.
 */
export interface DeployReport {
  environment: string;
  /** The namespace deployed to, such as `pr-42`. */
  namespace?: string;
  pullRequest?: number;
  outcome: "success" | "failure" | "removed";
  services: ServiceReport[];
  plan?: PlanSummary;
  url?: string;
  /** The failure's message, when the outcome is `failure`. */
  error?: string;
  commit?: string;
  revision?: number;
}

/** Counts a plan's entries by action. */
export function summarizePlan(plan: Plan): PlanSummary {
  const summary: PlanSummary = { create: 0, update: 0, unchanged: 0, prune: 0 };
  for (const entry of plan.entries) summary[entry.action]++;
  return summary;
}

/** Builds the report of a deploy that finished. */
export function reportFromDeploy(result: DeployResult, commit?: string): DeployReport {
  const statuses = new Map(result.services.map((status) => [status.service, status]));
  const report: DeployReport = {
    environment: result.project.environment.name,
    namespace: result.project.environment.namespace,
    outcome: "success",
    services: result.images.map((image) => {
      const status = statuses.get(image.service);
      return {
        service: image.service,
        digest: image.digest,
        image: image.status,
        readyReplicas: status?.readyReplicas ?? 0,
        replicas: status?.replicas ?? 0,
      };
    }),
    plan: summarizePlan(result.reconcile.plan),
  };
  if (result.url !== undefined) report.url = result.url;
  if (commit !== undefined) report.commit = commit;
  if (result.reconcile.revision !== undefined) report.revision = result.reconcile.revision;
  return report;
}

const count = z.int().min(0);

// The fields of a report that the reporters read; unknown keys are dropped.
const reportSchema = z.object({
  environment: z.string(),
  namespace: z.string().optional(),
  pullRequest: z.int().min(1).optional(),
  outcome: z.enum(["success", "failure", "removed"]),
  services: z.array(
    z.object({
      service: z.string(),
      digest: z.string().optional(),
      image: z.enum(["built", "reused"]).optional(),
      readyReplicas: count.optional(),
      replicas: count.optional(),
    }),
  ),
  plan: z.object({ create: count, update: count, unchanged: count, prune: count }).optional(),
  url: z.url({ protocol: /^https?$/ }).optional(),
  error: z.string().optional(),
  commit: z.string().optional(),
  revision: z.int().min(1).optional(),
});

/**
 * Parses the report that the deploy and preview actions pass to the report
 * action as JSON, checking every field the reporters read.
 */
export function parseReport(text: string): DeployReport {
  const expected = "expected the 'report' output of the deploy or preview action";
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`Invalid input 'report': not JSON (${(error as Error).message}); ${expected}`);
  }
  const result = reportSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = formatPath(issue.path);
      return path === "" ? issue.message : `${path}: ${issue.message}`;
    });
    throw new Error(`Invalid input 'report': ${problems.join("; ")}; ${expected}`);
  }
  return result.data as DeployReport;
}
