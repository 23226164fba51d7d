import { loadProject, type Project } from "./config/load.ts";
import { environmentUrl } from "./config/url.ts";
import { buildServiceImages, type Print, type ServiceImage } from "./images/build.ts";
import { detectBuilder } from "./images/builder.ts";
import { connect, type KubeClients } from "./kube/client.ts";
import { readInventory } from "./reconcile/inventory.ts";
import { computePlan, type Plan } from "./reconcile/plan.ts";
import { type ReconcileResult, reconcile } from "./reconcile/reconcile.ts";
import { readServiceStatus, type ServiceStatus } from "./reconcile/status.ts";
import type { KubeObject } from "./render/objects.ts";
import { detectProvenance, type Provenance } from "./render/provenance.ts";
import { renderProject } from "./render/render.ts";

/** Options of a deploy that the CLI passes through to the reconcile engine. */
export interface DeployOptions {
  /** The pull request to deploy, for the preview environment. */
  pullRequest?: number;
  /** Image references pinned by digest, by service, deployed as they are instead of built; the other services are built. */
  images?: Record<string, string>;
  forceConflicts?: boolean;
  replace?: string[];
  allowEmpty?: boolean;
  allowMassPrune?: boolean;
  /** Called with the images once they are built or found, so a caller can report them when a later step fails. */
  onImages?: (images: ServiceImage[]) => void;
  /** Called with each plan as it is made, for the same reason. */
  onPlan?: (plan: Plan) => void;
}

/** Everything a deploy did, for the report. */
export interface DeployResult {
  project: Project;
  images: ServiceImage[];
  reconcile: ReconcileResult;
  services: ServiceStatus[];
  /** The public service's URL, when one is exposed. */
  url?: string;
}

/**
 * Deploys one environment: load and check its configuration, build and push
 * the images whose inputs changed, render the manifests with those digests,
 * and reconcile them into the cluster (plan, apply, prune, wait).
 */
export async function deploy(
  root: string,
  environmentName: string,
  print: Print,
  options: DeployOptions = {},
): Promise<DeployResult> {
  // 1. Configuration.
  const { pullRequest, onImages, images: given = {}, ...reconcileOptions } = options;
  const project = await loadProject(root, environmentName, pullRequest === undefined ? {} : { pullRequest });
  const names = project.services.map((service) => service.name);

  // 2. Images: the given ones as they are, the others built when their inputs changed.
  const toBuild = names.filter((name) => given[name] === undefined);
  const built =
    toBuild.length === 0
      ? []
      : await buildServiceImages(root, project.environment, toBuild, await detectBuilder(), print, {
          source: pullRequest === undefined ? {} : { pullRequest },
        });
  const images = [...givenImages(names, given), ...built].sort((a, b) => a.service.localeCompare(b.service));
  onImages?.(images);

  // 3. Render, with the commit and workflow run in annotations.
  const provenance = await detectProvenance(root);
  const objects = await renderWithImages(project, images, provenance);

  // 4. Reconcile.
  const clients = connect(root, project.environment);
  const result = await reconcile(clients, project.environment, objects, {
    ...reconcileOptions,
    commit: provenance.commit ?? "unknown",
    print,
  });

  // 5. Report.
  const services = await readServiceStatus(clients, project.environment.namespace, names);
  return { project, images, reconcile: result, services, url: environmentUrl(project) };
}

/** Computes what a deploy would change, from the given images and those already in the registry; writes nothing. */
export async function planDeploy(
  root: string,
  environmentName: string,
  pullRequest?: number,
  given: Record<string, string> = {},
): Promise<{ project: Project; plan: Plan }> {
  const project = await loadProject(root, environmentName, pullRequest === undefined ? {} : { pullRequest });
  const names = project.services.map((service) => service.name);
  const toFind = names.filter((name) => given[name] === undefined);
  const found =
    toFind.length === 0
      ? []
      : await buildServiceImages(root, project.environment, toFind, undefined, () => {});
  const images = [...givenImages(names, given), ...found];
  const objects = await renderWithImages(project, images, await detectProvenance(root));
  const clients = connect(root, project.environment);
  const inventory = await readInventory(clients, project.environment.namespace);
  return { project, plan: await computePlan(clients, objects, inventory) };
}

/**
 * Re-applies a recorded revision of an environment (by default the one
 * before the last) through the same reconcile path as a deploy.
 */
export async function rollback(
  root: string,
  environmentName: string,
  print: Print,
  to?: number,
  pullRequest?: number,
): Promise<ReconcileResult> {
  const project = await loadProject(root, environmentName, pullRequest === undefined ? {} : { pullRequest });
  const clients: KubeClients = connect(root, project.environment);
  const inventory = await readInventory(clients, project.environment.namespace);
  const numbers = inventory.revisions.map((revision) => revision.number);
  const target = to ?? numbers.at(-2);
  const revision = inventory.revisions.find((candidate) => candidate.number === target);
  if (revision === undefined) {
    const known = numbers.length === 0 ? "none" : numbers.join(", ");
    throw new Error(
      `Revision '${target ?? "previous"}' not found in '${project.environment.namespace}'; recorded revisions: ${known}`,
    );
  }
  print(
    `rolling back ${project.environment.namespace} to revision ${revision.number} (commit ${revision.commit})`,
  );
  return reconcile(clients, project.environment, revision.objects, {
    commit: revision.commit,
    print,
    forceConflicts: true,
  });
}

// Describes the images given by reference for `names`; a deploy has only their digests.
function givenImages(names: string[], given: Record<string, string>): ServiceImage[] {
  return names.flatMap((name) => {
    const reference = given[name];
    return reference === undefined ? [] : [givenImage(name, reference)];
  });
}

function givenImage(service: string, reference: string): ServiceImage {
  const at = reference.indexOf("@");
  return {
    service,
    reference,
    name: at === -1 ? reference : reference.slice(0, at),
    digest: at === -1 ? "" : reference.slice(at + 1),
    built: false,
    status: "reused",
    reason: "given by reference, not built",
    tag: "",
    tags: [],
    changes: [],
    inputsDigest: "",
    size: 0,
    user: "",
    seconds: 0,
  };
}

function renderWithImages(
  project: Project,
  images: ServiceImage[],
  provenance: Provenance,
): Promise<KubeObject[]> {
  const references = Object.fromEntries(images.map((image) => [image.service, image.reference]));
  return renderProject(project, references, provenance);
}
