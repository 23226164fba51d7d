import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import type { KubeClients } from "../kube/client.ts";

/** The progress of a Deployment's rollout. */
export interface RolloutState {
  done: boolean;
  /** The reason the rollout cannot finish, when it has failed for good. */
  failure?: string;
  /** The condition the rollout is waiting for, when it is not done. */
  waitingFor?: string;
}

/**
 * Reads a Deployment's rollout state the way `kubectl rollout status` does:
 * done once the controller has observed the latest generation, every replica
 * is updated, available and ready, and no old replica is left.
 * `ProgressDeadlineExceeded` is a failure.
 */
export function rolloutState(deployment: V1Deployment): RolloutState {
  const desired = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const progressing = status.conditions?.find((condition) => condition.type === "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") {
    return { done: false, failure: `progress deadline exceeded: ${progressing.message ?? ""}`.trim() };
  }
  if ((status.observedGeneration ?? 0) < (deployment.metadata?.generation ?? 0)) {
    return { done: false, waitingFor: "the controller to observe the new generation" };
  }
  const updated = status.updatedReplicas ?? 0;
  if (updated < desired) return { done: false, waitingFor: `${updated} of ${desired} replicas updated` };
  const total = status.replicas ?? 0;
  if (total > updated) return { done: false, waitingFor: `${total - updated} old replicas to terminate` };
  const available = status.availableReplicas ?? 0;
  if (available < desired)
    return { done: false, waitingFor: `${available} of ${desired} updated replicas available` };
  const ready = status.readyReplicas ?? 0;
  if (ready < desired) return { done: false, waitingFor: `${ready} of ${desired} replicas ready` };
  return { done: true };
}

/**
 * Waits until every named Deployment in `namespace` has rolled out, polling
 * once a second. Fails at once on ProgressDeadlineExceeded or a pod that
 * cannot start, and after `timeoutSeconds`, naming the pods and reasons.
 */
export async function waitForRollouts(
  clients: KubeClients,
  namespace: string,
  names: string[],
  timeoutSeconds: number,
): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const pending = new Set(names);
  const waitingFor = new Map<string, string>();
  while (pending.size > 0) {
    for (const name of [...pending]) {
      const deployment = await clients.apps.readNamespacedDeployment({ name, namespace });
      const state = rolloutState(deployment);
      if (state.done) {
        pending.delete(name);
        continue;
      }
      const stuck = await findStuckPods(clients, namespace, deployment);
      if (state.failure !== undefined || stuck.length > 0) {
        const reasons = [state.failure, ...stuck].filter(Boolean).join("; ");
        throw new Error(`Rollout of Deployment ${namespace}/${name} failed: ${reasons}`);
      }
      waitingFor.set(name, state.waitingFor ?? "");
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      const details = [...pending].map((name) => `${name} (waiting for ${waitingFor.get(name)})`).join(", ");
      throw new Error(`Rollout timed out after ${timeoutSeconds}s: ${details}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

// Reasons a pod will not become ready without a change: it is what a user must fix.
const STUCK_REASONS = new Set([
  "ImagePullBackOff",
  "ErrImagePull",
  "CrashLoopBackOff",
  "CreateContainerConfigError",
  "InvalidImageName",
]);

async function findStuckPods(
  clients: KubeClients,
  namespace: string,
  deployment: V1Deployment,
): Promise<string[]> {
  const selector = Object.entries(deployment.spec?.selector.matchLabels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
  const pods = await clients.core.listNamespacedPod({ namespace, labelSelector: selector });
  return pods.items.flatMap((pod) => describeStuckPod(pod));
}

/** Describes why a pod cannot run (image pull, crash loop, unschedulable), or nothing. */
export function describeStuckPod(pod: V1Pod): string[] {
  const name = pod.metadata?.name ?? "?";
  const reasons: string[] = [];
  for (const status of pod.status?.containerStatuses ?? []) {
    const waiting = status.state?.waiting;
    if (waiting?.reason !== undefined && STUCK_REASONS.has(waiting.reason)) {
      reasons.push(
        `pod ${name}: container ${status.name} ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ""}`,
      );
    }
  }
  const scheduled = pod.status?.conditions?.find((condition) => condition.type === "PodScheduled");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
    reasons.push(`pod ${name}: Unschedulable (${scheduled.message ?? "no reason given"})`);
  }
  return reasons;
}
