import { type KubernetesObject, PatchStrategy } from "@kubernetes/client-node";
import type { KubeObject } from "../render/objects.ts";
import { FIELD_MANAGER, isNotFound, type KubeClients } from "./client.ts";
import { withRetry } from "./retry.ts";

/** The identity of an object: enough to read or delete it. */
export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** Options for {@link applyObject}. */
export interface ApplyOptions {
  /** Ask the API server for the result without storing it. */
  dryRun?: boolean;
  /** Take ownership of fields another field manager owns. */
  force?: boolean;
}

/** Returns the reference of an object. */
export function referenceOf(object: KubeObject | KubernetesObject): ObjectReference {
  const metadata = object.metadata ?? {};
  return {
    apiVersion: object.apiVersion ?? "",
    kind: object.kind ?? "",
    name: metadata.name ?? "",
    ...(metadata.namespace === undefined ? {} : { namespace: metadata.namespace }),
  };
}

/** Reads the live object, or returns undefined when it does not exist. */
export async function readObject(
  clients: KubeClients,
  reference: ObjectReference,
): Promise<KubeObject | undefined> {
  try {
    const live = await withRetry(() =>
      clients.objects.read({
        apiVersion: reference.apiVersion,
        kind: reference.kind,
        metadata: { name: reference.name, namespace: reference.namespace },
      }),
    );
    return live as unknown as KubeObject;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Lists the objects of one kind in `namespace` with a single request. List
 * items carry no apiVersion and kind, so both are set on each from the request.
 */
export async function listObjects(
  clients: KubeClients,
  apiVersion: string,
  kind: string,
  namespace: string,
): Promise<KubeObject[]> {
  const list = await withRetry(() => clients.objects.list(apiVersion, kind, namespace));
  return list.items.map((item) => ({ ...(item as unknown as KubeObject), apiVersion, kind }));
}

/** Applies an object with server-side apply as field manager `mooring`, and returns the result. */
export async function applyObject(
  clients: KubeClients,
  object: KubeObject,
  options: ApplyOptions = {},
): Promise<KubeObject> {
  const result = await withRetry(() =>
    clients.objects.patch(
      object as KubernetesObject,
      undefined,
      options.dryRun ? "All" : undefined,
      FIELD_MANAGER,
      options.force ?? false,
      PatchStrategy.ServerSideApply,
    ),
  );
  return result as unknown as KubeObject;
}

/**
 * Deletes an object; a missing object counts as deleted. Foreground
 * propagation (the default) keeps the object until its dependents are gone;
 * Background removes it at once and lets the garbage collector remove them.
 */
export async function deleteObject(
  clients: KubeClients,
  reference: ObjectReference,
  propagation: "Foreground" | "Background" = "Foreground",
): Promise<void> {
  try {
    await withRetry(() =>
      clients.objects.delete(
        {
          apiVersion: reference.apiVersion,
          kind: reference.kind,
          metadata: { name: reference.name, namespace: reference.namespace },
        },
        undefined,
        undefined,
        undefined,
        undefined,
        propagation,
      ),
    );
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Names an object reference as `Kind/namespace/name`, or `Kind/name` when cluster-scoped. */
export function describeReference(reference: ObjectReference): string {
  return reference.namespace === undefined
    ? `${reference.kind}/${reference.name}`
    : `${reference.kind}/${reference.namespace}/${reference.name}`;
}
