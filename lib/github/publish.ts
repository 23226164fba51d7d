import type { GitHubClient } from "./client.ts";
import { upsertStickyComment } from "./comment.ts";
import { setCommitStatus } from "./commit-status.ts";
import type { RunContext } from "./context.ts";
import { createDeployment, deactivateDeployments, setDeploymentState } from "./deployments.ts";
import { COMMENT_MARKER, formatReport } from "./markdown.ts";
import type { DeployReport } from "./report.ts";

/** The client, run context and GitHub environment that one environment's reports are published to. */
export interface PublishTarget {
  octokit: GitHubClient;
  context: RunContext;
  /** The GitHub environment's name: the environment's, or `pr-N` for a preview. */
  githubEnvironment: string;
  pullRequest?: number;
  production: boolean;
  /** The login the token comments as. */
  commentAuthor: string;
}

/** Creates the Deployment in state `in_progress`, sets the commit status `pending` and notes the start in the comment. */
export async function publishStart(
  target: PublishTarget,
): Promise<{ deploymentId: number; commentId?: number }> {
  const { octokit, context } = target;
  const repository = { owner: context.owner, repo: context.repo };

  // 1. The Deployment.
  const deploymentId = await createDeployment(octokit, {
    ...repository,
    ref: context.sha,
    environment: target.githubEnvironment,
    transient: target.pullRequest !== undefined,
    production: target.production,
  });
  await setDeploymentState(octokit, { ...repository, deploymentId }, "in_progress", logUrl(context));

  // 2. The commit status and the comment.
  await setCommitStatus(octokit, {
    ...repository,
    sha: context.sha,
    environment: target.githubEnvironment,
    state: "pending",
    description: "Deploying",
    ...(context.runUrl === undefined ? {} : { targetUrl: context.runUrl }),
  });
  if (target.pullRequest === undefined) return { deploymentId };
  const link = context.runUrl === undefined ? "" : ` ([workflow run](${context.runUrl}))`;
  const body = `${COMMENT_MARKER}\n### ⏳ Deploying ${target.githubEnvironment}\n\nCommit \`${context.sha.slice(0, 12)}\`${link}\n`;
  const comment = await upsertStickyComment(octokit, stickyTarget(target), body);
  return { deploymentId, commentId: comment.id };
}

/** Sets the Deployment's and the commit's final state from the report, and updates the comment. */
export async function publishFinish(
  target: PublishTarget,
  deploymentId: number | undefined,
  report: DeployReport,
): Promise<{ commentId?: number }> {
  const { octokit, context } = target;
  const repository = { owner: context.owner, repo: context.repo };
  const state = report.outcome === "success" ? "success" : "failure";
  const description = report.outcome === "success" ? "Deployed" : `Failed: ${report.error ?? "see the run"}`;

  // 1. The Deployment and the commit status.
  if (deploymentId !== undefined) {
    await setDeploymentState(octokit, { ...repository, deploymentId }, state, {
      ...logUrl(context),
      ...(report.url === undefined ? {} : { environmentUrl: report.url }),
      description,
    });
  }
  await setCommitStatus(octokit, {
    ...repository,
    sha: context.sha,
    environment: target.githubEnvironment,
    state,
    description,
    ...(report.url === undefined || state === "failure"
      ? context.runUrl === undefined
        ? {}
        : { targetUrl: context.runUrl }
      : { targetUrl: report.url }),
  });

  // 2. The comment.
  if (target.pullRequest === undefined) return {};
  const body = formatReport(report, {
    comment: true,
    ...(context.runUrl === undefined ? {} : { runUrl: context.runUrl }),
  });
  const comment = await upsertStickyComment(octokit, stickyTarget(target), body);
  return { commentId: comment.id };
}

/** Marks the environment's Deployments inactive and writes the final comment. */
export async function publishTeardown(
  target: PublishTarget,
  report: DeployReport,
): Promise<{ commentId?: number }> {
  const { octokit, context } = target;
  await deactivateDeployments(
    octokit,
    { owner: context.owner, repo: context.repo, environment: target.githubEnvironment },
    { ...logUrl(context), description: "Preview removed" },
  );
  if (target.pullRequest === undefined) return {};
  const body = formatReport(report, {
    comment: true,
    ...(context.runUrl === undefined ? {} : { runUrl: context.runUrl }),
  });
  const comment = await upsertStickyComment(octokit, stickyTarget(target), body);
  return { commentId: comment.id };
}

function stickyTarget(target: PublishTarget) {
  return {
    owner: target.context.owner,
    repo: target.context.repo,
    issueNumber: target.pullRequest as number,
    marker: COMMENT_MARKER,
    author: target.commentAuthor,
  };
}

function logUrl(context: RunContext): { logUrl?: string } {
  return context.runUrl === undefined ? {} : { logUrl: context.runUrl };
}
