import { spawnSync } from "node:child_process";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { loadProject, type Project } from "../config/load.ts";
import type { Environment } from "../config/schema.ts";
import { buildServiceImages } from "../images/build.ts";
import { detectBuilder } from "../images/builder.ts";
import { connect, type KubeClients } from "../kube/client.ts";
import type { KubeObject } from "../render/objects.ts";
import { renderProject } from "../render/render.ts";
import { REPOSITORY_ROOT } from "../testing/fixture.ts";

/** The kubectl that scripts/cluster/build.sh builds beside the cluster, matching its version. */
export const KUBECTL = "/var/cache/mooring/kubernetes-1.20.2-r2/bin/kubectl";

/** The repository's `local` project, its service images by digest, and clients for the local cluster. */
export interface TestCluster {
  project: Project;
  images: Record<string, string>;
  clients: KubeClients;
}

/** Loads the local project and connects to the cluster, building any service image the registry lacks. */
export async function prepareTestCluster(): Promise<TestCluster> {
  const project = await loadProject(REPOSITORY_ROOT, "local");
  const names = project.services.map((service) => service.name);
  const built = await buildServiceImages(
    REPOSITORY_ROOT,
    project.environment,
    names,
    await detectBuilder(),
    () => {},
  );
  const images = Object.fromEntries(built.map((image) => [image.service, image.reference]));
  return { project, images, clients: connect(REPOSITORY_ROOT, project.environment) };
}

/**
 * Derives a test environment in `namespace` from the local one: one replica
 * per service, ClusterIP for the frontend (so the demo's NodePort stays
 * free), short timeouts and no automatic rollback unless `rollout` says so.
 */
export function testEnvironment(
  base: Environment,
  namespace: string,
  rollout: Partial<Environment["rollout"]> = {},
): Environment {
  return {
    ...base,
    namespace,
    services: Object.fromEntries(
      Object.keys(base.services).map((name) => [
        name,
        { replicas: 1, expose: { type: "ClusterIP" as const } },
      ]),
    ),
    rollout: {
      ...base.rollout,
      timeoutSeconds: 120,
      progressDeadlineSeconds: 30,
      autoRollback: false,
      ...rollout,
    },
    lock: { ...base.lock, timeoutSeconds: 120 },
  };
}

/** Renders the local project's templates for `environment` with the test cluster's images. */
export function renderFor(cluster: TestCluster, environment: Environment): Promise<KubeObject[]> {
  return renderProject({ ...cluster.project, environment }, cluster.images);
}

/** Runs kubectl against the local cluster and returns its output; a non-zero exit fails the test. */
export function kubectl(...args: string[]): string {
  const result = spawnSync(
    KUBECTL,
    ["--kubeconfig", join(REPOSITORY_ROOT, ".mooring", "kubeconfig"), ...args],
    {
      encoding: "utf8",
    },
  );
  assert.is(result.status, 0, `kubectl ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

/** Returns objects whose pod templates carry a new annotation, so every Deployment rolls. */
export function withNewPodTemplates(source: KubeObject[], value: string): KubeObject[] {
  return source.map((object) => {
    if (object.kind !== "Deployment") return object;
    const copy = structuredClone(object);
    const template = (copy.spec as { template: { metadata: { annotations?: Record<string, string> } } })
      .template;
    template.metadata.annotations = { ...template.metadata.annotations, "mooring.dev/test-rollout": value };
    return copy;
  });
}
