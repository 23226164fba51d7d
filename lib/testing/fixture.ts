import { cp, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** The repository's root, for tests that read its real templates. */
export const REPOSITORY_ROOT = join(import.meta.dirname, "..", "..");

/** A valid environment file for fixtures. */
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

/** A valid service file named `name`. */
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

/**
 * Creates a project in a temporary folder with the repository's templates and
 * the given files (path relative to the project → content). Defaults to a
 * valid `local` environment with services `web` (public) and `api`.
 */
export async function createProject(files: Record<string, string> = {}): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "mooring-fixture-"));
  await cp(join(REPOSITORY_ROOT, "manifests"), join(root, "manifests"), { recursive: true });
  const all: Record<string, string> = {
    "clusters/local/environment.yaml": ENVIRONMENT_YAML,
    "services/web/service.yaml": serviceYaml("web", "dependsOn: [api]\n"),
    "services/api/service.yaml": serviceYaml("api"),
    ...files,
  };
  for (const [path, content] of Object.entries(all)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}
