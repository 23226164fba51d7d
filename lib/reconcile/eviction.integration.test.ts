import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ApiException, type V1Pod } from "@kubernetes/client-node";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parseDocument } from "yaml";
import { loadProject } from "../config/load.ts";
import { deployWithReport } from "../github/deploy-report.ts";
import { createScratchClone, type ScratchClone } from "../github/testing/scratch-clone.ts";
import { connect, isNotFound, type KubeClients } from "../kube/client.ts";

// Every pod on one node is evicted while a deploy waits for its rollout, as a
// drain or a failing node does. The deploy must still converge.
const namespace = `evict-${randomBytes(3).toString("hex")}`;
const ROLLOUT_MARK = "ROLLOUT_MARK";

/** What the disruption did, and whether the deploy was still waiting when it did it. */
interface Disruption {
  node: string;
  /** Pods removed through the Eviction API. */
  evicted: string[];
  /** Pods whose eviction the PodDisruptionBudget refused, then deleted. */
  deleted: string[];
  /** The removed 'time' pods of the new template. */
  newTemplate: string[];
  /** The removed 'time' pods of the old template. */
  oldTemplate: string[];
  /** True when the deploy had neither finished nor failed once every pod was removed. */
  duringWait: boolean;
}

interface Context {
  clone: ScratchClone;
  clients: KubeClients;
}

const eviction = suite<Context>("eviction during a rollout");

eviction.before(async (context) => {
  context.clone = await createScratchClone({ local: namespace });
  await editEnvironment(context.clone, (document) => {
    document.setIn(["services"], {
      frontend: { replicas: 1, expose: { type: "ClusterIP" } },
      image: { replicas: 1 },
      time: { replicas: 2, env: { [ROLLOUT_MARK]: "first" } },
    });
    document.setIn(["rollout", "timeoutSeconds"], 300);
    document.setIn(["rollout", "progressDeadlineSeconds"], 240);
  });
  const project = await loadProject(context.clone.root, "local");
  context.clients = connect(context.clone.root, project.environment);
  const lines: string[] = [];
  const first = await deployWithReport(context.clone.root, "local", (line) => lines.push(line));
  assert.is(first.outcome, "success", `${first.error}\n${lines.join("\n")}`);
});

eviction.after(async ({ clone, clients }) => {
  await clients.core.deleteNamespace({ name: namespace }).catch(() => {});
  await clone.remove();
});

eviction("deploy converges after a node's pods are evicted", async ({ clone, clients }) => {
  // 1. A new pod template for 'time', then the deploy.
  await editEnvironment(clone, (document) => {
    document.setIn(["services", "time", "env", ROLLOUT_MARK], "second");
  });
  const lines: string[] = [];
  let waiting = false;
  let settled = false;
  const deploy = deployWithReport(clone.root, "local", (line) => {
    lines.push(line);
    if (/^waiting for \d+ Deployments/.test(line)) waiting = true;
  }).finally(() => {
    settled = true;
  });

  // 2. Once the deploy waits and a pod of the new template is scheduled, remove every pod on a node.
  const disruption = await evictNodeWhenRolling(
    clients,
    () => waiting,
    () => settled,
  );
  const report = await deploy;
  const log = lines.join("\n");
  console.log(
    `eviction during a rollout: node ${disruption?.node}, ${disruption?.evicted.length} evicted, ${disruption?.deleted.length} deleted after the PodDisruptionBudget refused; 'time' pods: ${disruption?.oldTemplate.length} old, ${disruption?.newTemplate.length} new`,
  );

  // 3. The disruption happened while the deploy waited, and hit the rolling Deployment.
  assert.ok(disruption !== undefined, `the deploy ended before any pod was evicted:\n${log}`);
  assert.ok(disruption?.duringWait, `the deploy ended before every pod was removed:\n${log}`);
  assert.ok((disruption?.evicted.length ?? 0) > 0, "no pod was removed through the Eviction API");
  assert.ok((disruption?.newTemplate.length ?? 0) > 0, "no pod of the new template was removed");
  const removed = [...(disruption?.evicted ?? []), ...(disruption?.deleted ?? [])];

  // 4. The deploy succeeded, and its report shows it.
  assert.is(report.outcome, "success", `${report.error}\n${log}`);
  assert.is(report.error, undefined);
  const time = report.services.find((service) => service.service === "time");
  assert.is(time?.readyReplicas, 2);
  assert.is(time?.replicas, 2);

  // 5. The pods now are new ones, ready and on the new template.
  const pods = (
    await clients.core.listNamespacedPod({ namespace, labelSelector: "app.kubernetes.io/name=time" })
  ).items;
  const live = pods.filter((pod) => pod.metadata?.deletionTimestamp === undefined);
  assert.is(live.length, 2, live.map((pod) => pod.metadata?.name).join(", "));
  for (const pod of live) {
    assert.is(markOf(pod), "second", `pod ${pod.metadata?.name} runs the old template`);
    assert.ok(isReady(pod), `pod ${pod.metadata?.name} is not ready`);
    assert.not.ok(removed.includes(pod.metadata?.name ?? ""), `pod ${pod.metadata?.name} was evicted`);
  }
});

