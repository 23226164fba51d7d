import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parseDocument } from "yaml";
import { loadProject } from "../../lib/config/load.ts";
import { type FakeGitHub, startFakeGitHub } from "../../lib/github/testing/fake-github.ts";
import { type ActionResult, runAction } from "../../lib/github/testing/run-action.ts";
import { createScratchClone, type ScratchClone } from "../../lib/github/testing/scratch-clone.ts";
import { connect, type KubeClients } from "../../lib/kube/client.ts";

// Merge-to-deploy and a scale request, through the actions in the order
// deploy.yml and scale.yml call them, against the local cluster. The staging
// environment of a scratch clone deploys to its own namespace.
const NAMESPACE = "mooring-gh-scale";

interface Context {
  clone: ScratchClone;
  github: FakeGitHub;
  clients: KubeClients;
}

const flow = suite<Context>("deploy and scale");

flow.before(async (context) => {
  context.clone = await createScratchClone({ staging: NAMESPACE });
  // One replica each keeps the test light; the scale request raises 'time' to 2.
  const file = join(context.clone.root, "clusters", "staging", "environment.yaml");
  const document = parseDocument(await readFile(file, "utf8"));
  for (const service of ["frontend", "image", "time"]) document.setIn(["services", service, "replicas"], 1);
  await writeFile(file, document.toString());
  await context.clone.git("commit", "--quiet", "-am", "Run one replica of each service");
  await context.clone.git("push", "--quiet", "origin", "HEAD:main");
  context.github = await startFakeGitHub("acme/shop");
  const project = await loadProject(context.clone.root, "staging");
  context.clients = connect(context.clone.root, project.environment);
});

flow.after(async ({ clone, github, clients }) => {
  await clients.core.deleteNamespace({ name: NAMESPACE }).catch(() => {});
  await github.close();
  await clone.remove();
});

flow("merge to main: build and deploy staging", async (context) => {
  const build = await runAction("build", {
    inputs: { environment: "staging" },
    workspace: context.clone.root,
  });
  assert.is(build.exitCode, 0, build.log);
  assert.equal(Object.keys(JSON.parse(build.outputs.digests ?? "{}")), ["frontend", "image", "time"]);

  const { deploy, finish } = await deployWorkflow(context);
  assert.is(deploy.exitCode, 0, deploy.log);
  assert.is(finish.exitCode, 0, finish.log);
  assert.is(deploy.outputs.result, "success");
  assert.is(deploy.outputs.url, "https://staging.mooring.example.com/");
  assert.match(deploy.summary, "| time | `sha256:");
  const { deployments, commitStatuses, comments, rejected } = context.github.state;
  assert.is(deployments[0]?.environment, "staging");
  assert.is(deployments[0]?.statuses[0]?.state, "success");
  assert.equal(
    commitStatuses.map((status) => [status.context, status.state]),
    [
      ["mooring/staging", "pending"],
      ["mooring/staging", "success"],
    ],
  );
  assert.is(comments.length, 0);
  assert.equal(rejected, []);
});

flow("scale: committed, applied, kept by the next deploy", async (context) => {
  const scale = await runAction("scale", {
    inputs: { environment: "staging", service: "time", replicas: "2", "github-token": "t0ken" },
    apiUrl: context.github.url,
    workspace: context.clone.root,
  });
  assert.is(scale.exitCode, 0, scale.log);
  assert.is(scale.outputs.result, "success");
  const committed = await context.clone.git("show", "origin/main:clusters/staging/environment.yaml");
  assert.is(parseDocument(committed).getIn(["services", "time", "replicas"]), 2);
  let time = await context.clients.apps.readNamespacedDeployment({ name: "time", namespace: NAMESPACE });
  assert.is(time.spec?.replicas, 2);
  assert.is(time.status?.readyReplicas, 2);

  const { deploy } = await deployWorkflow(context);
  assert.is(deploy.exitCode, 0, deploy.log);
  time = await context.clients.apps.readNamespacedDeployment({ name: "time", namespace: NAMESPACE });
  assert.is(time.spec?.replicas, 2);
  assert.equal(JSON.parse(deploy.outputs.plan ?? "{}").update, 0);
});

flow.run();

// The steps of the staging job in deploy.yml: report start, deploy, report finish.
async function deployWorkflow(context: Context): Promise<{ deploy: ActionResult; finish: ActionResult }> {
  const sha = await context.clone.git("rev-parse", "HEAD");
  const common = { apiUrl: context.github.url, workspace: context.clone.root, env: { GITHUB_SHA: sha } };
  const start = await runAction("report", {
    ...common,
    inputs: { stage: "start", environment: "staging", "github-token": "t0ken" },
  });
  assert.is(start.exitCode, 0, start.log);
  const deploy = await runAction("deploy", { ...common, inputs: { environment: "staging" } });
  const finish = await runAction("report", {
    ...common,
    inputs: {
      stage: "finish",
      environment: "staging",
      report: deploy.outputs.report ?? "",
      "deployment-id": start.outputs["deployment-id"] ?? "",
      "github-token": "t0ken",
    },
  });
  return { deploy, finish };
}
