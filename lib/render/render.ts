import { parseAllDocuments, stringify } from "yaml";
import type { Project } from "../config/load.ts";
import { checkObjects, DUPLICATE } from "./check.ts";
import { environmentContext, serviceContext } from "./context.ts";
import { RenderError, type RenderProblem } from "./errors.ts";
import { describeObject, type KubeObject, sortObjects } from "./objects.ts";
import { type Provenance, provenanceAnnotations } from "./provenance.ts";
import { loadTemplates, type Template } from "./templates.ts";

export { MANAGED_BY } from "./context.ts";

const IMAGE_DIGEST = /@sha256:([0-9a-f]{64})$/;

/**
 * Renders the project's environment into Kubernetes objects with the
 * templates in `manifests/`: the `environment/` templates once, and the
 * `service/` templates once per service, each Deployment running the image
 * given for its service (a reference pinned by digest). `provenance` becomes
 * annotations on every object. The output is parsed back, checked and sorted
 * into apply order. Any problem throws one RenderError listing them all, and
 * nothing is returned.
 */
export async function renderProject(
  project: Project,
  images: Record<string, string>,
  provenance: Provenance = {},
): Promise<KubeObject[]> {
  const { environment } = project;
  const templates = await loadTemplates(project.root);
  const problems: RenderProblem[] = [];

  // 1. Inputs: provenance and one image pinned by digest per service.
  const provenanceResult = provenanceAnnotations(provenance);
  problems.push(...provenanceResult.problems.map((message) => ({ template: "provenance", message })));
  const annotations = provenanceResult.annotations;
  const pinned = new Map<string, { reference: string; version: string }>();
  for (const service of project.services) {
    const reference = images[service.name];
    const digest = reference === undefined ? undefined : IMAGE_DIGEST.exec(reference)?.[1];
    if (reference === undefined) {
      problems.push({
        template: "images",
        services: [service.name],
        message: "no image given for this service",
      });
    } else if (digest === undefined || /\s/.test(reference)) {
      problems.push({
        template: "images",
        services: [service.name],
        message: `image '${reference}' is not pinned by digest; expected 'name@sha256:<64 hex digits>'`,
      });
    } else {
      // The version label is the digest's first 12 hex digits: the image is what runs.
      pinned.set(service.name, { reference, version: digest.slice(0, 12) });
    }
  }
  if (problems.length > 0) throw new RenderError(problems);

  // 2. Render each template with its context.
  const rendered: { template: string; service?: string; text: string }[] = [];
  const renderOne = (
    template: string,
    compiled: Template,
    context: Record<string, unknown>,
    service?: string,
  ) => {
    try {
      rendered.push({ template, service, text: compiled(context) });
    } catch (error) {
      if (!(error instanceof RenderError)) throw error;
      problems.push(
        ...error.problems.map((problem) => ({ ...problem, ...(service ? { services: [service] } : {}) })),
      );
    }
  };
  const environmentValues = environmentContext(project, annotations);
  for (const [template, compiled] of templates.environment) renderOne(template, compiled, environmentValues);
  for (const service of project.services) {
    const image = pinned.get(service.name);
    if (image === undefined) continue;
    const context = serviceContext(project, service, image, annotations);
    for (const [template, compiled] of templates.service)
      renderOne(template, compiled, context, service.name);
  }

  // 3. Parse back and check every object, then the set as a whole.
  const target = { namespace: environment.namespace, kubernetesVersion: environment.kubernetesVersion };
  const sources = new Map<string, string[]>();
  const objects: KubeObject[] = [];
  for (const { template, service, text } of rendered) {
    const parsed: unknown[] = [];
    for (const document of parseAllDocuments(text)) {
      if (document.errors.length > 0) {
        const message = document.errors[0]?.message.split("\n")[0];
        problems.push({ template, ...servicesOf(service), message: `produced invalid YAML: ${message}` });
      } else if (document.contents !== null) {
        parsed.push(document.toJS());
      }
    }
    const objectProblems = checkObjects(parsed, target);
    for (const problem of objectProblems) {
      if (problem.message === DUPLICATE) continue;
      problems.push({ template, ...servicesOf(service), object: problem.object, message: problem.message });
    }
    if (objectProblems.length > 0) continue;
    for (const object of parsed as KubeObject[]) {
      const name = describeObject(object);
      sources.set(name, [
        ...(sources.get(name) ?? []),
        service === undefined ? template : `${template} for '${service}'`,
      ]);
      objects.push(object);
    }
  }
  for (const problem of checkObjects(objects, target)) {
    if (problem.message !== DUPLICATE || problem.object === undefined) continue;
    const by = sources.get(problem.object)?.join(", ");
    problems.push({ template: "manifests", object: problem.object, message: `${DUPLICATE}, by ${by}` });
  }
  if (objects.length === 0 && problems.length === 0) {
    problems.push({ template: "manifests", message: "the templates rendered no objects" });
  }
  if (problems.length > 0) throw new RenderError(problems);
  return sortObjects(objects);
}

/** Writes objects as one YAML stream, `---` between them, keys in the order rendered. */
export function toYamlStream(objects: KubeObject[]): string {
  return objects.map((object) => stringify(object, { lineWidth: 0 })).join("---\n");
}

/** Names the file `mooring render --out` writes an object to: its position in apply order, kind and name. */
export function objectFileName(object: KubeObject, index: number): string {
  const position = String(index + 1).padStart(2, "0");
  return `${position}-${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
}

function servicesOf(service: string | undefined): { services?: string[] } {
  return service === undefined ? {} : { services: [service] };
}
