// Takes a worker node of the local cluster away while the three services run
// with two replicas each: first as a power loss under load, then as a network
// cut. It runs alone, after the other integration tests, because it stops a
// node that their pods may run on.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { Environment } from "../../lib/config/schema.ts";
import { reconcile } from "../../lib/reconcile/reconcile.ts";
import { readServiceStatus, type ServiceStatus } from "../../lib/reconcile/status.ts";
import {
  kubectl,
  prepareTestCluster,
  renderFor,
  type TestCluster,
  testEnvironment,
  withNewPodTemplates,
} from "../../lib/reconcile/testing.ts";
import type { KubeObject } from "../../lib/render/objects.ts";
import { REPOSITORY_ROOT } from "../../lib/testing/fixture.ts";
import { failureSpanMs, startPageLoad } from "../../lib/testing/page-load.ts";

// A NodePort of its own, so the demo's 30080 and the rolling test's 30081 stay untouched.
const NODE_PORT = 30082;
const SERVICES = ["frontend", "time", "image"];
const WAIT_MS = 180_000;
const nodeLoss = suite("node loss");
const namespace = `node-loss-${randomBytes(3).toString("hex")}`;
let cluster: TestCluster;
let environment: Environment;
let objects: KubeObject[];

// Runs scripts/cluster/node.sh as a user would.
function nodeCommand(command: string, node: string): void {
  const result = spawnSync("bash", [join(REPOSITORY_ROOT, "scripts/cluster/node.sh"), command, node], {
    encoding: "utf8",
  });
  assert.is(result.status, 0, `node.sh ${command} ${node} failed:\n${result.stderr}`);
}

function nodeReady(node: string): boolean {
  const status = kubectl(
    "get",
    "node",
    node,
    "-o",
    'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
  );
  return status.trim() === "True";
}

// Polls `condition` every second until it holds; fails the test after `WAIT_MS`.
async function waitUntil(description: string, condition: () => boolean | Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > WAIT_MS)
      assert.unreachable(`timed out after ${WAIT_MS / 1000}s: ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return Date.now() - started;
}

async function services(): Promise<Record<string, ServiceStatus>> {
  const statuses = await readServiceStatus(cluster.clients, namespace, SERVICES);
  return Object.fromEntries(statuses.map((status) => [status.service, status]));
}

// True when `service` has all its replicas ready and none of its pods is on `node`.
async function movedOff(service: string, node: string): Promise<boolean> {
  const status = (await services())[service];
  return (
    status !== undefined &&
    status.readyReplicas === status.replicas &&
    status.pods.length === status.replicas &&
    !status.nodes.includes(node)
  );
}

// Pods of the test namespace on `node`, including those being deleted.
function podsOn(node: string): string[] {
  return kubectl("get", "pods", "-n", namespace, "--field-selector", `spec.nodeName=${node}`, "-o", "name")
    .split("\n")
    .filter((line) => line !== "");
}

async function deploy(value: string): Promise<void> {
  await reconcile(cluster.clients, environment, withNewPodTemplates(objects, value), {
    commit: value,
    print: () => {},
  });
}

nodeLoss.before(async () => {
  cluster = await prepareTestCluster();
  const base = testEnvironment(cluster.project.environment, namespace, {
    timeoutSeconds: 240,
    progressDeadlineSeconds: 180,
  });
  environment = {
    ...base,
    services: Object.fromEntries(
      SERVICES.map((name) => [
        name,
        name === "frontend"
          ? { replicas: 2, expose: { type: "NodePort" as const, nodePort: NODE_PORT, host: "127.0.0.1" } }
          : { replicas: 2, expose: { type: "ClusterIP" as const } },
      ]),
    ),
  };
  objects = await renderFor(cluster, environment);
  await deploy("base");
  // The control plane's kube-proxy may take up to a minute to watch Services again after an
  // API server outage (such as the test that runs before this one), and only then serves a new NodePort.
  await waitUntil("the frontend to answer through its NodePort", async () => {
    const response = await fetch(`http://127.0.0.1:${NODE_PORT}/`).catch(() => undefined);
    return response?.status === 200;
  });
});

