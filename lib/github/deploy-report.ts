import { loadProject } from "../config/load.ts";
import { environmentUrl } from "../config/url.ts";
import { type DeployOptions, deploy } from "../deploy.ts";
import type { Print, ServiceImage } from "../images/build.ts";
import { connect } from "../kube/client.ts";
import type { Plan } from "../reconcile/plan.ts";
import { readServiceStatus } from "../reconcile/status.ts";
import { type DeployReport, reportFromDeploy, summarizePlan } from "./report.ts";

/**
 * Deploys an environment and always returns a report: on success the whole
 * result, on failure the error's message with what is known by then, such as
 * the images and each service's ready replicas. Never throws for a failed
 * deploy, so the caller can report it before failing the step.
 */
export async function deployWithReport(
  root: string,
  environmentName: string,
  print: Print,
  options: DeployOptions & { commit?: string } = {},
): Promise<DeployReport> {
  const { commit, ...deployOptions } = options;
  let images: ServiceImage[] = [];
  let plan: Plan | undefined;
  try {
    const result = await deploy(root, environmentName, print, {
      ...deployOptions,
      onImages: (found) => {
        images = found;
      },
      onPlan: (made) => {
        plan = made;
      },
    });
    const report = reportFromDeploy(result, commit);
    if (options.pullRequest !== undefined) report.pullRequest = options.pullRequest;
    return report;
  } catch (error) {
    const report = await failureReport(root, environmentName, error, images, options.pullRequest, commit);
    if (plan !== undefined) report.plan = summarizePlan(plan);
    return report;
  }
}

async function failureReport(
  root: string,
  environmentName: string,
  error: unknown,
  images: ServiceImage[],
  pullRequest: number | undefined,
  commit: string | undefined,
): Promise<DeployReport> {
  const report: DeployReport = {
    environment: environmentName,
    outcome: "failure",
    services: images.map((image) => ({ service: image.service, digest: image.digest, image: image.status })),
    error: error instanceof Error ? error.message : String(error),
  };
  if (pullRequest !== undefined) report.pullRequest = pullRequest;
  if (commit !== undefined) report.commit = commit;
  try {
    // Best effort: the configuration may be what failed, or the cluster may be unreachable.
    const project = await loadProject(
      root,
      environmentName,
      pullRequest === undefined ? {} : { pullRequest },
    );
    report.namespace = project.environment.namespace;
    const url = environmentUrl(project);
    if (url !== undefined) report.url = url;
    const names = project.services.map((service) => service.name);
    const statuses = await readServiceStatus(
      connect(root, project.environment),
      project.environment.namespace,
      names,
    );
    for (const status of statuses) {
      const service = report.services.find((candidate) => candidate.service === status.service);
      const counts = { readyReplicas: status.readyReplicas, replicas: status.replicas };
      if (service === undefined) report.services.push({ service: status.service, ...counts });
      else Object.assign(service, counts);
    }
  } catch {
    // The report keeps what is known.
  }
  return report;
}
