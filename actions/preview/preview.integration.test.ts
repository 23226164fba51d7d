import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { loadProject } from "../../lib/config/load.ts";
import { COMMENT_MARKER } from "../../lib/github/markdown.ts";
import { type FakeGitHub, startFakeGitHub } from "../../lib/github/testing/fake-github.ts";
import { type ActionResult, runAction } from "../../lib/github/testing/run-action.ts";
import { createScratchClone, type ScratchClone } from "../../lib/github/testing/scratch-clone.ts";
import { connect, isNotFound, type KubeClients } from "../../lib/kube/client.ts";
import { applySetId, INVENTORY_NAME, writeInventory } from "../../lib/reconcile/inventory.ts";

// A pull request's whole life, through the actions in the order preview.yml
// and preview-cleanup.yml call them, against the local cluster.
const PULL_REQUEST = 947;
const NAMESPACE = `pr-${PULL_REQUEST}`;
const URL = `http://pr-${PULL_REQUEST}.preview.mooring.example.com/`;
/** A preview whose pull request is closed, left behind for the sweeper. */
const ABANDONED = 948;

interface Context {
  clone: ScratchClone;
  github: FakeGitHub;
  clients: KubeClients;
}

const life = suite<Context>("pull request life");

life.before(async (context) => {
  context.clone = await createScratchClone({ preview: undefined });
  context.github = await startFakeGitHub("acme/shop");
  context.github.state.pulls.push({
    number: PULL_REQUEST,
    state: "open",
    head: "feature",
    base: "main",
    title: "A change",
  });
  const project = await loadProject(context.clone.root, "preview", { pullRequest: PULL_REQUEST });
  context.clients = connect(context.clone.root, project.environment);
});

life.after(async ({ clone, github, clients }) => {
  await clients.core.deleteNamespace({ name: NAMESPACE }).catch(() => {});
  await clients.core.deleteNamespace({ name: `pr-${ABANDONED}` }).catch(() => {});
  await github.close();
  await clone.remove();
});

life("opened: preview up, comment created, deployment success", async (context) => {
  const { up, finish } = await previewWorkflow(context, "opened");
  assert.is(up.exitCode, 0, up.log);
  assert.is(finish?.exitCode, 0, finish?.log);
  assert.is(up.outputs.result, "success");
  assert.is(up.outputs.namespace, NAMESPACE);
  assert.is(up.outputs.url, URL);

  const deployment = await context.clients.apps.readNamespacedDeployment({
    name: "time",
    namespace: NAMESPACE,
  });
  assert.is(deployment.status?.readyReplicas, 1);
  const { comments, deployments, commitStatuses, rejected } = context.github.state;
  assert.is(comments.length, 1);
  assert.match(comments[0]?.body ?? "", URL);
  assert.match(comments[0]?.body ?? "", "| time | `sha256:");
  assert.is(deployments[0]?.environment, NAMESPACE);
  assert.is(deployments[0]?.statuses[0]?.state, "success");
  assert.is(deployments[0]?.statuses[0]?.environment_url, URL);
  assert.is(commitStatuses.at(-1)?.context, `mooring/${NAMESPACE}`);
  assert.equal(rejected, []);
});

life("synchronize with a broken image: comment shows the reason", async (context) => {
  const commentId = context.github.state.comments[0]?.id;
  const server = join(context.clone.root, "services", "time", "src", "server.ts");
  await writeFile(server, `${await readFile(server, "utf8")}\nprocess.exit(3);\n`);
  await context.clone.git("commit", "--quiet", "-am", "Break the time service");

  const { up, finish } = await previewWorkflow(context, "synchronize");
  assert.is(up.exitCode, 1);
  assert.is(up.outputs.result, "failure");
  assert.is(finish?.exitCode, 0, finish?.log);
  const { comments, deployments, commitStatuses } = context.github.state;
  assert.is(comments.length, 1);
  assert.is(comments[0]?.id, commentId);
  assert.match(comments[0]?.body ?? "", "Deploy failed");
  assert.match(comments[0]?.body ?? "", /CrashLoopBackOff|exit code 3/);
  assert.match(
    comments[0]?.body ?? "",
    /\*\*Plan:\*\* 0 to create, [1-9]\d* to update, \d+ unchanged, 0 to prune/,
  );
  assert.is(deployments.at(-1)?.statuses[0]?.state, "failure");
  assert.is(commitStatuses.at(-1)?.state, "failure");
});

life("synchronize with the fix: preview healthy again", async (context) => {
  await context.clone.git("revert", "--no-edit", "HEAD");
  const { up } = await previewWorkflow(context, "synchronize");
  assert.is(up.exitCode, 0, up.log);
  const { comments, deployments } = context.github.state;
  assert.is(comments.length, 1);
  assert.match(comments[0]?.body ?? "", "Deployed");
  assert.is(deployments.at(-1)?.statuses[0]?.state, "success");
  const report = JSON.parse(up.outputs.report ?? "{}");
  assert.equal(
    report.services.map((service: { readyReplicas: number }) => service.readyReplicas),
    [1, 1, 1],
  );
});

