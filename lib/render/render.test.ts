import { suite } from "uvu";
import * as assert from "uvu/assert";
import { loadProject } from "../config/load.ts";
import {
  createProject,
  ENVIRONMENT_YAML,
  FIXTURE_IMAGES,
  PREVIEW_YAML,
  serviceYaml,
} from "../testing/fixture.ts";
import { RenderError } from "./errors.ts";
import { describeObject, type KubeObject } from "./objects.ts";
import { objectFileName, renderProject, toYamlStream } from "./render.ts";

const renderSuite = suite("renderProject");
const PROVENANCE = {
  commit: "0123456789abcdef0123456789abcdef01234567",
  runUrl: "https://github.com/example/mooring/actions/runs/7",
};

async function render(files: Record<string, string | null> = {}, environment = "local") {
  const root = await createProject(files);
  const options = environment === "preview" ? { pullRequest: 42 } : {};
  const project = await loadProject(root, environment, options);
  return { root, project, objects: await renderProject(project, FIXTURE_IMAGES, PROVENANCE) };
}

async function renderError(
  files: Record<string, string | null>,
  images = FIXTURE_IMAGES,
  provenance = {},
): Promise<string> {
  const root = await createProject(files);
  try {
    await renderProject(await loadProject(root, "local"), images, provenance);
  } catch (error) {
    assert.instance(error, RenderError);
    return (error as Error).message;
  }
  return assert.unreachable("expected renderProject to throw") as never;
}

function find(objects: KubeObject[], name: string): KubeObject {
  const object = objects.find((candidate) => describeObject(candidate) === name);
  assert.ok(object, `no ${name} in ${objects.map(describeObject).join(", ")}`);
  return object as KubeObject;
}

const labels = (service: string, version: string) => ({
  "app.kubernetes.io/name": service,
  "app.kubernetes.io/instance": "local",
  "app.kubernetes.io/version": version,
  "app.kubernetes.io/part-of": "mooring",
  "app.kubernetes.io/managed-by": "mooring",
});
const annotations = {
  "mooring.dev/git-commit": PROVENANCE.commit,
  "mooring.dev/workflow-run": PROVENANCE.runUrl,
};
const selector = (service: string) => ({
  "app.kubernetes.io/name": service,
  "app.kubernetes.io/instance": "local",
});

renderSuite("orders objects for apply", async () => {
  const { objects } = await render();
  assert.equal(objects.map(describeObject), [
    "Namespace/demo",
    "NetworkPolicy/demo/api",
    "NetworkPolicy/demo/web",
    "Service/demo/api",
    "Service/demo/web",
    "Deployment/demo/api",
    "Deployment/demo/web",
    "PodDisruptionBudget/demo/web",
  ]);
});

renderSuite("renders the Namespace with provenance", async () => {
  const { objects } = await render();
  assert.equal(find(objects, "Namespace/demo"), {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: "demo",
      labels: {
        "app.kubernetes.io/instance": "local",
        "app.kubernetes.io/part-of": "mooring",
        "app.kubernetes.io/managed-by": "mooring",
        "mooring.dev/environment": "local",
      },
      annotations,
    },
  });
});

renderSuite("renders the public Service as NodePort", async () => {
  const { objects } = await render();
  assert.equal(find(objects, "Service/demo/web"), {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "demo", labels: labels("web", "111111111111"), annotations },
    spec: {
      type: "NodePort",
      selector: selector("web"),
      ports: [{ name: "http", protocol: "TCP", port: 80, targetPort: "http", nodePort: 30080 }],
    },
  });
});

