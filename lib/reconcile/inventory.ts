import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import type { V1Secret } from "@kubernetes/client-node";
import { FIELD_MANAGER, isNotFound, type KubeClients } from "../kube/client.ts";
import { type ObjectReference, referenceOf } from "../kube/objects.ts";
import { withRetry } from "../kube/retry.ts";
import type { KubeObject } from "../render/objects.ts";

/** The Secret that is this environment's ApplySet parent (KEP-3659). */
export const INVENTORY_NAME = "mooring-applyset";
/** The label every member carries, whose value is the ApplySet's id. */
export const PART_OF_LABEL = "applyset.kubernetes.io/part-of";
const ID_LABEL = "applyset.kubernetes.io/id";
const TOOLING_ANNOTATION = "applyset.kubernetes.io/tooling";
const GROUP_KINDS_ANNOTATION = "applyset.kubernetes.io/contains-group-kinds";
/** The data key of {@link Inventory.appliedDigests}. */
const APPLIED_DIGESTS_KEY = "applied-digests.json.gz";
/** Good revisions kept in the inventory, newest last. */
const KEPT_REVISIONS = 5;

/** One deployed revision: what was applied, from which commit, and whether its rollout succeeded. */
export interface Revision {
  number: number;
  commit: string;
  appliedAt: string;
  objects: KubeObject[];
}

/** An environment's inventory: its ApplySet id, members and last good revisions. */
export interface Inventory {
  id: string;
  namespace: string;
  members: ObjectReference[];
  revisions: Revision[];
  /**
   * The {@link objectDigest} of each member as Mooring last applied it, by
   * {@link referenceKey}: a member is listed only once an apply of it
   * completed, and the list is emptied while an apply runs.
   */
  appliedDigests?: Record<string, string>;
  /** The Secret's resourceVersion, for an optimistic update; undefined before the first write. */
  resourceVersion?: string;
}

/**
 * Computes the ApplySet id of a parent the way kubectl does: `applyset-`, the
 * unpadded base64url SHA-256 of `name.namespace.kind.group`, then `-v1`.
 */
export function applySetId(name: string, namespace: string, kind = "Secret", group = ""): string {
  const hash = createHash("sha256").update(`${name}.${namespace}.${kind}.${group}`).digest("base64url");
  return `applyset-${hash}-v1`;
}

/** Reads the inventory of `namespace`, or an empty one when its Secret does not exist yet. */
export async function readInventory(clients: KubeClients, namespace: string): Promise<Inventory> {
  const id = applySetId(INVENTORY_NAME, namespace);
  let secret: V1Secret;
  try {
    secret = await withRetry(() => clients.core.readNamespacedSecret({ name: INVENTORY_NAME, namespace }));
  } catch (error) {
    if (isNotFound(error)) return { id, namespace, members: [], revisions: [], appliedDigests: {} };
    throw error;
  }
  if (secret.metadata?.labels?.[ID_LABEL] !== id) {
    throw new Error(
      `Secret ${namespace}/${INVENTORY_NAME} is not this environment's ApplySet parent: its label '${ID_LABEL}' is '${secret.metadata?.labels?.[ID_LABEL]}', expected '${id}'`,
    );
  }
  const data = secret.data ?? {};
  return {
    id,
    namespace,
    members: decodeJson<ObjectReference[]>(data["members.json"]) ?? [],
    revisions: decodeGzipJson<Revision[]>(data["revisions.json.gz"]) ?? [],
    appliedDigests: decodeGzipJson<Record<string, string>>(data[APPLIED_DIGESTS_KEY]) ?? {},
    resourceVersion: secret.metadata?.resourceVersion,
  };
}

/**
 * Writes the inventory with server-side apply: the ApplySet labels and
 * annotations kubectl reads, the members, and the last good revisions.
 */
export async function writeInventory(clients: KubeClients, inventory: Inventory): Promise<void> {
  const groupKinds = [...new Set(inventory.members.map(groupKind))].sort().join(",");
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: INVENTORY_NAME,
      namespace: inventory.namespace,
      labels: { [ID_LABEL]: inventory.id, "app.kubernetes.io/managed-by": FIELD_MANAGER },
      annotations: { [TOOLING_ANNOTATION]: "mooring/v1", [GROUP_KINDS_ANNOTATION]: groupKinds },
    },
    type: "Opaque",
    data: {
      "members.json": Buffer.from(JSON.stringify(inventory.members)).toString("base64"),
      "revisions.json.gz": gzipSync(JSON.stringify(inventory.revisions.slice(-KEPT_REVISIONS))).toString(
        "base64",
      ),
      [APPLIED_DIGESTS_KEY]: gzipSync(JSON.stringify(inventory.appliedDigests ?? {})).toString("base64"),
    },
  };
  await withRetry(() =>
    clients.objects.patch(secret, undefined, undefined, FIELD_MANAGER, true, "application/apply-patch+yaml"),
  );
}

/** Returns the first 128 bits of an object's SHA-256, in hex, to tell whether it is the one last applied. */
export function objectDigest(object: KubeObject): string {
  return createHash("sha256").update(JSON.stringify(object)).digest("hex").slice(0, 32);
}

/** Returns the references of objects, sorted, for the member list. */
export function membersOf(objects: KubeObject[]): ObjectReference[] {
  return objects.map(referenceOf).sort((a, b) => referenceKey(a).localeCompare(referenceKey(b)));
}

/** Builds a stable key for a reference from its group, kind, namespace and name. */
export function referenceKey(reference: ObjectReference): string {
  return `${groupKind(reference)}/${reference.namespace ?? ""}/${reference.name}`;
}

/** Adds the ApplySet's part-of label to an object, as every member must carry it. */
export function labelMember(object: KubeObject, id: string): KubeObject {
  return {
    ...object,
    metadata: { ...object.metadata, labels: { ...object.metadata.labels, [PART_OF_LABEL]: id } },
  };
}

// `Kind.group` as KEP-3659 writes it, or `Kind` for the core group.
function groupKind(reference: ObjectReference): string {
  const slash = reference.apiVersion.indexOf("/");
  return slash === -1 ? reference.kind : `${reference.kind}.${reference.apiVersion.slice(0, slash)}`;
}

function decodeJson<T>(value: string | undefined): T | undefined {
  return value === undefined ? undefined : (JSON.parse(Buffer.from(value, "base64").toString("utf8")) as T);
}

function decodeGzipJson<T>(value: string | undefined): T | undefined {
  return value === undefined
    ? undefined
    : (JSON.parse(gunzipSync(Buffer.from(value, "base64")).toString("utf8")) as T);
}
