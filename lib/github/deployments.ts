import type { GitHubClient } from "./client.ts";

/** The states Mooring gives a GitHub Deployment. */
export type DeploymentState = "in_progress" | "success" | "failure" | "inactive";

/** A Deployment to create for one environment or preview. */
export interface DeploymentRequest {
  owner: string;
  repo: string;
  /** The commit deployed. */
  ref: string;
  /** The GitHub environment's name, such as `staging` or `pr-42`. */
  environment: string;
  /** True for previews, which are torn down later. */
  transient: boolean;
  production: boolean;
  description?: string;
}

/** The URLs and description of a Deployment status. */
export interface DeploymentStatusDetails {
  /** The deployed environment's URL; the pull request shows it as "View deployment". */
  environmentUrl?: string;
  /** The workflow run's URL. */
  logUrl?: string;
  description?: string;
}

/**
 * Creates a Deployment for the commit without merging the default branch and
 * without waiting for commit statuses, because the workflow has already
 * decided to deploy. Returns its id.
 */
export async function createDeployment(octokit: GitHubClient, request: DeploymentRequest): Promise<number> {
  const response = await octokit.rest.repos.createDeployment({
    owner: request.owner,
    repo: request.repo,
    ref: request.ref,
    environment: request.environment,
    transient_environment: request.transient,
    production_environment: request.production,
    auto_merge: false,
    required_contexts: [],
    description: truncate(request.description ?? `Mooring deploy of ${request.environment}`, 140),
  });
  if (response.status !== 201 || !("id" in response.data)) {
    throw new Error(
      `GitHub did not create a deployment for '${request.environment}' (status ${response.status})`,
    );
  }
  return response.data.id;
}

/** Sets the state of a Deployment, with its URL and the run's log. */
export async function setDeploymentState(
  octokit: GitHubClient,
  target: { owner: string; repo: string; deploymentId: number },
  state: DeploymentState,
  details: DeploymentStatusDetails = {},
): Promise<void> {
  await octokit.rest.repos.createDeploymentStatus({
    owner: target.owner,
    repo: target.repo,
    deployment_id: target.deploymentId,
    state,
    ...(details.environmentUrl === undefined ? {} : { environment_url: details.environmentUrl }),
    ...(details.logUrl === undefined ? {} : { log_url: details.logUrl }),
    description: truncate(details.description ?? state, 140),
    auto_inactive: state === "success",
  });
}

/**
 * Marks every Deployment of an environment `inactive`, as when its preview
 * is torn down. Returns the ids it changed.
 */
export async function deactivateDeployments(
  octokit: GitHubClient,
  target: { owner: string; repo: string; environment: string },
  details: DeploymentStatusDetails = {},
): Promise<number[]> {
  const deployments = await octokit.paginate(octokit.rest.repos.listDeployments, {
    owner: target.owner,
    repo: target.repo,
    environment: target.environment,
    per_page: 100,
  });
  const ids: number[] = [];
  for (const deployment of deployments) {
    const statuses = await octokit.rest.repos.listDeploymentStatuses({
      owner: target.owner,
      repo: target.repo,
      deployment_id: deployment.id,
      per_page: 1,
    });
    if (statuses.data[0]?.state === "inactive") continue;
    await setDeploymentState(octokit, { ...target, deploymentId: deployment.id }, "inactive", details);
    ids.push(deployment.id);
  }
  return ids;
}

/** Cuts a text to the API's limit for a description. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
