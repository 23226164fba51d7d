import * as core from "@actions/core";
import {
  booleanInput,
  projectRoot,
  pullRequestInput,
  runAction,
  tokenInput,
  writeReportSummary,
} from "../../lib/github/action.ts";
import { type Published, publishOrWarn, writeGitHubFailureSummary } from "../../lib/github/best-effort.ts";
import { createGitHubClient } from "../../lib/github/client.ts";
import { readRunContext } from "../../lib/github/context.ts";
import { githubEnvironmentName } from "../../lib/github/environments.ts";
import {
  type PublishTarget,
  publishFinish,
  publishStart,
  publishTeardown,
} from "../../lib/github/publish.ts";
import { parseReport } from "../../lib/github/report.ts";

const STAGES = ["start", "finish", "teardown"];

await runAction(async () => {
  // 1. Inputs.
  const stage = core.getInput("stage", { required: true });
  if (!STAGES.includes(stage))
    throw new Error(`Invalid input 'stage': '${stage}'; expected one of ${STAGES.join(", ")}`);
  const context = readRunContext();
  const environment = core.getInput("environment", { required: true });
  const pullRequest = pullRequestInput(context.pullRequest);
  const token = tokenInput("github-token");
  if (token === undefined)
    throw new Error(
      "Input 'github-token' is empty; pass a token with deployments, statuses and pull-requests write access",
    );
  const target: PublishTarget = {
    octokit: createGitHubClient(token, { log: core.warning }),
    context,
    githubEnvironment: await githubEnvironmentName(projectRoot(), environment, pullRequest),
    production: booleanInput("production", false),
    commentAuthor: core.getInput("comment-author") || "github-actions[bot]",
    ...(pullRequest === undefined ? {} : { pullRequest }),
  };

  // 2. Publish. A GitHub API failure becomes a warning and a note in the job summary.
  if (stage === "start") {
    const started = await publishInGroup("Start the Deployment", () => publishStart(target));
    if (started.ok) {
      core.setOutput("deployment-id", String(started.value.deploymentId));
      if (started.value.commentId !== undefined)
        core.setOutput("comment-id", String(started.value.commentId));
    }
    if (process.env.GITHUB_STEP_SUMMARY) {
      const text = started.ok
        ? `Deployment ${started.value.deploymentId} of ${target.githubEnvironment} started.`
        : `Deploy of ${target.githubEnvironment} started.`;
      await core.summary.addRaw(text, true).write();
    }
    if (!started.ok) await writeGitHubFailureSummary(started.reason);
    return;
  }
  const report = parseReport(core.getInput("report", { required: true }));
  const deploymentId = deploymentIdInput();
  const published =
    stage === "finish"
      ? await publishInGroup("Report the deploy", () => publishFinish(target, deploymentId, report))
      : await publishInGroup("Report the teardown", () => publishTeardown(target, report));
  if (published.ok && published.value.commentId !== undefined)
    core.setOutput("comment-id", String(published.value.commentId));
  await writeReportSummary(report, context.runUrl);
  if (!published.ok) await writeGitHubFailureSummary(published.reason);
});

function publishInGroup<T>(title: string, publish: () => Promise<T>): Promise<Published<T>> {
  return core.group(title, () => publishOrWarn(title, "the job summary has the report", publish));
}

function deploymentIdInput(): number | undefined {
  const value = core.getInput("deployment-id");
  if (value === "") return undefined;
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new Error(
      `Invalid input 'deployment-id': '${value}'; expected the 'deployment-id' output of the 'start' stage, a positive integer`,
    );
  return Number(value);
}
