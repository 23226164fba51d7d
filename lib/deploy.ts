import { loadProject, type Project } from "./config/load.ts";
import { buildServiceImages, type Print, type ServiceImage } from "./images/build.ts";
import { detectBuilder } from "./images/builder.ts";
import { connect } from "./kube/client.ts";
import { type AppliedObject, applyObjects } from "./reconcile/apply.ts";
import { waitForRollouts } from "./reconcile/rollout.ts";
import { readServiceStatus, type ServiceStatus } from "./reconcile/status.ts";
import { renderProject } from "./render/render.ts";

/** Everything a deploy did, for the report. */
export interface DeployResult {
  project: Project;
  images: ServiceImage[];
  applied: AppliedObject[];
  services: ServiceStatus[];
  /** The public service's URL, when one is exposed. */
  url?: string;
}

/**
 * Deploys one environment: load and check its configuration, build and push
 * the images whose inputs changed, render the manifests with those digests,
 * apply them with server-side apply and wait until every Deployment has
 * rolled out.
 */
export async function deploy(root: string, environmentName: string, print: Print): Promise<DeployResult> {
  // 1. Configuration.
  const project = await loadProject(root, environmentName);
  const { environment } = project;
  const names = project.services.map((service) => service.name);

  // 2. Images.
  const builder = await detectBuilder();
  const images = await buildServiceImages(root, environment, names, builder, print);
  const references = Object.fromEntries(images.map((image) => [image.service, image.reference]));

  // 3. Render.
  const objects = await renderProject(project, references);

  // 4. Apply.
  const clients = connect(root, environment);
  const applied = await applyObjects(clients, objects);
  for (const result of applied) print(`${result.action} ${result.object}`);

  // 5. Wait for every rollout.
  print(`waiting for ${names.length} Deployments in ${environment.namespace} to roll out`);
  await waitForRollouts(clients, environment.namespace, names, environment.rollout.timeoutSeconds);

  // 6. Report.
  const services = await readServiceStatus(clients, environment.namespace, names);
  return { project, images, applied, services, url: publicUrl(project) };
}

/** Builds the URL of the environment's public service from its `expose` setting. */
export function publicUrl(project: Project): string | undefined {
  for (const service of project.services) {
    const expose = project.environment.services[service.name]?.expose;
    if (service.visibility === "public" && expose?.type === "NodePort") {
      return `http://${expose.host}:${expose.nodePort}/`;
    }
  }
  return undefined;
}
