import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy } from "@kubernetes/client-node";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { listEnvironments, loadProject, type Project } from "../config/load.ts";
import { REPOSITORY_ROOT } from "../testing/fixture.ts";
import { isServed } from "./capabilities.ts";
import { describeObject, type KubeObject } from "./objects.ts";
import { renderProject } from "./render.ts";

// Checks rendered output against the local cluster (Kubernetes 1.20): every
// environment must pass server-side dry-run apply, the capability table must
// agree with what the cluster serves, and `mooring render` must repeat itself
// byte for byte. Each environment is dry-run in a namespace of its own,
// render-test-<environment>-<random>, which the test creates and deletes.

const renderCluster = suite("render against the local cluster");
const config = new KubeConfig();
config.loadFromFile(join(REPOSITORY_ROOT, ".mooring", "kubeconfig"));
const objectsApi = KubernetesObjectApi.makeApiClient(config);
const core = config.makeApiClient(CoreV1Api);
const FIELD_MANAGER = "mooring-render-test";

/** Placeholder digests: a dry run does not pull images. */
function imagesFor(project: Project): Record<string, string> {
  return Object.fromEntries(
    project.services.map((service) => [
      service.name,
      `${project.environment.images.registry}/${service.name}@sha256:${"0".repeat(64)}`,
    ]),
  );
}

// GETs a path of the API server and returns the parsed JSON, or undefined on 404.
async function getJson(path: string): Promise<Record<string, unknown> | undefined> {
  const cluster = config.getCurrentCluster();
  assert.ok(cluster, "the kubeconfig has no current cluster");
  const options: Parameters<typeof request>[1] = { method: "GET" };
  await config.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const call = request(new URL(path, cluster.server), options, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on("end", () => {
        if (response.statusCode === 404) resolve(undefined);
        else if (response.statusCode !== 200)
          reject(new Error(`GET ${path}: HTTP ${response.statusCode}: ${body}`));
        else resolve(JSON.parse(body) as Record<string, unknown>);
      });
    });
    call.on("error", reject);
    call.end();
  });
}

async function serverMinorVersion(): Promise<string> {
  const version = (await getJson("/version")) as { major: string; minor: string };
  return `${version.major}.${version.minor.replace(/\D+$/, "")}`;
}

// Node ports held by Services anywhere in the cluster, such as the demo's.
async function usedNodePorts(): Promise<Set<number>> {
  const services = await core.listServiceForAllNamespaces();
  const ports = services.items.flatMap((service) => service.spec?.ports ?? []).map((port) => port.nodePort);
  return new Set(ports.filter((port): port is number => port !== undefined));
}

// A node port is unique in the whole cluster, so a second copy of an
// environment cannot hold the demo's port. Such a port moves to a free one.
function moveTakenNodePorts(objects: KubeObject[], used: Set<number>): string[] {
  const moved: string[] = [];
  for (const object of objects) {
    if (object.kind !== "Service") continue;
    const ports = (object.spec as { ports: { nodePort?: number }[] }).ports;
    for (const port of ports) {
      if (port.nodePort === undefined || !used.has(port.nodePort)) continue;
      let free = 30000;
      while (used.has(free)) free++;
      moved.push(`${describeObject(object)}: node port ${port.nodePort} -> ${free}`);
      used.add(free);
      port.nodePort = free;
    }
  }
  return moved;
}

async function deleteNamespace(name: string): Promise<void> {
  try {
    await core.deleteNamespace({ name });
  } catch (error) {
    if ((error as { code?: number }).code !== 404) throw error;
  }
}

renderCluster("capability table matches the cluster", async () => {
  const version = await serverMinorVersion();
  assert.is(version, "1.20", "this test expects the local 1.20 cluster");
  const checks = [
    ["v1", "Namespace"],
    ["v1", "Service"],
    ["apps/v1", "Deployment"],
    ["policy/v1beta1", "PodDisruptionBudget"],
    ["policy/v1", "PodDisruptionBudget"],
    ["autoscaling/v2beta2", "HorizontalPodAutoscaler"],
    ["autoscaling/v2", "HorizontalPodAutoscaler"],
    ["networking.k8s.io/v1", "Ingress"],
    ["networking.k8s.io/v1beta1", "Ingress"],
    ["networking.k8s.io/v1", "NetworkPolicy"],
  ];
  for (const [apiVersion, kind] of checks as [string, string][]) {
    const discovery = await getJson(apiVersion === "v1" ? "/api/v1" : `/apis/${apiVersion}`);
    const resources = (discovery?.resources ?? []) as { kind: string; name: string }[];
    const served = resources.some((resource) => resource.kind === kind && !resource.name.includes("/"));
    assert.is(isServed(apiVersion, kind, version), served, `${kind} in ${apiVersion} on ${version}`);
  }
});

