import type { V1Deployment, V1Pod, V1Service } from "@kubernetes/client-node";
import type { KubeClients } from "../kube/client.ts";
import { describeReference, readObject } from "../kube/objects.ts";
import { withRetry } from "../kube/retry.ts";
import { diagnosePod, newPodsOf } from "./health.ts";
import { readInventory } from "./inventory.ts";
import { rolloutState } from "./rollout.ts";

/** One inventory member's health. */
export interface ObjectHealth {
  object: string;
  healthy: boolean;
  /** A short state, such as `rolled out`, `missing` or `waiting for 1 of 2 replicas ready`. */
  state: string;
  /** The reasons it is not healthy, per pod, in the same words a failed deploy uses. */
  reasons: string[];
}

/**
 * Reads the health of every object in the environment's inventory. A
 * Deployment is healthy once rolled out, and otherwise its new pods are
 * explained. A Service needs ready endpoints, unless the Deployments it
 * selects are scaled to zero, and any other object needs to exist.
 */
export async function readObjectHealth(clients: KubeClients, namespace: string): Promise<ObjectHealth[]> {
  const inventory = await readInventory(clients, namespace);
  const pods = (await withRetry(() => clients.core.listNamespacedPod({ namespace }))).items as V1Pod[];
  const report: ObjectHealth[] = [];
  const members = [];
  for (const member of inventory.members) members.push({ member, live: await readObject(clients, member) });
  const deployments = members
    .filter(({ member, live }) => member.kind === "Deployment" && live !== undefined)
    .map(({ live }) => live as unknown as V1Deployment);
  for (const { member, live } of members) {
    const object = describeReference(member);
    if (live === undefined) {
      report.push({ object, healthy: false, state: "missing (deleted outside Mooring?)", reasons: [] });
      continue;
    }
    if (member.kind === "Deployment") {
      const deployment = live as unknown as V1Deployment;
      const state = rolloutState(deployment);
      if (state.done) {
        report.push({ object, healthy: true, state: "rolled out", reasons: [] });
        continue;
      }
      const reasons: string[] = state.failure === undefined ? [] : [state.failure];
      for (const pod of await newPodsOf(clients, deployment, pods)) {
        reasons.push(...(await diagnosePod(clients, pod, true)));
      }
      report.push({
        object,
        healthy: false,
        state: state.failure ?? `waiting for ${state.waitingFor}`,
        reasons,
      });
    } else if (member.kind === "Service") {
      const selector = (live as unknown as V1Service).spec?.selector ?? {};
      report.push(
        await serviceHealth(clients, object, member.name, namespace, expectedPods(selector, deployments)),
      );
    } else {
      report.push({ object, healthy: true, state: "present", reasons: [] });
    }
  }
  return report;
}

/** Counts the replicas that the Deployments whose pods `selector` matches should run. */
function expectedPods(selector: Record<string, string>, deployments: V1Deployment[]): number {
  const entries = Object.entries(selector);
  if (entries.length === 0) return 0;
  return deployments
    .filter((deployment) => {
      const labels = deployment.spec?.template.metadata?.labels ?? {};
      return entries.every(([key, value]) => labels[key] === value);
    })
    .reduce((count, deployment) => count + (deployment.spec?.replicas ?? 1), 0);
}

async function serviceHealth(
  clients: KubeClients,
  object: string,
  name: string,
  namespace: string,
  expected: number,
): Promise<ObjectHealth> {
  try {
    const endpoints = await withRetry(() => clients.core.readNamespacedEndpoints({ name, namespace }));
    const ready = (endpoints.subsets ?? []).reduce(
      (count, subset) => count + (subset.addresses?.length ?? 0),
      0,
    );
    if (ready > 0) return { object, healthy: true, state: `${ready} ready endpoints`, reasons: [] };
    if (expected === 0)
      return { object, healthy: true, state: "no endpoints: scaled to 0 replicas", reasons: [] };
    return { object, healthy: false, state: "no ready endpoints", reasons: [] };
  } catch {
    return { object, healthy: false, state: "no endpoints object", reasons: [] };
  }
}
