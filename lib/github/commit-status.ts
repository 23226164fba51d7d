import type { GitHubClient } from "./client.ts";
import { truncate } from "./deployments.ts";

/** The prefix of the context of Mooring's commit statuses; the environment's name follows it. */
export const STATUS_CONTEXT_PREFIX = "mooring/";

/** A commit status for one environment. */
export interface CommitStatusRequest {
  owner: string;
  repo: string;
  sha: string;
  environment: string;
  state: "pending" | "success" | "failure" | "error";
  targetUrl?: string;
  description?: string;
}

/** Sets the commit status of an environment, with the context `mooring/<environment>`. */
export async function setCommitStatus(octokit: GitHubClient, request: CommitStatusRequest): Promise<void> {
  await octokit.rest.repos.createCommitStatus({
    owner: request.owner,
    repo: request.repo,
    sha: request.sha,
    state: request.state,
    context: `${STATUS_CONTEXT_PREFIX}${request.environment}`,
    ...(request.targetUrl === undefined ? {} : { target_url: request.targetUrl }),
    description: truncate(request.description ?? request.state, 140),
  });
}