renderSuite("renders a hardened Deployment pinned by digest", async () => {
  const { objects } = await render();
  const apiLabels = labels("api", "222222222222");
  assert.equal(find(objects, "Deployment/demo/api"), {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "api", namespace: "demo", labels: apiLabels, annotations },
    spec: {
      replicas: 1,
      progressDeadlineSeconds: 120,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector("api") },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: apiLabels },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: true,
          terminationGracePeriodSeconds: 20,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            seccompProfile: { type: "RuntimeDefault" },
          },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: selector("api") },
            },
          ],
          containers: [
            {
              name: "api",
              image: FIXTURE_IMAGES.api,
              imagePullPolicy: "IfNotPresent",
              ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
              env: [
                { name: "PORT", value: "8080" },
                { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                { name: "SHUTDOWN_DELAY_MS", value: "3000" },
                { name: "SHUTDOWN_TIMEOUT_MS", value: "10000" },
              ],
              readinessProbe: {
                httpGet: { path: "/readyz", port: "http" },
                initialDelaySeconds: 0,
                periodSeconds: 2,
                timeoutSeconds: 1,
                failureThreshold: 2,
              },
              livenessProbe: {
                httpGet: { path: "/healthz", port: "http" },
                initialDelaySeconds: 0,
                periodSeconds: 10,
                timeoutSeconds: 1,
                failureThreshold: 3,
              },
              lifecycle: {
                preStop: { exec: { command: ["node", "-e", "setTimeout(() => {}, 5000)"] } },
              },
              resources: { requests: { cpu: "20m", memory: "48Mi" }, limits: { memory: "128Mi" } },
              securityContext: {
                allowPrivilegeEscalation: false,
                privileged: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
            },
          ],
        },
      },
    },
  });
});

renderSuite("sizes the grace period from the shutdown settings", async () => {
  const environment = `${ENVIRONMENT_YAML}shutdown:\n  preStopSeconds: 0\n  delaySeconds: 1\n  drainSeconds: 30\n`;
  const { objects } = await render({ "clusters/local/environment.yaml": environment });
  const spec = find(objects, "Deployment/demo/api").spec as {
    template: { spec: { terminationGracePeriodSeconds: number; containers: Record<string, unknown>[] } };
  };
  assert.is(spec.template.spec.terminationGracePeriodSeconds, 33);
  assert.is(spec.template.spec.containers[0]?.lifecycle, undefined);
  assert.equal((spec.template.spec.containers[0]?.env as unknown[] | undefined)?.slice(2), [
    { name: "SHUTDOWN_DELAY_MS", value: "1000" },
    { name: "SHUTDOWN_TIMEOUT_MS", value: "30000" },
  ]);
});

renderSuite("admits only dependents to an internal service", async () => {
  const { objects } = await render();
  assert.equal(find(objects, "NetworkPolicy/demo/api").spec, {
    podSelector: { matchLabels: selector("api") },
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [
          {
            podSelector: {
              matchLabels: { "app.kubernetes.io/instance": "local" },
              matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["web"] }],
            },
          },
        ],
        ports: [{ protocol: "TCP", port: 8080 }],
      },
    ],
  });
  assert.equal((find(objects, "NetworkPolicy/demo/web").spec as { ingress: unknown }).ingress, [
    { ports: [{ protocol: "TCP", port: 8080 }] },
  ]);
});

renderSuite("admits no one to an internal service nobody needs", async () => {
  const { objects } = await render({ "services/web/service.yaml": serviceYaml("web") });
  assert.equal((find(objects, "NetworkPolicy/demo/api").spec as { ingress: unknown }).ingress, []);
});

renderSuite("leaves out disabled policies and budgets", async () => {
  const environment = `${ENVIRONMENT_YAML}networkPolicies:\n  enabled: false\ndisruptionBudget:\n  enabled: false\n`;
  const { objects } = await render({ "clusters/local/environment.yaml": environment });
  assert.equal(
    objects.map((object) => object.kind),
    ["Namespace", "Service", "Service", "Deployment", "Deployment"],
  );
});

renderSuite("hands replicas to an autoscaler", async () => {
  const environment = ENVIRONMENT_YAML.replace(
    "  api:\n    replicas: 1",
    "  api:\n    autoscaling: { minReplicas: 2, maxReplicas: 5 }",
  );
  const { objects } = await render({ "clusters/local/environment.yaml": environment });
  const spec = find(objects, "Deployment/demo/api").spec as Record<string, unknown>;
  assert.not.ok("replicas" in spec);
  assert.equal(find(objects, "HorizontalPodAutoscaler/demo/api"), {
    apiVersion: "autoscaling/v2beta2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "api", namespace: "demo", labels: labels("api", "222222222222"), annotations },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api" },
      minReplicas: 2,
      maxReplicas: 5,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
        },
      ],
    },
  });
  assert.ok(objects.some((object) => describeObject(object) === "PodDisruptionBudget/demo/api"));
});

