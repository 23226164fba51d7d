import { existsSync } from "node:fs";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ConfigError } from "../config/errors.ts";
import {
  createProject,
  ENVIRONMENT_YAML,
  FIXTURE_IMAGES,
  PREVIEW_YAML,
  serviceYaml,
} from "../testing/fixture.ts";
import { renderCommand } from "./commands.ts";
import { RenderError } from "./errors.ts";

// Broken inputs, each with the exact message `mooring render` must fail with.
// Every case runs the whole command with --out, so a case passes only if
// nothing at all is written or printed.

interface BrokenInput {
  name: string;
  /** Files that replace the fixture's, relative to the project root. */
  files: Record<string, string | null>;
  environment?: string;
  pr?: string;
  /** `--image` values that replace the fixture's pinned images. */
  images?: string[];
  expected: string[];
}

const env = (from: string | RegExp, to: string) => ({
  "clusters/local/environment.yaml": ENVIRONMENT_YAML.replace(from, to),
});
const api = (from: string, to: string, extra = "") => ({
  "services/api/service.yaml": serviceYaml("api", extra).replace(from, to),
});

const CASES: BrokenInput[] = [
  {
    name: "replicas of the wrong type",
    files: env("replicas: 1", "replicas: one"),
    expected: [
      "Invalid configuration (1 problem):",
      "  clusters/local/environment.yaml:18: services.api.replicas: expected an integer from 0 to 100 replicas, got 'one'",
    ],
  },
  {
    name: "negative replicas",
    files: env("replicas: 1", "replicas: -1"),
    expected: [
      "Invalid configuration (1 problem):",
      "  clusters/local/environment.yaml:18: services.api.replicas: expected an integer from 0 to 100 replicas, got -1",
    ],
  },
  {
    name: "huge replicas",
    files: env("replicas: 1", "replicas: 1000000"),
    expected: [
      "Invalid configuration (1 problem):",
      "  clusters/local/environment.yaml:18: services.api.replicas: expected an integer from 0 to 100 replicas, got 1000000",
    ],
  },
  {
    name: "fractional replicas",
    files: env("replicas: 1", "replicas: 1.5"),
    expected: [
      "Invalid configuration (1 problem):",
      "  clusters/local/environment.yaml:18: services.api.replicas: expected an integer from 0 to 100 replicas, got 1.5",
    ],
  },
  {
    name: "misspelt key",
    files: env("replicas: 1", "replica: 1"),
    expected: [
      "Invalid configuration (1 problem):",
      "  clusters/local/environment.yaml:18: services.api.replica: unknown key 'replica'; did you mean 'replicas'?",
    ],
  },
  {
    name: "unknown top-level key",
    files: { "clusters/local/environment.yaml": `${ENVIRONMENT_YAML}colour: blue\n` },
    expected: [
      "Invalid configuration (1 problem):",
      "  clusters/local/environment.yaml:21: colour: unknown key 'colour'; expected one of 'name', 'namespace', 'kubernetesVersion', 'partOf', 'cluster', 'images', 'services', 'rollout', 'shutdown', 'security', 'disruptionBudget', 'networkPolicies', 'prune', 'lock', 'preview'",
    ],
  },
  {
    name: "invalid namespace name",
    files: env("namespace: demo", "namespace: Demo_1"),
    expected: [
      "Invalid configuration (1 problem):",
      "  clusters/local/environment.yaml:2: namespace: expected a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters, got 'Demo_1'",
    ],
  },
  {
    name: "namespace that injects YAML",
    files: env("namespace: demo", 'namespace: "demo\\nkind: Secret"'),
    expected: [
      "Invalid configuration (1 problem):",
      "  clusters/local/environment.yaml:2: namespace: expected a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters, got 'demo\\nkind: Secret'",
    ],
  },
  {
    name: "unquoted Kubernetes version",
    files: env('"1.20"', "1.20"),
    expected: [
      "Invalid configuration (1 problem):",
      '  clusters/local/environment.yaml:3: kubernetesVersion: expected a quoted minor version such as "1.20" (unquoted, YAML reads 1.20 as the number 1.2), got 1.2',
    ],
  },
  {
    name: "too old Kubernetes version",
    files: env('"1.20"', '"1.18"'),
    expected: [
      "Invalid configuration (1 problem):",
      "  clusters/local/environment.yaml:3: kubernetesVersion: expected Kubernetes 1.19 or newer, because pods use securityContext.seccompProfile and Ingress uses networking.k8s.io/v1, got '1.18'",
    ],
  },
  {
    name: "unknown expose type",
    files: env("type: NodePort", "type: LoadBalancer"),
    expected: [
      "Invalid configuration (1 problem):",
      "  clusters/local/environment.yaml:14: services.web.expose.type: expected one of 'NodePort', 'Ingress', 'ClusterIP', got 'LoadBalancer'",
    ],
  },
  {
    name: "node port out of range",
    files: env("nodePort: 30080", "nodePort: 80"),
    expected: [
      "Invalid configuration (1 problem):",
      "  clusters/local/environment.yaml:15: services.web.expose.nodePort: expected an integer from 30000 to 32767, got 80",
    ],
  },
  {
    name: "Ingress host that injects YAML",
    files: env(
      "      type: NodePort\n      nodePort: 30080\n      host: 127.0.0.1",
      '      type: Ingress\n      host: "shop.example.com\\n  kind: Secret"',
    ),
    expected: [
      "Invalid configuration (1 problem):",
      "  clusters/local/environment.yaml:15: services.web.expose.host: expected a lowercase DNS host name such as 'shop.example.com', got 'shop.example.com\\n  kind: Secret'",
    ],
  },
  {
    name: "placeholder outside a preview",
    files: env("namespace: demo", "namespace: pr-{number}"),
    expected: [
      "Invalid configuration (1 problem):",
      "  clusters/local/environment.yaml:2: namespace: '{number}' is replaced only in a preview environment (one with a 'preview' mapping); got 'pr-{number}'",
    ],
  },
  {
    name: "cluster without kubeconfig or context",
    files: env("cluster:\n  kubeconfig: .mooring/kubeconfig\n", "cluster: {}\n"),
    expected: [
      "Invalid configuration (1 problem):",
      "  clusters/local/environment.yaml:4: cluster: expected 'kubeconfig', 'context' or both, so that a deploy never goes to whatever cluster the default kubeconfig points at, got {}",
    ],
  },
  {
    name: "services as a list",
    files: env(/services:[\s\S]*rollout/, "services: [web, api]\nrollout"),
    expected: [
      "Invalid configuration (1 problem):",
      '  clusters/local/environment.yaml:10: services: expected a mapping of service names, got ["web","api"]',
    ],
  },
  {
    name: "replicas and autoscaling together",
    files: env(
      "  api:\n    replicas: 1",
      "  api:\n    replicas: 1\n    autoscaling: { minReplicas: 3, maxReplicas: 2 }",
    ),
    expected: [
      "Invalid configuration (2 problems):",
      "  clusters/local/environment.yaml:18: services.api.replicas: expected 'replicas' or 'autoscaling', not both, because the HorizontalPodAutoscaler sets the replica count",
      "  clusters/local/environment.yaml:19: services.api.autoscaling.maxReplicas: expected at least minReplicas (3), got 2",
    ],
  },
  {
    name: "unknown service placed",
    files: env("  api:\n", "  apx:\n"),
    expected: [
      "Invalid configuration (2 problems):",
      "  clusters/local/environment.yaml:17: services.apx: no service 'apx' in services/; expected one of 'api', 'web'",
      "  clusters/local/environment.yaml:10: services.api: missing; every service needs a replica count or 'autoscaling'",
    ],
  },
  {
    name: "internal service exposed",
    files: env("  api:\n    replicas: 1", "  api:\n    replicas: 1\n    expose: { type: ClusterIP }"),
    expected: [
      "Invalid configuration (1 problem):",
      "  clusters/local/environment.yaml:19: services.api.expose: 'api' is internal (visibility in services/api/service.yaml); only a public service can be exposed",
    ],
  },
  {
    name: "empty environment file",
    files: { "clusters/local/environment.yaml": "" },
    expected: [
      "Invalid configuration (1 problem):",
      "  clusters/local/environment.yaml:1: the file is empty; expected a mapping",
    ],
  },
  {
    name: "duplicate key",
    files: { "clusters/local/environment.yaml": `${ENVIRONMENT_YAML}namespace: other\n` },
    expected: [
      "Invalid configuration (1 problem):",
      "  clusters/local/environment.yaml:21: invalid YAML: key 'namespace' appears twice in one mapping",
    ],
  },
  {
    name: "invalid dependency name",
    files: api("port: 8080", "port: 8080\ndependsOn: [1api]"),
    expected: [
      "Invalid configuration (1 problem):",
      "  services/api/service.yaml:3: dependsOn[0]: expected a DNS-1035 label: a lowercase letter, then lowercase letters, digits and '-', at most 63 characters, got '1api'",
    ],
  },
  {
    name: "dependency on itself",
    files: api("port: 8080", "port: 8080\ndependsOn: [api]"),
    expected: [
      "Invalid configuration (1 problem):",
      "  services/api/service.yaml:3: dependsOn[0]: a service cannot depend on itself",
    ],
  },
  {
    name: "unknown visibility",
    files: api("visibility: internal", "visibility: private"),
    expected: [
      "Invalid configuration (1 problem):",
      "  services/api/service.yaml:3: visibility: expected 'public' or 'internal', got 'private'",
    ],
  },
  {
    name: "probe path that injects YAML",
    files: api("readiness: /readyz", 'readiness: "/readyz\\nkind: Secret"'),
    expected: [
      "Invalid configuration (1 problem):",
      "  services/api/service.yaml:6: probes.readiness: expected an HTTP path starting with '/', without spaces or control characters, got '/readyz\\nkind: Secret'",
    ],
  },
  {
    name: "invalid quantity",
    files: api("memory: 128Mi", "memory: lots"),
    expected: [
      "Invalid configuration (1 problem):",
      "  services/api/service.yaml:9: resources.limits.memory: expected a Kubernetes quantity such as '50m', '64Mi' or '1', got 'lots'",
    ],
  },
  {
    name: "limit below request",
    files: api("memory: 128Mi", "memory: 32Mi"),
    expected: [
      "Invalid configuration (1 problem):",
      "  services/api/service.yaml:9: resources.limits.memory: expected at least the request '48Mi', got '32Mi'; Kubernetes rejects a limit below its request",
    ],
  },
  {
    name: "variable Mooring sets",
    files: api("", "", 'env:\n  PORT: "9090"\n'),
    expected: [
      "Invalid configuration (1 problem):",
      "  services/api/service.yaml:11: env.PORT: 'PORT' is set by Mooring from 'port' in service.yaml; remove it here",
    ],
  },
  {
    name: "unquoted fractional variable",
    files: api("", "", "env:\n  RATIO: 1.5\n"),
    expected: [
      "Invalid configuration (1 problem):",
      "  services/api/service.yaml:11: env.RATIO: expected a string or an integer; quote other values, as in '1.5' or 'true', got 1.5",
    ],
  },
  {
    name: "preview URL on another host",
    files: {
      "clusters/preview/environment.yaml": PREVIEW_YAML.replace(
        "url: https://pr-{number}.preview",
        "url: https://pr-{number}.review",
      ),
    },
    environment: "preview",
    pr: "3",
    expected: [
      "Invalid configuration (1 problem):",
      "  clusters/preview/environment.yaml:19: preview.url: expected the host of the Ingress of 'web' ('pr-{number}.preview.example.com'), got 'https://pr-{number}.review.example.com/'",
    ],
  },
  {
    name: "missing value in a template",
    files: {
      "manifests/service/service.yaml.hbs":
        "apiVersion: v1\nkind: Service\n{{> metadata metadata}}\nspec:\n  type: {{yaml servicePort.typ}}\n",
    },
    expected: [
      "Rendering failed (1 problem):",
      "  manifests/service/service.yaml.hbs:5 (services 'api', 'web'): no value for '{{yaml servicePort.typ}}'",
    ],
  },
  {
    name: "misspelt condition in a template",
    files: {
      "manifests/service/service.yaml.hbs":
        "apiVersion: v1\nkind: Service\n{{> metadata metadata}}\n{{#if servicePort.nodPort}}\nspec: {}\n{{/if}}\n",
    },
    expected: [
      "Rendering failed (1 problem):",
      "  manifests/service/service.yaml.hbs:4 (services 'api', 'web'): no value for '{{#if servicePort.nodPort}}'",
    ],
  },
  {
    name: "missing value in a partial",
    files: { "manifests/partials/metadata.hbs": "metadata:\n  name: {{yaml nam}}\n" },
    expected: [
      "Rendering failed (2 problems):",
      "  manifests/partials/metadata.hbs:2: no value for '{{yaml nam}}'",
      "  manifests/partials/metadata.hbs:2 (services 'api', 'web'): no value for '{{yaml nam}}'",
    ],
  },
  {
    name: "template without the yaml helper",
    files: {
      "manifests/service/service.yaml.hbs":
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{metadata.name}}\n",
    },
    expected: [
      "Rendering failed (1 problem):",
      "  manifests/service/service.yaml.hbs:4: '{{metadata.name}}' writes a value without the 'yaml' helper; write '{{yaml \u2026}}' so that the value is quoted",
    ],
  },
  {
    name: "image not pinned by digest",
    files: {},
    images: ["web=localhost:5000/mooring/web:latest"],
    expected: [
      "Rendering failed (1 problem):",
      "  images (service 'web'): image 'localhost:5000/mooring/web:latest' is not pinned by digest; expected 'name@sha256:<64 hex digits>'",
    ],
  },
];

const brokenInputs = suite("broken inputs");

for (const input of CASES) {
  brokenInputs(input.name, async () => {
    const root = await createProject(input.files);
    const out = join(root, "out");
    const images = new Map(Object.entries(FIXTURE_IMAGES));
    for (const image of input.images ?? []) {
      const separator = image.indexOf("=");
      images.set(image.slice(0, separator), image.slice(separator + 1));
    }
    const printed: string[] = [];
    const options = {
      env: input.environment ?? "local",
      pr: input.pr,
      out,
      image: [...images].map(([service, reference]) => `${service}=${reference}`),
    };
    try {
      await renderCommand(root, options, (line) => printed.push(line));
      assert.unreachable("expected mooring render to fail");
    } catch (error) {
      assert.ok(error instanceof ConfigError || error instanceof RenderError, String(error));
      assert.is((error as Error).message, input.expected.join("\n"));
    }
    assert.equal(printed, []);
    assert.not.ok(existsSync(out), "mooring render wrote its output folder");
  });
}

brokenInputs("table has at least 20 cases", () => {
  assert.ok(CASES.length >= 20, `only ${CASES.length} cases`);
});

brokenInputs.run();
