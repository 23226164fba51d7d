import * as core from "@actions/core";
import {
  booleanInput,
  print,
  projectRoot,
  pullRequestInput,
  runAction,
  writeReportSummary,
} from "../../lib/github/action.ts";
import { readRunContext } from "../../lib/github/context.ts";
import { deployWithReport } from "../../lib/github/deploy-report.ts";
import { checkReplaceTargets } from "../../lib/reconcile/replace-targets.ts";

await runAction(async () => {
  // 1. Inputs.
  const context = readRunContext();
  const environment = core.getInput("environment", { required: true });
  const pullRequest = pullRequestInput();
  const options = {
    forceConflicts: booleanInput("force-conflicts", false),
    allowEmpty: booleanInput("allow-empty", false),
    allowMassPrune: booleanInput("allow-mass-prune", false),
    replace: replaceInput(),
    ...(context.sha === "" ? {} : { commit: context.sha }),
    ...(pullRequest === undefined ? {} : { pullRequest }),
  };

  // 2. Deploy.
  const report = await core.group(`Deploy ${environment}`, () =>
    deployWithReport(projectRoot(), environment, print, options),
  );

  // 3. Outputs and summary.
  core.setOutput("result", report.outcome);
  core.setOutput("plan", report.plan === undefined ? "" : JSON.stringify(report.plan));
  core.setOutput("url", report.url ?? "");
  core.setOutput("revision", report.revision ?? "");
  core.setOutput("report", JSON.stringify(report));
  await writeReportSummary(report, context.runUrl);
  if (report.outcome === "failure") core.setFailed(`Deploy of '${environment}' failed: ${report.error}`);
});

function replaceInput(): string[] {
  const values = core.getMultilineInput("replace");
  checkReplaceTargets(values, "input 'replace'");
  return values;
}