renderSuite("chooses API versions from the Kubernetes version", async () => {
  const environment = ENVIRONMENT_YAML.replace('"1.20"', '"1.30"').replace(
    "  api:\n    replicas: 1",
    "  api:\n    autoscaling: { minReplicas: 2, maxReplicas: 5 }",
  );
  const { objects } = await render({ "clusters/local/environment.yaml": environment });
  assert.is(find(objects, "PodDisruptionBudget/demo/web").apiVersion, "policy/v1");
  assert.is(find(objects, "HorizontalPodAutoscaler/demo/api").apiVersion, "autoscaling/v2");
  assert.is(
    find(objects, "Namespace/demo").metadata.labels?.["pod-security.kubernetes.io/enforce"],
    "restricted",
  );
});

renderSuite("renders a preview with Ingress", async () => {
  const { objects } = await render({ "clusters/preview/environment.yaml": PREVIEW_YAML }, "preview");
  const namespace = find(objects, "Namespace/pr-42");
  assert.is(namespace.metadata.labels?.["mooring.dev/pull-request"], "42");
  assert.is(namespace.metadata.annotations?.["mooring.dev/time-to-live-hours"], "48");
  assert.is((find(objects, "Service/pr-42/web").spec as { type: string }).type, "ClusterIP");
  assert.equal(find(objects, "Ingress/pr-42/web").spec, {
    rules: [
      {
        host: "pr-42.preview.example.com",
        http: {
          paths: [
            { path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { name: "http" } } } },
          ],
        },
      },
    ],
  });
  assert.not.ok(objects.some((object) => object.kind === "PodDisruptionBudget"));
});

renderSuite("renders Ingress class and TLS", async () => {
  const environment = ENVIRONMENT_YAML.replace(
    "      type: NodePort\n      nodePort: 30080\n      host: 127.0.0.1",
    "      type: Ingress\n      host: shop.example.com\n      path: /shop\n      className: nginx\n      tlsSecretName: shop-tls",
  );
  const { objects } = await render({ "clusters/local/environment.yaml": environment });
  const spec = find(objects, "Ingress/demo/web").spec as Record<string, unknown>;
  assert.is(spec.ingressClassName, "nginx");
  assert.equal(spec.tls, [{ hosts: ["shop.example.com"], secretName: "shop-tls" }]);
  assert.equal(spec.rules, [
    {
      host: "shop.example.com",
      http: {
        paths: [
          {
            path: "/shop",
            pathType: "Prefix",
            backend: { service: { name: "web", port: { name: "http" } } },
          },
        ],
      },
    },
  ]);
});

renderSuite("merges environment overrides", async () => {
  const environment = ENVIRONMENT_YAML.replace(
    "  api:\n    replicas: 1",
    '  api:\n    replicas: 1\n    resources: { limits: { memory: 256Mi, cpu: "1" } }\n    env: { LOG_LEVEL: debug, ZONE: a }',
  );
  const { objects } = await render({
    "clusters/local/environment.yaml": environment,
    "services/api/service.yaml": serviceYaml("api", "env:\n  LOG_LEVEL: info\n  BATCH: 10\n"),
  });
  const container = (
    find(objects, "Deployment/demo/api").spec as {
      template: { spec: { containers: { env: unknown[]; resources: unknown }[] } };
    }
  ).template.spec.containers[0];
  assert.equal(container?.resources, {
    requests: { cpu: "20m", memory: "48Mi" },
    limits: { memory: "256Mi", cpu: "1" },
  });
  assert.equal(container?.env.slice(4), [
    { name: "BATCH", value: "10" },
    { name: "LOG_LEVEL", value: "debug" },
    { name: "ZONE", value: "a" },
  ]);
});

renderSuite("keeps a hostile value one string", async () => {
  const hostile = 'x: y\\nkind: Secret\\n{{evil}} \\"quoted\\" \\u007f';
  const { objects } = await render({
    "services/api/service.yaml": serviceYaml("api", `env:\n  GREETING: "${hostile}"\n`),
  });
  const container = (
    find(objects, "Deployment/demo/api").spec as {
      template: { spec: { containers: { env: { name: string; value?: string }[] }[] } };
    }
  ).template.spec.containers[0];
  assert.equal(container?.env.at(-1), {
    name: "GREETING",
    value: 'x: y\nkind: Secret\n{{evil}} "quoted" \u007f',
  });
  assert.not.ok(objects.some((object) => object.kind === "Secret"));
});

