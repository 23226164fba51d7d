import type { KubeClients } from "../kube/client.ts";
import { labelSelector } from "./health.ts";

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

/** Reads each named Deployment and its pods: replica counts, pod names and nodes, running digests. */
export async function readServiceStatus(
  clients: KubeClients,
  namespace: string,
  names: string[],
): Promise<ServiceStatus[]> {
  const statuses: ServiceStatus[] = [];
  for (const name of names) {
    const deployment = await clients.apps.readNamespacedDeployment({ name, namespace });
    const pods = await clients.core.listNamespacedPod({
      namespace,
      labelSelector: labelSelector(deployment),
    });
    const running = pods.items
      .filter((pod) => pod.metadata?.deletionTimestamp === undefined)
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
