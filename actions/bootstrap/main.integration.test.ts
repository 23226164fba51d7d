import { spawn } from "node:child_process";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type FakeFleet, startFleet } from "../../lib/bootstrap/testing/fake-hosts.ts";
import { createProject } from "../../lib/testing/fixture.ts";

const ACTION = join(import.meta.dirname, "dist", "index.js");

interface Context {
  fleet: FakeFleet;
  root: string;
  privateKey: string;
}

const test = suite<Context>("bootstrap action");

test.before(async (context) => {
  context.fleet = await startFleet(["cp", "w1"]);
  const address = (name: string) => context.fleet.hosts.get(name)?.address;
  context.root = await createProject({
    "clusters/local/machines.yaml": `kubernetesVersion: "1.32"
controlPlane:
  name: cp
  address: ${address("cp")}
workers:
  - name: w1
    address: ${address("w1")}
cni:
  manifest: /srv/kube-flannel.yml
stepTimeoutSeconds: 60
readyTimeoutSeconds: 10
`,
  });
  context.privateKey = await readFile(context.fleet.identityFile, "utf8");
});

test.after(async (context) => {
  await context.fleet.stop();
  await rm(context.root, { recursive: true, force: true });
});

test("plan sets outputs and changes nothing", async (context) => {
  const run = await runAction(context, { plan: "true" });

  assert.is(run.code, 0, run.stdout);
  assert.is(run.outputs.result, "success");
  assert.ok(Number(run.outputs.changed) > 10, run.outputs.changed);
  assert.equal(
    (await context.fleet.clusterCalls()).filter((line) => line.split(" ")[1] === "change"),
    [],
  );
  assert.match(run.summary, "## Bootstrap of 'local' (plan)");
});

test("run bootstraps, writes the kubeconfig and the summary", async (context) => {
  const run = await runAction(context, {});

  assert.is(run.code, 0, run.stdout);
  assert.is(run.outputs.result, "success");
  assert.is(run.outputs.diagnostics, "");
  assert.match(run.summary, "| w1 | kubeadm-join | changed | not joined |");
  const kubeconfig = join(context.root, ".mooring", "kubeconfig");
  assert.is((await stat(kubeconfig)).mode & 0o777, 0o600);
  // The runner hides `::add-mask::` commands and masks their values in every later line.
  const shown = run.stdout
    .split("\n")
    .filter((line) => !line.startsWith("::add-mask::"))
    .join("\n");
  assert.not.match(shown, "c2VjcmV0LWtleQ");
  assert.not.match(shown, "PRIVATE KEY");
});

test("unlisted host key fails the step before any command", async (context) => {
  const before = await context.fleet.clusterCalls();

  const run = await runAction(context, {
    "known-hosts": context.fleet.hosts.get("cp")?.knownHostsLine ?? "",
  });

  assert.is(run.code, 1);
  assert.match(run.stdout, "::error::SSH host key verification failed for 'w1'");
  assert.equal(await context.fleet.clusterCalls(), before);
});

test.run();

async function runAction(
  context: Context,
  inputs: Record<string, string>,
): Promise<{ code: number; stdout: string; outputs: Record<string, string>; summary: string }> {
  const outputFile = join(context.root, "github-output");
  const summaryFile = join(context.root, "step-summary.md");
  await writeFile(outputFile, "");
  await writeFile(summaryFile, "");
  const knownHosts = [...context.fleet.hosts.values()].map((host) => host.knownHostsLine).join("\n");
  const all: Record<string, string> = {
    environment: "local",
    "known-hosts": knownHosts,
    "ssh-private-key": context.privateKey,
    ...inputs,
  };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_WORKSPACE: context.root,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
  };
  for (const [name, value] of Object.entries(all)) env[`INPUT_${name.toUpperCase()}`] = value;
  const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
    const child = spawn("node", [ACTION], { cwd: context.root, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("close", (exitCode) => resolve({ code: exitCode ?? 1, stdout: output }));
  });
  return {
    code,
    stdout,
    outputs: parseOutputs(await readFile(outputFile, "utf8")),
    summary: await readFile(summaryFile, "utf8"),
  };
}

// The runner's output file: `name<<DELIMITER`, the value, then the delimiter.
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const match of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) {
    outputs[match[1] as string] = match[3] as string;
  }
  return outputs;
}