renderSuite("is byte-identical across runs", async () => {
  const first = await render();
  const second = await renderProject(await loadProject(first.root, "local"), FIXTURE_IMAGES, PROVENANCE);
  assert.is(toYamlStream(second), toYamlStream(first.objects));
});

renderSuite("leaves out absent provenance", async () => {
  const root = await createProject();
  const objects = await renderProject(await loadProject(root, "local"), FIXTURE_IMAGES);
  assert.ok(objects.every((object) => object.metadata.annotations === undefined));
});

renderSuite("rejects malformed provenance", async () => {
  const message = await renderError({}, FIXTURE_IMAGES, { commit: "main", runUrl: "ftp://x" });
  assert.is(
    message,
    [
      "Rendering failed (2 problems):",
      "  provenance: invalid commit 'main'; expected 7 to 64 hex digits, optionally with '-dirty'",
      "  provenance: invalid workflow run URL 'ftp://x'; expected an http(s) URL",
    ].join("\n"),
  );
});

renderSuite("rejects missing and unpinned images", async () => {
  const message = await renderError({}, { web: "localhost:5000/mooring/web:latest" });
  assert.is(
    message,
    [
      "Rendering failed (2 problems):",
      "  images (service 'api'): no image given for this service",
      "  images (service 'web'): image 'localhost:5000/mooring/web:latest' is not pinned by digest; expected 'name@sha256:<64 hex digits>'",
    ].join("\n"),
  );
});

renderSuite("rejects an object rendered twice", async () => {
  const copy = "apiVersion: v1\nkind: Namespace\n{{> metadata metadata}}\n";
  const message = await renderError({ "manifests/environment/copy.yaml.hbs": copy });
  assert.is(
    message,
    [
      "Rendering failed (1 problem):",
      "  manifests: Namespace/demo: rendered twice, by manifests/environment/copy.yaml.hbs, manifests/environment/namespace.yaml.hbs",
    ].join("\n"),
  );
});

renderSuite("rejects an API version the target does not serve", async () => {
  const budget =
    "{{#if disruptionBudget}}\napiVersion: policy/v1\nkind: PodDisruptionBudget\n{{> metadata metadata}}\n{{/if}}\n";
  const message = await renderError({ "manifests/service/poddisruptionbudget.yaml.hbs": budget });
  assert.is(
    message,
    [
      "Rendering failed (1 problem):",
      "  manifests/service/poddisruptionbudget.yaml.hbs (service 'web'): PodDisruptionBudget/demo/web: Kubernetes 1.20 does not serve PodDisruptionBudget in 'policy/v1'",
    ].join("\n"),
  );
});

renderSuite("rejects a template that produces invalid YAML", async () => {
  const broken = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: [{{yaml metadata.name}}\n";
  const message = await renderError({ "manifests/environment/namespace.yaml.hbs": broken });
  assert.match(
    message,
    /^Rendering failed \(1 problem\):\n {2}manifests\/environment\/namespace\.yaml\.hbs: produced invalid YAML: /,
  );
});

renderSuite("rejects an empty manifests folder", async () => {
  const message = await renderError({
    "manifests/environment/namespace.yaml.hbs": "{{#if environment.preview}}x: 1{{/if}}\n",
    "manifests/service/service.yaml.hbs": "",
    "manifests/service/deployment.yaml.hbs": "",
    "manifests/service/networkpolicy.yaml.hbs": "",
    "manifests/service/poddisruptionbudget.yaml.hbs": "",
  });
  assert.is(message, "Rendering failed (1 problem):\n  manifests: the templates rendered no objects");
});

const objectFileNameSuite = suite("objectFileName");

objectFileNameSuite("numbers files in apply order", () => {
  const object = { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "demo" } };
  assert.is(objectFileName(object, 0), "01-service-web.yaml");
  assert.is(objectFileName(object, 11), "12-service-web.yaml");
});

renderSuite.run();
objectFileNameSuite.run();
