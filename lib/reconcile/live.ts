import { ApiException } from "@kubernetes/client-node";
import type { KubeClients } from "../kube/client.ts";
import { listObjects, type ObjectReference, readObject } from "../kube/objects.ts";
import type { KubeObject } from "../render/objects.ts";
import { referenceKey } from "./inventory.ts";

/**
 * Reads the live objects of `references`, by {@link referenceKey}: one list
 * request per kind and namespace, instead of one read per object. A
 * cluster-scoped object, or a kind the caller may not list (403), is read one
 * by one. Objects that do not exist are absent from the result.
 */
export async function readLiveObjects(
  clients: KubeClients,
  references: ObjectReference[],
): Promise<Map<string, KubeObject>> {
  const live = new Map<string, KubeObject>();

  // 1. Group the namespaced references by kind and namespace.
  const groups = new Map<string, ObjectReference[]>();
  const single: ObjectReference[] = [];
  for (const reference of references) {
    if (reference.namespace === undefined) {
      single.push(reference);
      continue;
    }
    const group = `${reference.apiVersion}/${reference.kind}/${reference.namespace}`;
    groups.set(group, [...(groups.get(group) ?? []), reference]);
  }

  // 2. One list per group, keeping only the objects asked for.
  for (const members of groups.values()) {
    const [first] = members as [ObjectReference];
    let items: KubeObject[];
    try {
      items = await listObjects(clients, first.apiVersion, first.kind, first.namespace as string);
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 403)) throw error;
      single.push(...members);
      continue;
    }
    const wanted = new Set(members.map((member) => member.name));
    for (const item of items) {
      if (wanted.has(item.metadata.name))
        live.set(referenceKey({ ...first, name: item.metadata.name }), item);
    }
  }

  // 3. The rest, one read each.
  for (const reference of single) {
    const object = await readObject(clients, reference);
    if (object !== undefined) live.set(referenceKey(reference), object);
  }
  return live;
}

/**
 * Tells whether `live` has every field of `desired` with the same value:
 * mappings may have more keys, lists must have the same length with each
 * item contained in turn, and scalars must be equal. An empty list, 0,
 * false or "" matches a missing or null field, because the API server leaves
 * such values out of the objects it returns (Go's `omitempty`). Fields that
 * the server writes in another form (a quantity `0.5` as `500m`) count as
 * different, so a caller must treat false as "maybe changed", never as "changed".
 *
 * NOTE: for the few optional fields that keep 0 apart from unset (Go pointer
 * fields without a default), a live object whose field was removed still
 * matches a desired 0.
 */
export function containsFields(live: unknown, desired: unknown): boolean {
  if ((live === undefined || live === null) && isEmptyValue(desired)) return true;
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) &&
      live.length === desired.length &&
      desired.every((item, index) => containsFields(live[index], item))
    );
  }
  if (desired !== null && typeof desired === "object") {
    if (live === null || typeof live !== "object" || Array.isArray(live)) return false;
    const liveRecord = live as Record<string, unknown>;
    return Object.entries(desired).every(([key, value]) => containsFields(liveRecord[key], value));
  }
  return live === desired;
}

function isEmptyValue(value: unknown): boolean {
  return value === 0 || value === false || value === "" || (Array.isArray(value) && value.length === 0);
}