nodeLoss("replicas start on different nodes", async () => {
  const live = await services();
  for (const service of SERVICES) {
    const nodes = live[service]?.nodes ?? [];
    assert.is(new Set(nodes).size, 2, `${service} runs on ${nodes.join(", ")}`);
  }
});

nodeLoss("stopped node: page keeps answering, replica moves", async () => {
  // The victim runs a time replica. A frontend replica there would take the
  // page down for the clients kube-proxy sends to it, which is the NodePort's
  // limit and not what this test measures, so move that replica away first.
  let live = await services();
  const timeNodes = live.time?.nodes ?? [];
  const victim = timeNodes.find((node) => !live.frontend?.nodes.includes(node)) ?? timeNodes[0];
  assert.ok(victim, "no time replica is running");
  if (live.frontend?.nodes.includes(victim)) {
    kubectl("cordon", victim);
    const index = live.frontend.nodes.indexOf(victim);
    kubectl("delete", "pod", "-n", namespace, live.frontend.pods[index] ?? "", "--wait=false");
    await waitUntil(`frontend to leave ${victim}`, () => movedOff("frontend", victim));
    kubectl("uncordon", victim);
  }

  const load = startPageLoad(`http://127.0.0.1:${NODE_PORT}/`);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const stoppedAt = Date.now();
  nodeCommand("stop", victim);
  let figures: Record<string, number> = {};
  try {
    const notReadyMs = await waitUntil(`${victim} to be NotReady`, () => !nodeReady(victim));

    // A deploy while the node is lost rolls new pods onto the remaining nodes.
    let deployError: Error | undefined;
    await deploy("during-outage").catch((error: Error) => {
      deployError = error;
    });
    if (deployError !== undefined) assert.match(deployError.message, victim);

    await waitUntil(`time to move off ${victim}`, () => movedOff("time", victim));
    const movedMs = Date.now() - stoppedAt;
    live = await services();
    const result = await load.stop();
    figures = {
      requests: result.requests,
      failed: result.failed.length,
      degraded: result.degraded.length,
      degradedSpanMs: failureSpanMs(result.degraded),
      notReadyAfterMs: notReadyMs,
      timeMovedAfterMs: movedMs,
    };
    console.log(`node ${victim} stopped under load: ${JSON.stringify(figures)}`);
    assert.ok(result.requests > 100, `only ${result.requests} requests were sent`);
    assert.equal(result.failed, [], "requests that got no page");
    assert.is(live.time?.readyReplicas, 2);
    assert.not.ok(live.time?.nodes.includes(victim));
  } finally {
    await load.stop();
    nodeCommand("start", victim);
    await waitUntil(`${victim} to be Ready again`, () => nodeReady(victim));
  }
  // The node's kubelet, back, removes the pods that were deleted while it was away.
  await waitUntil(`the old pods on ${victim} to be gone`, () => podsOn(victim).length === 0);
});

nodeLoss("disconnected node: cluster and deploy recover", async () => {
  const live = await services();
  const victim = live.time?.nodes[0];
  assert.ok(victim, "no time replica is running");

  nodeCommand("disconnect", victim);
  try {
    await waitUntil(`${victim} to be NotReady`, () => !nodeReady(victim));
    // Wait for the eviction, so the node comes back to pods deleted while it was cut off.
    await waitUntil(`time to move off ${victim}`, () => movedOff("time", victim));
  } finally {
    nodeCommand("connect", victim);
  }
  const readyAgainMs = await waitUntil(`${victim} to be Ready again`, () => nodeReady(victim));
  const cleanedMs = await waitUntil(
    `the deleted pods on ${victim} to be gone`,
    () => podsOn(victim).length === 0,
  );
  console.log(
    `node ${victim} reconnected: Ready after ${readyAgainMs} ms, old pods gone after ${cleanedMs} ms`,
  );

  await deploy("after-reconnect");
  const after = await services();
  for (const service of SERVICES) {
    assert.is(after[service]?.readyReplicas, 2, `${service} ready replicas`);
  }
});

nodeLoss.after(async () => {
  await cluster?.clients.core.deleteNamespace({ name: namespace }).catch(() => {});
});

nodeLoss.run();
