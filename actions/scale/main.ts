import * as core from "@actions/core";
import {
  booleanInput,
  print,
  projectRoot,
  runAction,
  tokenInput,
  writeReportSummary,
} from "../../lib/github/action.ts";
import { publishOrWarn } from "../../lib/github/best-effort.ts";
import { createGitHubClient } from "../../lib/github/client.ts";
import { type RunContext, readRunContext } from "../../lib/github/context.ts";
import { deployWithReport } from "../../lib/github/deploy-report.ts";
import {
  commitAndPush,
  type ScaleRequest,
  validateScaleRequest,
  writeReplicaCount,
} from "../../lib/github/scale.ts";

const COMMIT_MODES = ["auto", "push", "pull-request"];

await runAction(async () => {
  // 1. Check the request before anything changes.
  const root = projectRoot();
  const context = readRunContext();
  const commitMode = core.getInput("commit") || "auto";
  if (!COMMIT_MODES.includes(commitMode)) {
    throw new Error(`Invalid input 'commit': '${commitMode}'; expected one of ${COMMIT_MODES.join(", ")}`);
  }
  const maxText = core.getInput("max-replicas") || "20";
  if (!/^[1-9][0-9]*$/.test(maxText))
    throw new Error(`Invalid input 'max-replicas': '${maxText}'; expected a positive whole number`);
  const apply = booleanInput("apply", true);
  const request = await core.group("Check the request", () =>
    validateScaleRequest(
      root,
      core.getInput("environment", { required: true }),
      core.getInput("service", { required: true }),
      core.getInput("replicas", { required: true }),
      Number(maxText),
    ),
  );

  // 2. Write and commit the count.
  const { file, changed } = await writeReplicaCount(root, request);
  core.setOutput("changed", String(changed));
  if (changed) {
    await core.group(`Commit ${file}`, () => publish(root, file, request, commitMode, context));
  } else {
    print(`${file} already sets ${request.service} to ${request.replicas} replicas`);
  }

  // 3. Apply at once.
  if (process.env.GITHUB_STEP_SUMMARY) {
    const change = changed
      ? `set to ${request.replicas} in ${file}`
      : `already ${request.replicas} in ${file}`;
    await core.summary
      .addHeading(`Scale ${request.service} in ${request.environment}`, 3)
      .addRaw(`Replicas ${change}.`, true)
      .write();
  }
  if (!apply) return;
  const report = await core.group(`Deploy ${request.environment}`, () =>
    deployWithReport(root, request.environment, print, context.sha === "" ? {} : { commit: context.sha }),
  );
  core.setOutput("result", report.outcome);
  core.setOutput("report", JSON.stringify(report));
  await writeReportSummary(report, context.runUrl);
  if (report.outcome === "failure")
    core.setFailed(`Deploy of '${request.environment}' failed: ${report.error}`);
});

async function publish(
  root: string,
  file: string,
  request: ScaleRequest,
  mode: string,
  context: RunContext,
): Promise<void> {
  const branch = core.getInput("branch") || process.env.GITHUB_REF_NAME || "main";
  const proposal = `mooring/scale-${request.environment}-${request.service}-${request.replicas}-${process.env.GITHUB_RUN_ID ?? Date.now()}`;
  const published =
    mode === "pull-request"
      ? await commitAndPush(root, file, request, proposal)
      : await commitAndPush(root, file, request, branch, mode === "auto" ? proposal : undefined);
  core.setOutput("commit", published.commit);
  if (published.kind === "pushed" && mode !== "pull-request") {
    print(`pushed ${published.commit} to ${published.branch}`);
    return;
  }

  // The branch is protected, or a pull request was asked for.
  const token = tokenInput("github-token");
  if (token === undefined)
    throw new Error("Input 'github-token' is empty; it is needed to open the scale pull request");
  const octokit = createGitHubClient(token, { log: core.warning });
  const title = `Scale ${request.service} in ${request.environment} to ${request.replicas} replicas`;
  const why =
    published.kind === "branch" ? ` because the push to '${branch}' was rejected (${published.reason})` : "";
  // The commit is pushed already, so a GitHub failure here must not stop the scale from being applied.
  const opened = await publishOrWarn(
    "Open the scale pull request",
    `the commit is on branch '${published.branch}'${why}; open a pull request from it to '${branch}', because until it is merged, a deploy of '${branch}' resets the count`,
    () =>
      octokit.rest.pulls.create({
        owner: context.owner,
        repo: context.repo,
        head: published.branch,
        base: branch,
        title,
        body: `Requested through the scale workflow${context.runUrl === undefined ? "" : ` ([run](${context.runUrl}))`}. The count is applied already; merge this so the next deploy keeps it.`,
      }),
  );
  if (!opened.ok) return;
  const number = opened.value.data.number;
  core.setOutput("pull-request", String(number));
  core.warning(
    `Opened pull request #${number}${why}; until it is merged, a deploy of '${branch}' resets the count`,
  );
}