for (const environment of await listEnvironments(REPOSITORY_ROOT)) {
  renderCluster(`${environment} passes server-side dry run`, async () => {
    // 1. Render for the cluster's version, in a namespace of this test's own.
    const version = await serverMinorVersion();
    const loaded = await loadProject(
      REPOSITORY_ROOT,
      environment,
      environment === "preview" ? { pullRequest: 42 } : {},
    );
    const namespace = `render-test-${environment}-${randomBytes(3).toString("hex")}`;
    // NOTE: an environment that targets a newer Kubernetes is checked in the API versions 1.20 serves.
    // Its own API versions are pinned only by the golden files, because this cluster does not serve them.
    const project = {
      ...loaded,
      environment: { ...loaded.environment, namespace, kubernetesVersion: version },
    };
    const objects = await renderProject(project, imagesFor(project), {
      commit: "0123456789abcdef0123456789abcdef01234567",
      runUrl: "https://github.com/example/mooring/actions/runs/1",
    });
    const moved = moveTakenNodePorts(objects, await usedNodePorts());

    // 2. Create the namespace for real, then dry-run every other object.
    const [namespaceObject, ...rest] = objects;
    assert.is(namespaceObject?.kind, "Namespace");
    const failures: string[] = [];
    try {
      await objectsApi.patch(
        namespaceObject as KubeObject,
        undefined,
        undefined,
        FIELD_MANAGER,
        true,
        PatchStrategy.ServerSideApply,
      );
      for (const object of rest) {
        try {
          const result = await objectsApi.patch(
            object,
            undefined,
            "All",
            FIELD_MANAGER,
            true,
            PatchStrategy.ServerSideApply,
          );
          if (result.kind !== object.kind || result.metadata?.name !== object.metadata.name) {
            failures.push(
              `${describeObject(object)}: the dry run returned ${result.kind}/${result.metadata?.name}`,
            );
          }
        } catch (error) {
          const body = (error as { body?: unknown }).body;
          failures.push(`${describeObject(object)}: ${typeof body === "string" ? body : String(error)}`);
        }
      }
    } finally {
      await deleteNamespace(namespace);
    }
    assert.equal(
      failures,
      [],
      `rejected by the API server (moved: ${moved.join(", ") || "nothing"}):\n${failures.join("\n")}`,
    );
    assert.ok(rest.length >= 6, `only ${rest.length} objects besides the Namespace`);
  });
}

renderCluster("mooring render repeats itself byte for byte", async () => {
  const images = ["frontend", "image", "time"].flatMap((service, index) => [
    "--image",
    `${service}=localhost:5000/mooring/${service}@sha256:${String(index + 1).repeat(64)}`,
  ]);
  const run = (args: string[]) => {
    const result = spawnSync("node", ["bin/mooring.js", "render", "--env", "local", ...images, ...args], {
      cwd: REPOSITORY_ROOT,
      encoding: "utf8",
    });
    assert.is(result.status, 0, `mooring render failed:\n${result.stderr}`);
    return result.stdout;
  };

  // As one stream on stdout.
  const first = run([]);
  assert.match(first, /^apiVersion: v1\nkind: Namespace\n/);
  assert.is(run([]), first);

  // As one file per object.
  const folders = [
    await mkdtemp(join(tmpdir(), "render-test-")),
    await mkdtemp(join(tmpdir(), "render-test-")),
  ];
  const contents: string[] = [];
  for (const folder of folders) {
    run(["--out", folder]);
    const names = (await readdir(folder)).filter((name) => name.endsWith(".yaml")).sort();
    const files = await Promise.all(
      names.map(async (name) => `${name}\n${await readFile(join(folder, name), "utf8")}`),
    );
    contents.push(files.join("\n"));
  }
  assert.is(contents[1], contents[0]);
  assert.ok((contents[0] ?? "").includes("01-namespace-mooring-local.yaml"));
});

renderCluster.run();
