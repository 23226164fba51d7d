import { PULL_REQUEST_PLACEHOLDER } from "../config/fields.ts";
import { loadProject, loadProjectFiles } from "../config/load.ts";
import type { Environment } from "../config/schema.ts";
import { connect, isNotFound, type KubeClients } from "../kube/client.ts";
import { readInventory } from "../reconcile/inventory.ts";

/** Time a namespace's deletion may take before `deletePreview` fails. */
const DELETE_TIMEOUT_MS = 180_000;
const POLL_INTERVAL_MS = 1_000;

/** A preview environment found in the cluster. */
export interface LivePreview {
  namespace: string;
  pullRequest: number;
  /** When the last recorded revision was applied, in ISO 8601; undefined when none was recorded. */
  lastAppliedAt?: string;
}

/**
 * Deletes the namespace of pull request `pullRequest`'s preview, with every
 * object in it and its inventory, and waits until it is gone. Returns false
 * when the namespace did not exist.
 */
export async function deletePreview(
  root: string,
  templateName: string,
  pullRequest: number,
  timeoutMs = DELETE_TIMEOUT_MS,
): Promise<{ namespace: string; deleted: boolean }> {
  const project = await loadProject(root, templateName, { pullRequest });
  const { namespace } = project.environment;
  const clients = connect(root, project.environment);
  return { namespace, deleted: await deleteNamespace(clients, namespace, timeoutMs) };
}

/**
 * Lists the previews that exist in the cluster of the preview template:
 * namespaces that match the template's namespace pattern and hold a Mooring
 * inventory. Namespaces without an inventory are not Mooring's and are left out.
 */
export async function listPreviews(root: string, templateName: string): Promise<LivePreview[]> {
  const { environment } = await loadProjectFiles(root, templateName);
  if (environment.preview === undefined) {
    throw new Error(`Environment '${templateName}' is not a preview template: it has no 'preview' mapping`);
  }
  const pattern = namespacePattern(environment);
  const clients = connect(root, environment);
  const namespaces = await clients.core.listNamespace();
  const previews: LivePreview[] = [];
  for (const item of namespaces.items) {
    const name = item.metadata?.name ?? "";
    const match = pattern.exec(name);
    if (match === null || item.status?.phase === "Terminating") continue;
    const inventory = await readInventory(clients, name);
    if (inventory.members.length === 0 && inventory.revisions.length === 0) continue;
    const preview: LivePreview = { namespace: name, pullRequest: Number(match[1]) };
    const lastAppliedAt = inventory.revisions.at(-1)?.appliedAt;
    if (lastAppliedAt !== undefined) preview.lastAppliedAt = lastAppliedAt;
    previews.push(preview);
  }
  return previews.sort((a, b) => a.pullRequest - b.pullRequest);
}

/** Reads the time-to-live of a preview template's environments, in hours. */
export async function previewTimeToLiveHours(root: string, templateName: string): Promise<number> {
  const { environment } = await loadProjectFiles(root, templateName);
  if (environment.preview === undefined) {
    throw new Error(`Environment '${templateName}' is not a preview template: it has no 'preview' mapping`);
  }
  return environment.preview.timeToLiveHours;
}

/**
 * Tells why a preview should be removed: its pull request is not open, or
 * its last deploy is older than the time-to-live. Returns undefined to keep it.
 */
export function sweepReason(
  preview: LivePreview,
  openPullRequests: Set<number>,
  timeToLiveHours: number,
  now: Date,
): string | undefined {
  if (!openPullRequests.has(preview.pullRequest)) return `pull request #${preview.pullRequest} is not open`;
  if (preview.lastAppliedAt === undefined) return undefined;
  const ageHours = (now.getTime() - Date.parse(preview.lastAppliedAt)) / 3_600_000;
  if (ageHours > timeToLiveHours) {
    return `its last deploy was ${Math.floor(ageHours)} hours ago, over the time-to-live of ${timeToLiveHours} hours`;
  }
  return undefined;
}

// The template's namespace as a regular expression that captures the number.
function namespacePattern(environment: Environment): RegExp {
  const [before, after] = environment.namespace.split(PULL_REQUEST_PLACEHOLDER).map(escapeRegExp);
  return new RegExp(`^${before}([1-9][0-9]{0,9})${after ?? ""}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

async function deleteNamespace(clients: KubeClients, name: string, timeoutMs: number): Promise<boolean> {
  try {
    await clients.core.deleteNamespace({ name });
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await clients.core.readNamespace({ name });
    } catch (error) {
      if (isNotFound(error)) return true;
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  throw new Error(
    `Namespace '${name}' still exists ${timeoutMs / 1000} s after its deletion; check its finalizers with 'kubectl get namespace ${name} -o yaml'`,
  );
}
