import type { Environment } from "../config/schema.ts";
import { explainUnreachable, type KubeClients } from "../kube/client.ts";
import type { KubeObject } from "../render/objects.ts";
import { type AppliedObject, applyPlan } from "./apply.ts";
import {
  type Inventory,
  membersOf,
  type Revision,
  readInventory,
  referenceKey,
  writeInventory,
} from "./inventory.ts";
import { acquireDeployLock, type DeployLock } from "./lock.ts";
import { appliedDigestsAfter, computePlan, hasChanges, type Plan } from "./plan.ts";
import { RolloutError, waitForRollouts } from "./rollout.ts";

/** Options for {@link reconcile}. */
export interface ReconcileOptions {
  /** The git commit the objects were rendered from, kept with the revision. */
  commit: string;
  print: (line: string) => void;
  forceConflicts?: boolean;
  /** Objects (`Kind/namespace/name`) to delete and create again. */
  replace?: string[];
  /** Allow a render with no objects, which prunes everything. */
  allowEmpty?: boolean;
  /** Allow pruning more than the environment's `prune.maxShare` of the inventory. */
  allowMassPrune?: boolean;
  /** Deploy lock holder identity, for tests that run two deploys in one process. */
  lockHolder?: string;
  /** Called with each plan as it is made, so a caller can report it when a later step fails. */
  onPlan?: (plan: Plan) => void;
}

/** The outcome of a reconcile. */
export interface ReconcileResult {
  plan: Plan;
  applied: AppliedObject[];
  /** False when the cluster already matched and nothing was written. */
  changed: boolean;
  /** The revision recorded for this deploy, when one was. */
  revision?: number;
}

/**
 * Makes the environment's namespace match `objects`: plan, then (only when
 * something changes) take the deploy lock, apply in order, prune, record the
 * inventory and wait for every rollout. A failed rollout rolls back to the
 * last good revision when `rollout.autoRollback` is set, and still fails.
 */
export async function reconcile(
  clients: KubeClients,
  environment: Environment,
  objects: KubeObject[],
  options: ReconcileOptions,
): Promise<ReconcileResult> {
  try {
    return await reconcileOnce(clients, environment, objects, options);
  } catch (error) {
    throw explainUnreachable(clients, error);
  }
}

async function reconcileOnce(
  clients: KubeClients,
  environment: Environment,
  objects: KubeObject[],
  options: ReconcileOptions,
): Promise<ReconcileResult> {
  const namespace = environment.namespace;
  const deployments = deploymentNames(objects);

  // 1. Refuse an empty render unless asked, then plan without the lock.
  if (objects.length === 0 && !options.allowEmpty) {
    throw new Error(
      `Refusing to deploy an empty render to '${namespace}': it would prune every object. Pass --allow-empty if that is intended`,
    );
  }
  checkScope(objects, namespace);
  let inventory = await readInventory(clients, namespace);
  let plan = await computePlan(clients, objects, inventory);
  options.onPlan?.(plan);
  if (!needsWrite(plan, inventory, objects)) {
    options.print(`nothing to change in ${namespace}`);
    await waitForRollouts(clients, namespace, deployments, environment.rollout.timeoutSeconds);
    return {
      plan,
      applied: plan.entries.map((entry) => ({ object: entry.object, action: "unchanged" })),
      changed: false,
    };
  }
  checkPruneShare(plan, inventory, environment, options);

  // 2. The lock: the Namespace must exist to hold the Lease.
  const namespaceObject = objects.find(
    (object) => object.kind === "Namespace" && object.metadata.name === namespace,
  );
  const namespaceEntry = plan.entries.find(
    (entry) => entry.action === "create" && entry.reference.kind === "Namespace",
  );
  // The Namespace created here shows as unchanged in the plan under the lock, so its digest is kept aside.
  let namespaceDigests: Record<string, string> = {};
  if (namespaceObject !== undefined && namespaceEntry !== undefined) {
    const namespacePlan = { entries: [namespaceEntry], skippedPrunes: [] };
    await applyPlan(clients, namespacePlan);
    namespaceDigests = appliedDigestsAfter(namespacePlan);
  }
  const lock = await acquireDeployLock(clients, namespace, {
    timeoutSeconds: environment.lock.timeoutSeconds,
    print: options.print,
    ...(options.lockHolder === undefined ? {} : { holder: options.lockHolder }),
  });

  try {
    // 3. Plan again under the lock, since another deploy may have changed the cluster.
    inventory = await readInventory(clients, namespace);
    plan = await computePlan(clients, objects, inventory);
    options.onPlan?.(plan);
    checkPruneShare(plan, inventory, environment, options);

    // 4. Record new members before applying, so an interrupted deploy leaves nothing untracked.
    // The applied digests are cleared until the apply completes, so an interrupted one is never trusted.
    const members = membersOf(objects);
    await writeInventory(clients, {
      ...inventory,
      members: unionOf(inventory.members, members),
      appliedDigests: {},
    });
    const applied = await applyPlan(clients, plan, options);
    for (const result of applied) options.print(describeApplied(result));
    for (const skipped of plan.skippedPrunes) {
      options.print(`not pruning ${skipped}`);
    }
    inventory = {
      ...inventory,
      members,
      appliedDigests: appliedDigestsAfter(plan, { ...inventory.appliedDigests, ...namespaceDigests }),
    };
    await writeInventory(clients, inventory);

    // 5. Wait, then record the revision as good or roll back.
    options.print(`waiting for ${deployments.length} Deployments in ${namespace} to roll out`);
    try {
      await waitForRollouts(clients, namespace, deployments, environment.rollout.timeoutSeconds);
    } catch (error) {
      if (environment.rollout.autoRollback) await rollBack(clients, environment, inventory, error, options);
      throw error;
    }
    const revision = nextRevision(inventory, objects, options.commit);
    await writeInventory(clients, { ...inventory, revisions: [...inventory.revisions, revision] });
    options.print(`recorded revision ${revision.number} (commit ${revision.commit})`);
    return { plan, applied, changed: true, revision: revision.number };
  } finally {
    await releaseQuietly(lock);
  }
}

