import type { KubeClients } from "../kube/client.ts";
import { applyObject, describeReference, readObject, referenceOf } from "../kube/objects.ts";
import { labelMember, readInventory } from "./inventory.ts";
import { diffObjects } from "./plan.ts";

/** One object that no longer matches what Mooring last deployed. */
export interface DriftEntry {
  object: string;
  kind: "changed" | "deleted";
  /** For a changed object: the live object against what the last deploy applied. */
  diff?: string;
}

/**
 * Compares the live objects with the environment's last recorded revision,
 * without changing anything: an object edited by hand (`kubectl edit`,
 * `kubectl scale`) is "changed", with a diff, and one deleted by hand is "deleted".
 */
export async function detectDrift(
  clients: KubeClients,
  namespace: string,
): Promise<{ revision: number; entries: DriftEntry[] }> {
  const inventory = await readInventory(clients, namespace);
  const last = inventory.revisions.at(-1);
  if (last === undefined) {
    throw new Error(
      `Namespace '${namespace}' has no recorded deploy to compare with; run 'mooring deploy' first`,
    );
  }
  const entries: DriftEntry[] = [];
  for (const recorded of last.objects) {
    const desired = labelMember(recorded, inventory.id);
    const reference = referenceOf(desired);
    const object = describeReference(reference);
    const live = await readObject(clients, reference);
    if (live === undefined) {
      entries.push({ object, kind: "deleted" });
      continue;
    }
    const result = await applyObject(clients, desired, { dryRun: true, force: true });
    const diff = diffObjects(object, result, live, ["deployed", "live"]);
    if (diff !== undefined) entries.push({ object, kind: "changed", diff });
  }
  return { revision: last.number, entries };
}
