import * as core from "@actions/core";
import {
  print,
  projectRoot,
  pullRequestInput,
  runAction,
  tokenInput,
  writeReportSummary,
} from "../../lib/github/action.ts";
import { publishOrWarn } from "../../lib/github/best-effort.ts";
import { createGitHubClient } from "../../lib/github/client.ts";
import { type RunContext, readRunContext } from "../../lib/github/context.ts";
import { deployWithReport } from "../../lib/github/deploy-report.ts";
import {
  deletePreview,
  listPreviews,
  previewTimeToLiveHours,
  sweepReason,
} from "../../lib/github/preview-cluster.ts";
import { publishTeardown } from "../../lib/github/publish.ts";
import type { DeployReport } from "../../lib/github/report.ts";

const MODES = ["up", "down", "sweep"];
/** The bound that `preview.timeToLiveHours` has in environment.yaml: one year. */
const MAX_TIME_TO_LIVE_HOURS = 8760;

await runAction(async () => {
  const mode = core.getInput("mode", { required: true });
  if (!MODES.includes(mode))
    throw new Error(`Invalid input 'mode': '${mode}'; expected one of ${MODES.join(", ")}`);
  const context = readRunContext();
  const root = projectRoot();
  const template = core.getInput("environment") || "preview";
  if (mode === "sweep") return sweep(root, template, context);

  const pullRequest = pullRequestInput(context.pullRequest);
  if (pullRequest === undefined) {
    throw new Error(
      `Mode '${mode}' needs a pull request: set the 'pull-request' input or run on a pull_request event`,
    );
  }
  if (mode === "up") return up(root, template, pullRequest, context);
  return down(root, template, pullRequest);
});

async function up(root: string, template: string, pullRequest: number, context: RunContext): Promise<void> {
  const report = await core.group(`Deploy the preview of pull request #${pullRequest}`, () =>
    deployWithReport(root, template, print, {
      pullRequest,
      ...(context.sha === "" ? {} : { commit: context.sha }),
    }),
  );
  core.setOutput("namespace", report.namespace ?? "");
  core.setOutput("url", report.url ?? "");
  core.setOutput("result", report.outcome);
  core.setOutput("report", JSON.stringify(report));
  await writeReportSummary(report, context.runUrl);
  if (report.outcome === "failure")
    core.setFailed(`Preview of pull request #${pullRequest} failed: ${report.error}`);
}

async function down(root: string, template: string, pullRequest: number): Promise<void> {
  const { namespace, deleted } = await core.group(`Delete the preview of pull request #${pullRequest}`, () =>
    deletePreview(root, template, pullRequest),
  );
  print(deleted ? `deleted namespace ${namespace}` : `namespace ${namespace} did not exist`);
  const report: DeployReport = {
    environment: template,
    namespace,
    pullRequest,
    outcome: "removed",
    services: [],
  };
  core.setOutput("namespace", namespace);
  core.setOutput("result", deleted ? "removed" : "absent");
  core.setOutput("report", JSON.stringify(report));
  if (process.env.GITHUB_STEP_SUMMARY) {
    const text = deleted ? `Namespace ${namespace} deleted.` : `Namespace ${namespace} did not exist.`;
    await core.summary
      .addHeading(`Preview of pull request #${pullRequest} removed`, 3)
      .addRaw(text, true)
      .write();
  }
}

async function sweep(root: string, template: string, context: RunContext): Promise<void> {
  // 1. The inputs first, then the time-to-live, the previews and the open pull requests.
  const token = tokenInput("github-token");
  if (token === undefined)
    throw new Error("Input 'github-token' is empty; 'sweep' needs it to read which pull requests are open");
  const override = core.getInput("time-to-live-hours");
  if (override !== "" && (!/^[1-9][0-9]*$/.test(override) || Number(override) > MAX_TIME_TO_LIVE_HOURS)) {
    throw new Error(
      `Invalid input 'time-to-live-hours': '${override}'; expected a whole number of hours from 1 to ${MAX_TIME_TO_LIVE_HOURS}`,
    );
  }
  const timeToLive = override === "" ? await previewTimeToLiveHours(root, template) : Number(override);
  const octokit = createGitHubClient(token, { log: core.warning });
  const previews = await listPreviews(root, template);
  const pulls = await octokit.paginate(octokit.rest.pulls.list, {
    owner: context.owner,
    repo: context.repo,
    state: "open",
    per_page: 100,
  });
  const open = new Set(pulls.map((pull) => pull.number));

  // 2. Delete what outlived its pull request or its time-to-live.
  const removed: Array<{ namespace: string; pullRequest: number; reason: string }> = [];
  for (const preview of previews) {
    const reason = sweepReason(preview, open, timeToLive, new Date());
    if (reason === undefined) {
      print(`keeping ${preview.namespace}`);
      continue;
    }
    await core.group(`Delete ${preview.namespace}: ${reason}`, async () => {
      await deletePreview(root, template, preview.pullRequest);
      const report: DeployReport = {
        environment: template,
        namespace: preview.namespace,
        pullRequest: preview.pullRequest,
        outcome: "removed",
        services: [],
      };
      // The preview is gone already; a GitHub failure leaves its Deployments active but stops no sweep.
      await publishOrWarn(`Report the removal of ${preview.namespace}`, "the sweep goes on", () =>
        publishTeardown(
          {
            octokit,
            context,
            githubEnvironment: preview.namespace,
            pullRequest: preview.pullRequest,
            production: false,
            commentAuthor: core.getInput("comment-author") || "github-actions[bot]",
          },
          report,
        ),
      );
    });
    removed.push({ namespace: preview.namespace, pullRequest: preview.pullRequest, reason });
  }

  // 3. Outputs and summary.
  core.setOutput("removed", JSON.stringify(removed));
  if (process.env.GITHUB_STEP_SUMMARY) {
    const rows = removed.map((entry) => [entry.namespace, `#${entry.pullRequest}`, entry.reason]);
    await core.summary
      .addHeading("Preview sweep", 3)
      .addRaw(`${previews.length} previews found, ${removed.length} deleted.`, true)
      .addTable([
        [
          { data: "Namespace", header: true },
          { data: "Pull request", header: true },
          { data: "Reason", header: true },
        ],
        ...rows,
      ])
      .write();
  }
}
