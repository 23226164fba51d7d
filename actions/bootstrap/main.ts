import * as core from "@actions/core";
import { runBootstrap } from "../../lib/bootstrap/command.ts";
import { booleanInput, print, projectRoot, runAction } from "../../lib/github/action.ts";

await runAction(async () => {
  // 1. Inputs; the key and the known hosts reach lib/ as the variables the CLI reads.
  const environment = core.getInput("environment", { required: true });
  const privateKey = core.getInput("ssh-private-key", { required: true });
  core.setSecret(privateKey);
  const env = {
    ...process.env,
    MOORING_KNOWN_HOSTS: core.getInput("known-hosts", { required: true }),
    MOORING_SSH_PRIVATE_KEY: privateKey,
  };
  const machines = core
    .getInput("machines")
    .split(/[\s,]+/)
    .filter((name) => name !== "");
  const removeWorker = core.getInput("remove-worker");
  const options = {
    env: environment,
    plan: booleanInput("plan", false),
    ...(machines.length === 0 ? {} : { machine: machines }),
    ...(removeWorker === "" ? {} : { "remove-worker": removeWorker }),
    diagnostics: core.getInput("diagnostics") || "bootstrap-diagnostics.txt",
  };

  // 2. Bootstrap.
  const title =
    removeWorker === "" ? `Bootstrap ${environment}` : `Remove worker ${removeWorker} from ${environment}`;
  const { report, summary, diagnosticsFile } = await core.group(title, () =>
    runBootstrap(projectRoot(), options, print, env),
  );

  // 3. Outputs and summary.
  const changed = report.results.filter((result) => result.status === (report.plan ? "pending" : "changed"));
  core.setOutput("result", report.ok ? "success" : "failure");
  core.setOutput("changed", String(changed.length));
  core.setOutput("diagnostics", diagnosticsFile ?? "");
  core.setOutput("report", JSON.stringify(report));
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(summary, true).write();
  if (!report.ok) {
    const failed = report.failures.map((failure) => `'${failure.step}' on '${failure.machine}'`).join(", ");
    core.setFailed(
      `Bootstrap of '${environment}' failed: ${failed}. See the job summary and ${diagnosticsFile}.`,
    );
  }
});