/**
 * Refuses objects outside the environment: every object must be in its
 * namespace, or be that Namespace itself. Nothing is applied otherwise.
 */
export function checkScope(objects: KubeObject[], namespace: string): void {
  const outside = objects.filter((object) =>
    object.kind === "Namespace"
      ? object.metadata.name !== namespace
      : object.metadata.namespace !== namespace,
  );
  if (outside.length > 0) {
    const names = outside.map((object) =>
      `${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`.replace("//", "/"),
    );
    throw new Error(
      `Refusing to deploy objects outside namespace '${namespace}': ${names.join(", ")}; an environment may only change its own namespace`,
    );
  }
}

/** Names of the Deployments among objects. */
export function deploymentNames(objects: KubeObject[]): string[] {
  return objects.filter((object) => object.kind === "Deployment").map((object) => object.metadata.name);
}

// Re-applies the last good revision after a failed rollout, waits for it,
// and throws the original failure with the rollback's outcome added.
async function rollBack(
  clients: KubeClients,
  environment: Environment,
  inventory: Inventory,
  failure: unknown,
  options: ReconcileOptions,
): Promise<never> {
  const good = inventory.revisions.at(-1);
  const reason = failure instanceof Error ? failure.message : String(failure);
  if (good === undefined) {
    throw new RolloutError(`${reason}\nNo earlier good revision to roll back to`, []);
  }
  options.print(`rollout failed; rolling back to revision ${good.number} (commit ${good.commit})`);
  const plan = await computePlan(clients, good.objects, inventory);
  await writeInventory(clients, { ...inventory, appliedDigests: {} });
  await applyPlan(clients, plan, { ...options, forceConflicts: true });
  await writeInventory(clients, {
    ...inventory,
    members: membersOf(good.objects),
    appliedDigests: appliedDigestsAfter(plan, inventory.appliedDigests),
  });
  await waitForRollouts(
    clients,
    environment.namespace,
    deploymentNames(good.objects),
    environment.rollout.timeoutSeconds,
  );
  throw new RolloutError(
    `Deploy failed and was rolled back to revision ${good.number} (commit ${good.commit}), which is running again. The failure was: ${reason}`,
    [],
  );
}

function needsWrite(plan: Plan, inventory: Inventory, objects: KubeObject[]): boolean {
  if (hasChanges(plan)) return true;
  const members = membersOf(objects).map(referenceKey).join("\n");
  if (members !== inventory.members.map(referenceKey).join("\n")) return true;
  const last = inventory.revisions.at(-1);
  return last === undefined || JSON.stringify(last.objects) !== JSON.stringify(objects);
}

function checkPruneShare(
  plan: Plan,
  inventory: Inventory,
  environment: Environment,
  options: ReconcileOptions,
): void {
  const prunes = plan.entries.filter((entry) => entry.action === "prune").length;
  const total = inventory.members.length;
  if (total === 0 || prunes === 0 || options.allowMassPrune) return;
  const share = prunes / total;
  if (share > environment.prune.maxShare) {
    throw new Error(
      `Refusing to prune ${prunes} of ${total} objects in '${environment.namespace}' (${Math.round(share * 100)}%, more than prune.maxShare ${environment.prune.maxShare}); check the render, or pass --allow-mass-prune`,
    );
  }
}

function nextRevision(inventory: Inventory, objects: KubeObject[], commit: string): Revision {
  const number = (inventory.revisions.at(-1)?.number ?? 0) + 1;
  return { number, commit, appliedAt: new Date().toISOString(), objects };
}

function unionOf(a: Inventory["members"], b: Inventory["members"]): Inventory["members"] {
  const byKey = new Map([...a, ...b].map((member) => [referenceKey(member), member]));
  return [...byKey.values()].sort((x, y) => referenceKey(x).localeCompare(referenceKey(y)));
}

function describeApplied(result: AppliedObject): string {
  const drift = result.correctedDrift?.length
    ? ` (took back changes made outside Mooring: ${result.correctedDrift.join(", ")})`
    : "";
  return `${result.action} ${result.object}${drift}`;
}

async function releaseQuietly(lock: DeployLock): Promise<void> {
  try {
    await lock.release();
  } catch {
    // The Lease expires on its own after its duration, so a failed release only delays the next deploy.
  }
}
