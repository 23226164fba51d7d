import { PatchStrategy } from "@kubernetes/client-node";
import { describeApiError, FIELD_MANAGER, isNotFound, type KubeClients } from "../kube/client.ts";
import { describeObject, type KubeObject } from "../render/objects.ts";

/** The outcome of applying one object, named as kubectl names it. */
export type ApplyAction = "created" | "configured" | "unchanged";

/** One applied object and what happened to it. */
export interface AppliedObject {
  object: string;
  action: ApplyAction;
}

/**
 * Applies objects in the given order with server-side apply and field manager
 * `mooring`. An object whose resourceVersion did not move is reported
 * unchanged. Stops at the first failure, naming the object.
 */
export async function applyObjects(clients: KubeClients, objects: KubeObject[]): Promise<AppliedObject[]> {
  const results: AppliedObject[] = [];
  for (const object of objects) {
    const name = describeObject(object);
    try {
      const before = await readResourceVersion(clients, object);
      const applied = await clients.objects.patch(
        object,
        undefined,
        undefined,
        FIELD_MANAGER,
        false,
        PatchStrategy.ServerSideApply,
      );
      const after = applied.metadata?.resourceVersion;
      let action: ApplyAction = "configured";
      if (before === undefined) action = "created";
      else if (before === after) action = "unchanged";
      results.push({ object: name, action });
    } catch (error) {
      throw new Error(`Applying ${name} failed: ${describeApiError(error)}`, { cause: error });
    }
  }
  return results;
}

async function readResourceVersion(clients: KubeClients, object: KubeObject): Promise<string | undefined> {
  try {
    const live = await clients.objects.read({
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: { name: object.metadata.name, namespace: object.metadata.namespace },
    });
    return live.metadata?.resourceVersion;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
