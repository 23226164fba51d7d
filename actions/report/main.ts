import * as core from "@actions/core";
import {
  booleanInput,
  projectRoot,
  pullRequestInput,
  runAction,
  tokenInput,
  writeReportSummary,
} from "../../lib/github/action.ts";
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

  // 2. Publish.
  if (stage === "start") {
    const started = await core.group("Start the Deployment", () => publishStart(target));
    core.setOutput("deployment-id", String(started.deploymentId));
    if (started.commentId !== undefined) core.setOutput("comment-id", String(started.commentId));
    if (process.env.GITHUB_STEP_SUMMARY) {
      await core.summary
        .addRaw(`Deployment ${started.deploymentId} of ${target.githubEnvironment} started.`, true)
        .write();
    }
    return;
  }
  const report = parseReport(core.getInput("report", { required: true }));
  const published =
    stage === "finish"
      ? await core.group("Report the deploy", () => publishFinish(target, deploymentIdInput(), report))
      : await core.group("Report the teardown", () => publishTeardown(target, report));
  if (published.commentId !== undefined) core.setOutput("comment-id", String(published.commentId));
  await writeReportSummary(report, context.runUrl);
});

function deploymentIdInput(): number | undefined {
  const value = core.getInput("deployment-id");
  if (value === "") return undefined;
  if (!/^[1-9][0-9]*$/.test(value))
    throw new Error(
      `Invalid input 'deployment-id': '${value}'; expected the 'deployment-id' output of the 'start' stage`,
    );
  return Number(value);
}
