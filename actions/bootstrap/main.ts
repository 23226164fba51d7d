import { isAbsolute, relative, resolve } from "node:path";
import * as core from "@actions/core";
import { runBootstrap } from "../../lib/bootstrap/command.ts";
import { checkKnownHosts, checkPrivateKey } from "../../lib/bootstrap/ssh-credentials.ts";
import { isDnsLabel } from "../../lib/config/fields.ts";
import { booleanInput, isOutside, print, projectRoot, runAction } from "../../lib/github/action.ts";

await runAction(async () => {
  // 1. Inputs; the key and the known hosts reach lib/ as the variables the CLI reads.
  const environment = core.getInput("environment", { required: true });
  const privateKey = core.getInput("ssh-private-key", { required: true });
  core.setSecret(privateKey);
  checkPrivateKey(privateKey, "input 'ssh-private-key'");
  const knownHosts = core.getInput("known-hosts", { required: true });
  checkKnownHosts(knownHosts, "input 'known-hosts'");
  const env = { ...process.env, MOORING_KNOWN_HOSTS: knownHosts, MOORING_SSH_PRIVATE_KEY: privateKey };
  const machines = core
    .getInput("machines")
    .split(/[\s,]+/)
    .filter((name) => name !== "");
  for (const name of machines) checkMachineName("machines", name);
  const removeWorker = core.getInput("remove-worker");
  if (removeWorker !== "") checkMachineName("remove-worker", removeWorker);
  const root = projectRoot();
  const options = {
    env: environment,
    plan: booleanInput("plan", false),
    ...(machines.length === 0 ? {} : { machine: machines }),
    ...(removeWorker === "" ? {} : { "remove-worker": removeWorker }),
    diagnostics: diagnosticsInput(root),
  };

  // 2. Bootstrap.
  const title =
    removeWorker === "" ? `Bootstrap ${environment}` : `Remove worker ${removeWorker} from ${environment}`;
  const { report, summary, diagnosticsFile } = await core.group(title, () =>
    runBootstrap(root, options, print, env),
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

// A machine's name is its node name in machines.yaml, a DNS-1123 label.
function checkMachineName(input: string, name: string): void {
  if (!isDnsLabel(name)) {
    throw new Error(
      `Invalid input '${input}': '${name}' is not a machine name; expected names from machines.yaml, such as 'staging-worker-1'`,
    );
  }
}

// The diagnostics file must stay inside the project, because the workflow uploads it as an artifact.
function diagnosticsInput(root: string): string {
  const value = core.getInput("diagnostics") || "bootstrap-diagnostics.txt";
  const path = relative(root, resolve(root, value));
  if (isAbsolute(value) || path === "" || isOutside(path)) {
    throw new Error(
      `Invalid input 'diagnostics': '${value}'; expected a file path inside the project, such as 'bootstrap-diagnostics.txt'`,
    );
  }
  return value;
}
