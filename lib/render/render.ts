import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import type { Project } from "../config/load.ts";
import type { ServiceSettings } from "../config/schema.ts";
import { checkObjects } from "./check.ts";
import { type KubeObject, sortObjects } from "./objects.ts";
import { loadTemplate } from "./templates.ts";

/** The `app.kubernetes.io/managed-by` value on every rendered object. */
export const MANAGED_BY = "mooring";

/**
 * Renders the project's environment into Kubernetes objects: one Namespace,
 * and a Service and a Deployment per service, each Deployment running the
 * image given for its service. The output is parsed back, checked and sorted
 * into apply order; a problem in any object is an error naming it.
 */
export async function renderProject(project: Project, images: Record<string, string>): Promise<KubeObject[]> {
  const { environment } = project;
  const manifests = join(project.root, "manifests");
  const load = (file: string) => loadTemplate(join(manifests, file), `manifests/${file}`);
  const namespaceTemplate = await load("namespace.yaml.hbs");
  const serviceTemplate = await load("service.yaml.hbs");
  const deploymentTemplate = await load("deployment.yaml.hbs");

  // 1. Render each template with its context.
  const partLabels = { "app.kubernetes.io/part-of": "mooring", "app.kubernetes.io/managed-by": MANAGED_BY };
  const rendered: { source: string; text: string }[] = [
    {
      source: "manifests/namespace.yaml.hbs",
      text: namespaceTemplate({
        environment,
        labels: { ...partLabels, "mooring.dev/environment": environment.name },
      }),
    },
  ];
  for (const service of project.services) {
    const image = images[service.name];
    if (image === undefined) throw new Error(`No image given for service '${service.name}'`);
    const context = serviceContext(project, service, image, partLabels);
    rendered.push({ source: `manifests/service.yaml.hbs (${service.name})`, text: serviceTemplate(context) });
    rendered.push({
      source: `manifests/deployment.yaml.hbs (${service.name})`,
      text: deploymentTemplate(context),
    });
  }

  // 2. Parse back and check every object.
  const objects: unknown[] = [];
  const problems: string[] = [];
  for (const { source, text } of rendered) {
    const documents = parseAllDocuments(text);
    const parsed: unknown[] = [];
    for (const document of Array.isArray(documents) ? documents : [documents]) {
      if (document.errors.length > 0) {
        problems.push(`${source}: invalid YAML: ${document.errors[0]?.message.split("\n")[0]}`);
      } else if (document.contents !== null) {
        parsed.push(document.toJS());
      }
    }
    problems.push(...checkObjects(parsed, environment.namespace, source));
    objects.push(...parsed);
  }
  problems.push(
    ...checkObjects(objects, environment.namespace, "the rendered set").filter((p) => p.endsWith("twice")),
  );
  if (problems.length > 0) {
    throw new Error(`Rendered manifests are invalid:\n  ${problems.join("\n  ")}`);
  }
  return sortObjects(objects as KubeObject[]);
}

/** Writes objects as one YAML stream, `---` between them. */
export function toYamlStream(objects: KubeObject[]): string {
  return objects.map((object) => stringify(object, { lineWidth: 0 })).join("---\n");
}

function serviceContext(
  project: Project,
  service: ServiceSettings,
  image: string,
  partLabels: Record<string, string>,
): Record<string, unknown> {
  const { environment } = project;
  const placement = environment.services[service.name];
  const selector = { "app.kubernetes.io/name": service.name, "app.kubernetes.io/instance": environment.name };
  const expose = placement?.expose;
  const env: { name: string; value: string }[] = [];
  if (service.dependsOn.length > 0) {
    env.push({ name: "BACKEND_TIMEOUT_MS", value: "2000" });
  }
  return {
    environment,
    service,
    image,
    replicas: placement?.replicas ?? 1,
    labels: { ...selector, ...partLabels },
    selector,
    serviceType: expose?.type ?? "ClusterIP",
    nodePort: expose?.type === "NodePort" ? expose.nodePort : undefined,
    env,
  };
}