life("sweep keeps an open, fresh preview", async (context) => {
  const sweep = await runAction("preview", {
    inputs: { mode: "sweep", "github-token": "t0ken" },
    apiUrl: context.github.url,
    workspace: context.clone.root,
  });
  assert.is(sweep.exitCode, 0, sweep.log);
  assert.is(sweep.outputs.removed, "[]");
  await context.clients.core.readNamespace({ name: NAMESPACE });
});

life("sweep removes a closed pull request's preview", async (context) => {
  // A preview namespace with an inventory, as a deploy leaves it, but no pods, so it is deleted quickly.
  const namespace = `pr-${ABANDONED}`;
  await context.clients.core.createNamespace({ body: { metadata: { name: namespace } } });
  await writeInventory(context.clients, {
    id: applySetId(INVENTORY_NAME, namespace),
    namespace,
    members: [{ apiVersion: "v1", kind: "ConfigMap", namespace, name: "settings" }],
    revisions: [{ number: 1, commit: "abc1234", appliedAt: new Date().toISOString(), objects: [] }],
  });
  context.github.state.pulls.push({
    number: ABANDONED,
    state: "closed",
    head: "old",
    base: "main",
    title: "Old",
  });

  const sweep = await runAction("preview", {
    inputs: { mode: "sweep", "github-token": "t0ken" },
    apiUrl: context.github.url,
    workspace: context.clone.root,
  });
  assert.is(sweep.exitCode, 0, sweep.log);
  assert.equal(JSON.parse(sweep.outputs.removed ?? "[]"), [
    { namespace, pullRequest: ABANDONED, reason: `pull request #${ABANDONED} is not open` },
  ]);
  await context.clients.core.readNamespace({ name: NAMESPACE });
  try {
    await context.clients.core.readNamespace({ name: namespace });
    assert.unreachable(`namespace ${namespace} still exists`);
  } catch (error) {
    assert.ok(isNotFound(error), String(error));
  }
  assert.match(sweep.summary, "2 previews found, 1 deleted.");
});

life("closed: namespace gone, deployments inactive, comment final", async (context) => {
  context.github.state.pulls[0] = {
    ...(context.github.state.pulls[0] as FakeGitHub["state"]["pulls"][number]),
    state: "closed",
  };
  const event = pullRequestEvent("closed", await context.clone.git("rev-parse", "HEAD"));
  const down = await runAction("preview", { inputs: { mode: "down" }, event, workspace: context.clone.root });
  assert.is(down.exitCode, 0, down.log);
  assert.is(down.outputs.result, "removed");
  const teardown = await runAction("report", {
    inputs: {
      stage: "teardown",
      environment: "preview",
      report: down.outputs.report ?? "",
      "github-token": "t0ken",
    },
    event,
    apiUrl: context.github.url,
    workspace: context.clone.root,
  });
  assert.is(teardown.exitCode, 0, teardown.log);

  try {
    await context.clients.core.readNamespace({ name: NAMESPACE });
    assert.unreachable(`namespace ${NAMESPACE} still exists`);
  } catch (error) {
    assert.ok(isNotFound(error), String(error));
  }
  const { deployments, rejected } = context.github.state;
  const comments = context.github.state.comments.filter((comment) => comment.issueNumber === PULL_REQUEST);
  for (const deployment of deployments) assert.is(deployment.statuses[0]?.state, "inactive");
  assert.is(comments.length, 1);
  assert.ok(comments[0]?.body.startsWith(COMMENT_MARKER));
  assert.match(comments[0]?.body ?? "", "Preview removed");
  assert.equal(rejected, []);
});

life.run();

function pullRequestEvent(action: string, sha: string) {
  return {
    action,
    number: PULL_REQUEST,
    pull_request: { number: PULL_REQUEST, head: { sha, repo: { full_name: "acme/shop" } } },
    repository: { full_name: "acme/shop" },
  };
}

// The steps of preview.yml: report start, preview up, report finish when up left a report.
async function previewWorkflow(
  context: Context,
  action: string,
): Promise<{ up: ActionResult; finish?: ActionResult }> {
  const sha = await context.clone.git("rev-parse", "HEAD");
  const event = pullRequestEvent(action, sha);
  const common = {
    event,
    apiUrl: context.github.url,
    workspace: context.clone.root,
    env: { GITHUB_SHA: sha },
  };
  const start = await runAction("report", {
    ...common,
    inputs: { stage: "start", environment: "preview", "github-token": "t0ken" },
  });
  assert.is(start.exitCode, 0, start.log);
  const up = await runAction("preview", { ...common, inputs: { mode: "up" } });
  if (up.outputs.report === undefined || up.outputs.report === "") return { up };
  const finish = await runAction("report", {
    ...common,
    inputs: {
      stage: "finish",
      environment: "preview",
      report: up.outputs.report,
      "deployment-id": start.outputs["deployment-id"] ?? "",
      "github-token": "t0ken",
    },
  });
  return { up, finish };
}
