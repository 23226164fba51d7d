import { ApiException } from "@kubernetes/client-node";
import type { KubeClients } from "../kube/client.ts";
import { applyObject, deleteObject, readObject } from "../kube/objects.ts";
import type { KubeObject } from "../render/objects.ts";
import { explainApplyError, immutableFieldError } from "./apply-errors.ts";
import type { Plan, PlanEntry } from "./plan.ts";

/** The outcome of applying one object, named as kubectl names it. */
export type ApplyAction = "created" | "configured" | "unchanged" | "pruned" | "replaced";

/** One applied object and what happened to it. */
export interface AppliedObject {
  object: string;
  action: ApplyAction;
  /** Fields taken back from imperative changes (`kubectl edit`, `kubectl scale`), as `field (manager)`. */
  correctedDrift?: string[];
}

/** Options for {@link applyPlan}. */
export interface ApplyPlanOptions {
  /** Take ownership of fields that another declarative manager applied. */
  forceConflicts?: boolean;
  /** Objects (as `Kind/namespace/name`) to delete and create again, for an immutable field. */
  replace?: string[];
}

/** A field owned by another field manager, from a 409 on server-side apply. */
export interface FieldConflict {
  manager: string;
  field: string;
}

/**
 * Applies the changed entries of a plan in order with server-side apply, and
 * prunes the entries marked for it. Unchanged objects cost no request. A
 * conflict with a field manager that changed the object imperatively is
 * drift, so it is taken back. A conflict with another applier stops the
 * deploy unless `forceConflicts` is set. Immutable-field errors name the way out.
 */
export async function applyPlan(
  clients: KubeClients,
  plan: Plan,
  options: ApplyPlanOptions = {},
): Promise<AppliedObject[]> {
  const results: AppliedObject[] = [];
  const replace = new Set(options.replace ?? []);
  for (const entry of plan.entries) {
    if (entry.action === "unchanged") {
      results.push({ object: entry.object, action: "unchanged" });
      continue;
    }
    if (entry.action === "prune") {
      await deleteObject(clients, entry.reference);
      results.push({ object: entry.object, action: "pruned" });
      continue;
    }
    results.push(
      await applyEntry(clients, entry, replace.has(entry.object), options.forceConflicts ?? false),
    );
  }
  return results;
}

/** Reads the conflicts out of a 409 from server-side apply. */
export function parseConflicts(error: unknown): FieldConflict[] {
  if (!(error instanceof ApiException) || error.code !== 409) return [];
  const body = (typeof error.body === "string" ? safeParse(error.body) : error.body) as {
    details?: { causes?: { message?: string; field?: string }[] };
  };
  return (body?.details?.causes ?? []).map((cause) => ({
    manager: /conflict with "([^"]+)"/.exec(cause.message ?? "")?.[1] ?? "unknown",
    field: cause.field ?? "unknown",
  }));
}

async function applyEntry(
  clients: KubeClients,
  entry: PlanEntry,
  replace: boolean,
  forceConflicts: boolean,
): Promise<AppliedObject> {
  const desired = entry.desired as KubeObject;
  const created = entry.action === "create";
  try {
    if (entry.immutableField !== undefined && !replace) {
      throw immutableFieldError(entry.object, entry.immutableField);
    }
    if (replace && !created) {
      // Background: the object goes at once and its old pods drain on their own,
      // instead of holding the replacement back for their whole grace period.
      await deleteObject(clients, entry.reference, "Background");
      await waitUntilGone(clients, entry);
      await applyObject(clients, desired);
      return { object: entry.object, action: "replaced" };
    }
    // Applied now, the object would be changed and then deleted all the same.
    if (entry.deleting) await waitUntilGone(clients, entry);
    await applyObject(clients, desired, { force: forceConflicts });
    return { object: entry.object, action: created ? "created" : "configured" };
  } catch (error) {
    const conflicts = parseConflicts(error);
    if (conflicts.length > 0) return takeBackDrift(clients, entry, conflicts, error);
    throw explainApplyError(entry.object, error);
  }
}

// Forces the apply when every conflicting manager changed the object with an
// Update (kubectl edit, scale or patch), which is drift; reports it otherwise.
async function takeBackDrift(
  clients: KubeClients,
  entry: PlanEntry,
  conflicts: FieldConflict[],
  cause: unknown,
): Promise<AppliedObject> {
  const live = await readObject(clients, entry.reference);
  const managedFields = (live?.metadata.managedFields ?? []) as { manager?: string; operation?: string }[];
  const appliers = conflicts.filter((conflict) =>
    managedFields.some((field) => field.manager === conflict.manager && field.operation === "Apply"),
  );
  if (appliers.length > 0) {
    const list = appliers.map((conflict) => `${conflict.field} (owned by '${conflict.manager}')`).join(", ");
    throw new Error(
      `Applying ${entry.object} failed: another applier owns ${list}. Remove the field from that tool's configuration, or run the deploy with --force-conflicts to take ownership`,
      { cause },
    );
  }
  await applyObject(clients, entry.desired as KubeObject, { force: true });
  return {
    object: entry.object,
    action: "configured",
    correctedDrift: conflicts.map((conflict) => `${conflict.field} (${conflict.manager})`),
  };
}

/**
 * Maximum wait for an object being deleted before it is created again. A
 * Deployment pruned in the foreground goes only once its pods have finished
 * their grace period, which took over 60 s on a busy 2-CPU test machine.
 */
const DELETION_WAIT_SECONDS = 180;

async function waitUntilGone(clients: KubeClients, entry: PlanEntry): Promise<void> {
  for (let attempt = 0; attempt < DELETION_WAIT_SECONDS * 2; attempt++) {
    if ((await readObject(clients, entry.reference)) === undefined) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // applyEntry adds "Applying OBJECT failed: " in front.
  throw new Error(
    `it was still being deleted after ${DELETION_WAIT_SECONDS}s; check its finalizers and whether its pods are stuck terminating`,
  );
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
