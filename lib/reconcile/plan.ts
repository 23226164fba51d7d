import { createTwoFilesPatch } from "diff";
import { stringify } from "yaml";
import type { KubeClients } from "../kube/client.ts";
import { applyObject, describeReference, type ObjectReference, referenceOf } from "../kube/objects.ts";
import type { KubeObject } from "../render/objects.ts";
import { explainApplyError, immutableFieldOf } from "./apply-errors.ts";
import { type Inventory, labelMember, objectDigest, PART_OF_LABEL, referenceKey } from "./inventory.ts";
import { containsFields, readLiveObjects } from "./live.ts";

/** The change a deploy would make to one object. */
export type PlanAction = "create" | "update" | "unchanged" | "prune";

/** One object's line in a plan. */
export interface PlanEntry {
  action: PlanAction;
  object: string;
  reference: ObjectReference;
  /** For an update: a unified diff of the live object and the result of applying, without server-owned fields. */
  diff?: string;
  /** For create, update and unchanged: the object to apply, labelled as an ApplySet member. */
  desired?: KubeObject;
  /** For a create: the object still exists but is being deleted, so the apply waits until it is gone. */
  deleting?: boolean;
  /** For an update that changes an immutable field: the field; the object must be replaced. */
  immutableField?: string;
}

/** A plan: every rendered object and every object to prune, in apply order, prunes last. */
export interface Plan {
  entries: PlanEntry[];
  /** Inventory members left alone although no longer rendered, as `object: reason`. */
  skippedPrunes: string[];
}

/**
 * Compares each rendered object with the live one through a server-side
 * dry-run apply (so defaulted fields count as unchanged), and lists the
 * inventory's members that are no longer rendered. A member is planned for
 * pruning only if it still exists and still carries this ApplySet's label.
 * The live objects are read with one list per kind. An object that Mooring
 * last applied exactly as rendered now, and whose live version still has
 * every rendered field and value, is unchanged without a dry-run, because
 * applying it again would change nothing.
 */
export async function computePlan(
  clients: KubeClients,
  objects: KubeObject[],
  inventory: Inventory,
): Promise<Plan> {
  const entries: PlanEntry[] = [];
  const desiredObjects = objects.map((rendered) => labelMember(rendered, inventory.id));
  const liveObjects = await readLiveObjects(clients, desiredObjects.map(referenceOf));

  // 1. Rendered objects: create, update or unchanged.
  for (const desired of desiredObjects) {
    const reference = referenceOf(desired);
    const object = describeReference(reference);
    const live = liveObjects.get(referenceKey(reference));
    if (live === undefined) {
      entries.push({ action: "create", object, reference, desired });
      continue;
    }
    if (live.metadata.deletionTimestamp !== undefined) {
      entries.push({ action: "create", object, reference, desired, deleting: true });
      continue;
    }
    const appliedBefore = inventory.appliedDigests?.[referenceKey(reference)] === objectDigest(desired);
    if (appliedBefore && containsFields(live, desired)) {
      entries.push({ action: "unchanged", object, reference, desired });
      continue;
    }
    let result: KubeObject;
    try {
      result = await applyObject(clients, desired, { dryRun: true, force: true });
    } catch (error) {
      const immutableField = immutableFieldOf(error);
      if (immutableField === undefined) throw explainApplyError(object, error);
      const diff = `${immutableField} changes, but it is immutable: the object must be replaced (--replace ${object})`;
      entries.push({ action: "update", object, reference, desired, diff, immutableField });
      continue;
    }
    const diff = diffObjects(object, live, result);
    entries.push(
      diff === undefined
        ? { action: "unchanged", object, reference, desired }
        : { action: "update", object, reference, desired, diff },
    );
  }

  // 2. Members no longer rendered: prune only what still carries the label.
  const rendered = new Set(objects.map((object) => referenceKey(referenceOf(object))));
  const skippedPrunes: string[] = [];
  const candidates: ObjectReference[] = [];
  for (const member of inventory.members) {
    if (rendered.has(referenceKey(member))) continue;
    // An inventory edited by hand could list objects elsewhere; prune never leaves the namespace.
    const inScope =
      member.kind === "Namespace"
        ? member.name === inventory.namespace
        : member.namespace === inventory.namespace;
    if (inScope) candidates.push(member);
    else skippedPrunes.push(`${describeReference(member)}: outside namespace '${inventory.namespace}'`);
  }
  const liveMembers = await readLiveObjects(clients, candidates);
  const prunes: PlanEntry[] = [];
  for (const member of candidates) {
    const live = liveMembers.get(referenceKey(member));
    if (live === undefined) continue;
    const object = describeReference(member);
    if (live.metadata.labels?.[PART_OF_LABEL] !== inventory.id) {
      skippedPrunes.push(`${object}: no longer carries this environment's ApplySet label`);
      continue;
    }
    prunes.push({ action: "prune", object, reference: member });
  }
  // Namespaced objects go before their Namespace.
  prunes.sort((a, b) => Number(a.reference.kind === "Namespace") - Number(b.reference.kind === "Namespace"));
  return { entries: [...entries, ...prunes], skippedPrunes };
}

/**
 * Returns the inventory's applied digests once `plan` has been applied:
 * created and updated objects as applied now, unchanged ones as before, and
 * without the pruned ones.
 */
export function appliedDigestsAfter(plan: Plan, before: Record<string, string> = {}): Record<string, string> {
  const digests: Record<string, string> = {};
  for (const entry of plan.entries) {
    if (entry.desired === undefined) continue;
    const key = referenceKey(entry.reference);
    const digest = objectDigest(entry.desired);
    if (entry.action !== "unchanged" || before[key] === digest) digests[key] = digest;
  }
  return digests;
}

/** Tells whether a plan changes anything. */
export function hasChanges(plan: Plan): boolean {
  return plan.entries.some((entry) => entry.action !== "unchanged");
}

/**
 * Returns a unified diff of two versions of an object without the fields the
 * server owns, or undefined when they are the same.
 */
export function diffObjects(
  name: string,
  before: KubeObject,
  after: KubeObject,
  labels: [string, string] = ["live", "after apply"],
): string | undefined {
  const beforeText = stringify(withoutServerFields(before), { sortMapEntries: true });
  const afterText = stringify(withoutServerFields(after), { sortMapEntries: true });
  if (beforeText === afterText) return undefined;
  return createTwoFilesPatch(
    `${name} (${labels[0]})`,
    `${name} (${labels[1]})`,
    beforeText,
    afterText,
    "",
    "",
    {
      context: 3,
    },
  )
    .split("\n")
    .slice(1)
    .join("\n")
    .trimEnd();
}

/** Returns a copy of an object without status and the metadata the server maintains. */
export function withoutServerFields(object: KubeObject): KubeObject {
  const copy = structuredClone(object) as KubeObject & { status?: unknown };
  delete copy.status;
  const metadata = copy.metadata as Record<string, unknown>;
  for (const field of [
    "managedFields",
    "resourceVersion",
    "generation",
    "uid",
    "creationTimestamp",
    "selfLink",
  ]) {
    delete metadata[field];
  }
  const annotations = metadata.annotations as Record<string, string> | undefined;
  if (annotations !== undefined) {
    delete annotations["deployment.kubernetes.io/revision"];
    if (Object.keys(annotations).length === 0) delete metadata.annotations;
  }
  return copy;
}