eviction.run();

async function editEnvironment(
  clone: ScratchClone,
  edit: (document: ReturnType<typeof parseDocument>) => void,
): Promise<void> {
  const file = join(clone.root, "clusters", "local", "environment.yaml");
  const document = parseDocument(await readFile(file, "utf8"));
  edit(document);
  await writeFile(file, document.toString());
  await clone.git("commit", "--quiet", "-am", "Change the test environment");
}

/**
 * Polls until `waiting()` and a pod of the new template has a node, then
 * removes every pod of the namespace on the busiest node that runs such a
 * pod. Each pod goes through the Eviction API (policy/v1beta1, the version
 * Kubernetes 1.20 serves). A pod whose eviction the PodDisruptionBudget
 * refuses is deleted, as the kubelet's own eviction ignores the budget.
 * Returns undefined when `settled()` turns true first.
 */
async function evictNodeWhenRolling(
  clients: KubeClients,
  waiting: () => boolean,
  settled: () => boolean,
): Promise<Disruption | undefined> {
  while (!settled()) {
    const pods = waiting() ? await livePods(clients) : [];
    if (!pods.some((pod) => markOf(pod) === "second" && pod.spec?.nodeName !== undefined)) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    const node = busiestRollingNode(pods);
    const disruption: Disruption = {
      node,
      evicted: [],
      deleted: [],
      newTemplate: [],
      oldTemplate: [],
      duringWait: false,
    };
    for (const pod of pods.filter((candidate) => candidate.spec?.nodeName === node)) {
      const name = pod.metadata?.name ?? "";
      const outcome = await evictPod(clients, name);
      if (outcome === "gone") continue;
      disruption[outcome].push(name);
      if (markOf(pod) === "second") disruption.newTemplate.push(name);
      if (markOf(pod) === "first") disruption.oldTemplate.push(name);
    }
    disruption.duringWait = !settled();
    return disruption;
  }
  return undefined;
}

async function livePods(clients: KubeClients): Promise<V1Pod[]> {
  const pods = (await clients.core.listNamespacedPod({ namespace })).items;
  return pods.filter((pod) => pod.metadata?.deletionTimestamp === undefined);
}

// Of the nodes running a pod of the new template, the one with the most pods of the namespace.
function busiestRollingNode(pods: V1Pod[]): string {
  const counts = new Map<string, number>();
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (node !== undefined) counts.set(node, (counts.get(node) ?? 0) + 1);
  }
  const rolling = new Set(pods.filter((pod) => markOf(pod) === "second").map((pod) => pod.spec?.nodeName));
  const ranked = [...counts].filter(([node]) => rolling.has(node)).sort((a, b) => b[1] - a[1]);
  return ranked[0]?.[0] as string;
}

async function evictPod(clients: KubeClients, name: string): Promise<"evicted" | "deleted" | "gone"> {
  try {
    await clients.core.createNamespacedPodEviction({
      name,
      namespace,
      body: { apiVersion: "policy/v1beta1", kind: "Eviction", metadata: { name, namespace } },
    });
    return "evicted";
  } catch (error) {
    if (isNotFound(error)) return "gone";
    if (!(error instanceof ApiException && error.code === 429)) throw error;
  }
  try {
    await clients.core.deleteNamespacedPod({ name, namespace });
    return "deleted";
  } catch (error) {
    if (isNotFound(error)) return "gone";
    throw error;
  }
}

function markOf(pod: V1Pod): string | undefined {
  return pod.spec?.containers[0]?.env?.find((variable) => variable.name === ROLLOUT_MARK)?.value;
}

function isReady(pod: V1Pod): boolean {
  return (
    pod.status?.conditions?.some((condition) => condition.type === "Ready" && condition.status === "True") ??
    false
  );
}
