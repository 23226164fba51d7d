import { cp, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** The repository's root, for tests that read its real templates. */
export const REPOSITORY_ROOT = join(import.meta.dirname, "..", "..");

/** A valid environment file for fixtures. Tests refer to its line numbers, so append rather than insert. */
export const ENVIRONMENT_YAML = `name: local
namespace: demo
kubernetesVersion: "1.20"
cluster:
  kubeconfig: .mooring/kubeconfig
images:
  registry: localhost:5000/mooring
  base: local-node
  insecure: true
services:
  web:
    replicas: 2
    expose:
      type: NodePort
      nodePort: 30080
      host: 127.0.0.1
  api:
    replicas: 1
rollout:
  timeoutSeconds: 60
`;

/** A valid preview template for fixtures, as `clusters/preview/environment.yaml`. */
export const PREVIEW_YAML = `name: preview
namespace: pr-{number}
kubernetesVersion: "1.30"
cluster:
  context: staging
images:
  registry: ghcr.io/example/demo
  base: docker.io/library/node:24-slim
services:
  web:
    replicas: 1
    expose:
      type: Ingress
      host: pr-{number}.preview.example.com
  api:
    replicas: 1
preview:
  timeToLiveHours: 48
  url: https://pr-{number}.preview.example.com/
`;

/** Returns a valid service file named `name`: public for `web`, internal for every other name. */
export function serviceYaml(name: string, extra = ""): string {
  return `name: ${name}
port: 8080
visibility: ${name === "web" ? "public" : "internal"}
probes:
  liveness: /healthz
  readiness: /readyz
resources:
  requests: { cpu: 20m, memory: 48Mi }
  limits: { memory: 128Mi }
${extra}`;
}

/** Image references pinned by digest for the fixture's services. */
export const FIXTURE_IMAGES: Record<string, string> = {
  web: "localhost:5000/mooring/web@sha256:1111111111111111111111111111111111111111111111111111111111111111",
  api: "localhost:5000/mooring/api@sha256:2222222222222222222222222222222222222222222222222222222222222222",
};

/**
 * Creates a project in a temporary folder with the repository's templates and
 * the given files (path relative to the project → content). Defaults to a
 * valid `local` environment with services `web` (public, depends on `api`)
 * and `api` (internal). A file given as null is left out.
 */
export async function createProject(files: Record<string, string | null> = {}): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "mooring-fixture-"));
  await cp(join(REPOSITORY_ROOT, "manifests"), join(root, "manifests"), { recursive: true });
  const all: Record<string, string | null> = {
    "clusters/local/environment.yaml": ENVIRONMENT_YAML,
    "services/web/service.yaml": serviceYaml("web", "dependsOn: [api]\n"),
    "services/api/service.yaml": serviceYaml("api"),
    ...files,
  };
  for (const [path, content] of Object.entries(all)) {
    if (content === null) continue;
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}
