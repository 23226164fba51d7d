import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import type { KubeClients } from "../kube/client.ts";

/** One service's live state in the cluster. */
export interface ServiceStatus {
  service: string;
  replicas: number;
  readyReplicas: number;
  /** Pod names, sorted. */
  pods: string[];
  /** The node each pod in `pods` runs on, at the same index; `pending` for a pod not yet scheduled. */
  nodes: string[];
  /** Image digests the ready pods run, from their container statuses. */
  digests: string[];
}

/**
 * Reads each named Deployment and its pods: replica counts, pod names and
 * nodes, running digests. Two requests in all, one list of the namespace's
 * Deployments and one of its pods, however many services there are.
 * Throws when a named Deployment does not exist.
 */
export async function readServiceStatus(
  clients: KubeClients,
  namespace: string,
  names: string[],
): Promise<ServiceStatus[]> {
  const deployments = new Map(
    (await clients.apps.listNamespacedDeployment({ namespace })).items.map((deployment) => [
      deployment.metadata?.name ?? "",
      deployment,
    ]),
  );
  const pods = (await clients.core.listNamespacedPod({ namespace })).items;
  const statuses: ServiceStatus[] = [];
  for (const name of names) {
    const deployment = deployments.get(name);
    if (deployment === undefined) throw new Error(`Deployment ${namespace}/${name} not found`);
    const running = pods
      .filter((pod) => pod.metadata?.deletionTimestamp === undefined && selects(deployment, pod))
      .sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
    const digests = new Set<string>();
    for (const pod of running) {
      for (const container of pod.status?.containerStatuses ?? []) {
        const digest = /sha256:[0-9a-f]{64}/.exec(container.imageID)?.[0];
        if (container.ready && digest !== undefined) digests.add(digest);
      }
    }
    statuses.push({
      service: name,
      replicas: deployment.spec?.replicas ?? 0,
      readyReplicas: deployment.status?.readyReplicas ?? 0,
      pods: running.map((pod) => pod.metadata?.name ?? ""),
      nodes: running.map((pod) => pod.spec?.nodeName ?? "pending"),
      digests: [...digests].sort(),
    });
  }
  return statuses;
}

// Tells whether the Deployment's selector matches the pod. Rendered Deployments select by
// matchLabels only, so a selector with matchExpressions selects nothing here.
function selects(deployment: V1Deployment, pod: V1Pod): boolean {
  const selector = deployment.spec?.selector;
  if (selector === undefined || (selector.matchExpressions ?? []).length > 0) return false;
  const labels = pod.metadata?.labels ?? {};
  return Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
}
