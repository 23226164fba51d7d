import type { V1Deployment, V1Pod, V1ReplicaSet } from "@kubernetes/client-node";
import type { KubeClients } from "../kube/client.ts";
import { withRetry } from "../kube/retry.ts";

/** Waiting reasons that do not pass without a change, so a rollout fails on them at once. */
export const STUCK_REASONS = new Set([
  "ImagePullBackOff",
  "ErrImagePull",
  "CrashLoopBackOff",
  "CreateContainerConfigError",
  "CreateContainerError",
  "InvalidImageName",
]);

/** Tells whether a pod is stuck: a container in a stuck waiting state, or the pod unschedulable. */
export function isStuck(pod: V1Pod): boolean {
  const waiting = (pod.status?.containerStatuses ?? []).some((status) =>
    STUCK_REASONS.has(status.state?.waiting?.reason ?? ""),
  );
  return waiting || unschedulableMessage(pod) !== undefined;
}

/**
 * Explains why a pod is not ready, one sentence per problem: the image that
 * cannot be pulled, the exit code and last log lines of a crashing container,
 * the scheduler's message, or (with `includeReadiness`) a failing readiness probe.
 */
export async function diagnosePod(
  clients: KubeClients,
  pod: V1Pod,
  includeReadiness: boolean,
): Promise<string[]> {
  const name = pod.metadata?.name ?? "?";
  const namespace = pod.metadata?.namespace ?? "";
  const reasons: string[] = [];
  for (const status of pod.status?.containerStatuses ?? []) {
    const waiting = status.state?.waiting;
    const container = `pod ${name}: container ${status.name}`;
    if (waiting?.reason === "ImagePullBackOff" || waiting?.reason === "ErrImagePull") {
      reasons.push(
        `${container} cannot pull image '${status.image}' (${waiting.reason}${suffix(waiting.message)})`,
      );
    } else if (waiting?.reason === "CrashLoopBackOff") {
      const terminated = status.lastState?.terminated;
      const exit = terminated
        ? `exit code ${terminated.exitCode}${terminated.reason ? `, ${terminated.reason}` : ""}`
        : "no exit code";
      const logs = await lastLogLines(clients, namespace, name, status.name);
      reasons.push(`${container} is in CrashLoopBackOff (${exit}); last log lines:\n${logs}`);
    } else if (waiting?.reason !== undefined && STUCK_REASONS.has(waiting.reason)) {
      reasons.push(`${container} is in ${waiting.reason}${suffix(waiting.message)}`);
    } else if (includeReadiness && status.state?.running !== undefined && !status.ready) {
      const probe = await lastProbeFailure(clients, namespace, name);
      reasons.push(
        `${container} is running but not ready${probe ? `: ${probe}` : " (readiness probe failing)"}`,
      );
    }
  }
  const unschedulable = unschedulableMessage(pod);
  if (unschedulable !== undefined) reasons.push(`pod ${name} is Unschedulable: ${unschedulable}`);
  const node = await nodeProblem(clients, pod.spec?.nodeName);
  if (node !== undefined) reasons.push(`pod ${name} is on ${node}`);
  return reasons;
}

/**
 * Describes the named node when it is not Ready, such as a machine that lost
 * power or its network. Returns undefined for a Ready node, for no node, and
 * when the node cannot be read (a deploy identity may lack the right to read nodes).
 */
async function nodeProblem(clients: KubeClients, nodeName: string | undefined): Promise<string | undefined> {
  if (nodeName === undefined) return undefined;
  try {
    const node = await clients.core.readNode({ name: nodeName });
    const ready = node.status?.conditions?.find((condition) => condition.type === "Ready");
    if (ready?.status === "True") return undefined;
    const detail = [ready?.reason, ready?.message].filter((part) => part).join(": ");
    return `node ${nodeName}, which is not Ready${detail ? ` (${detail})` : ""}`;
  } catch {
    return undefined;
  }
}

/** Lists the pods of a Deployment's newest ReplicaSet that are not being deleted. */
export async function newPodsOf(
  clients: KubeClients,
  deployment: V1Deployment,
  pods: V1Pod[],
): Promise<V1Pod[]> {
  const namespace = deployment.metadata?.namespace ?? "";
  const revision = deployment.metadata?.annotations?.["deployment.kubernetes.io/revision"];
  const selector = labelSelector(deployment);
  const replicaSets = await withRetry(() =>
    clients.apps.listNamespacedReplicaSet({ namespace, labelSelector: selector }),
  );
  const current = replicaSets.items.find(
    (replicaSet: V1ReplicaSet) =>
      replicaSet.metadata?.annotations?.["deployment.kubernetes.io/revision"] === revision &&
      replicaSet.metadata?.ownerReferences?.some((owner) => owner.uid === deployment.metadata?.uid),
  );
  const hash = current?.metadata?.labels?.["pod-template-hash"];
  if (hash === undefined) return [];
  return pods.filter(
    (pod) =>
      pod.metadata?.labels?.["pod-template-hash"] === hash && pod.metadata?.deletionTimestamp === undefined,
  );
}

/** Formats a Deployment's selector as a label selector string. */
export function labelSelector(deployment: V1Deployment): string {
  return Object.entries(deployment.spec?.selector.matchLabels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
}

function unschedulableMessage(pod: V1Pod): string | undefined {
  const scheduled = pod.status?.conditions?.find((condition) => condition.type === "PodScheduled");
  return scheduled?.status === "False" && scheduled.reason === "Unschedulable"
    ? (scheduled.message ?? "no message")
    : undefined;
}

async function lastLogLines(
  clients: KubeClients,
  namespace: string,
  pod: string,
  container: string,
): Promise<string> {
  try {
    const log = await clients.core.readNamespacedPodLog({
      name: pod,
      namespace,
      container,
      previous: true,
      tailLines: 5,
    });
    const lines = log
      .trimEnd()
      .split("\n")
      .filter((line) => line !== "");
    return lines.length === 0 ? "    (no output)" : lines.map((line) => `    ${line}`).join("\n");
  } catch (error) {
    return `    (logs not readable: ${(error as Error).message.split("\n")[0]})`;
  }
}

async function lastProbeFailure(
  clients: KubeClients,
  namespace: string,
  pod: string,
): Promise<string | undefined> {
  try {
    const events = await clients.core.listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.name=${pod}`,
    });
    const unhealthy = events.items.filter(
      (event) => event.reason === "Unhealthy" && /Readiness/.test(event.message ?? ""),
    );
    return unhealthy.at(-1)?.message;
  } catch {
    return undefined;
  }
}

function suffix(message: string | undefined): string {
  return message ? `: ${message}` : "";
}
