import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { loadProject } from "../config/load.ts";
import { createProject } from "../testing/fixture.ts";
import { describeObject } from "./objects.ts";
import { renderProject, toYamlStream } from "./render.ts";

const renderSuite = suite("renderProject");
const IMAGES = {
  web: "localhost:5000/mooring/web@sha256:1111111111111111111111111111111111111111111111111111111111111111",
  api: "localhost:5000/mooring/api@sha256:2222222222222222222222222222222222222222222222222222222222222222",
};

async function render(files: Record<string, string> = {}) {
  const root = await createProject(files);
  return { root, objects: await renderProject(await loadProject(root, "local"), IMAGES) };
}

renderSuite("orders objects for apply", async () => {
  const { objects } = await render();
  assert.equal(objects.map(describeObject), [
    "Namespace/demo",
    "Service/demo/api",
    "Service/demo/web",
    "Deployment/demo/api",
    "Deployment/demo/web",
  ]);
});

renderSuite("renders the public Service as NodePort", async () => {
  const { objects } = await render();
  const service = objects.find((object) => describeObject(object) === "Service/demo/web");
  assert.equal(service, {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: "web",
      namespace: "demo",
      labels: {
        "app.kubernetes.io/name": "web",
        "app.kubernetes.io/instance": "local",
        "app.kubernetes.io/part-of": "mooring",
        "app.kubernetes.io/managed-by": "mooring",
      },
    },
    spec: {
      type: "NodePort",
      selector: { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "local" },
      ports: [{ name: "http", protocol: "TCP", port: 80, targetPort: "http", nodePort: 30080 }],
    },
  });
});

renderSuite("renders a Deployment pinned by digest", async () => {
  const { objects } = await render();
  const deployment = objects.find((object) => describeObject(object) === "Deployment/demo/api");
  const labels = {
    "app.kubernetes.io/name": "api",
    "app.kubernetes.io/instance": "local",
    "app.kubernetes.io/part-of": "mooring",
    "app.kubernetes.io/managed-by": "mooring",
  };
  assert.equal(deployment, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "api", namespace: "demo", labels },
    spec: {
      replicas: 1,
      progressDeadlineSeconds: 120,
      revisionHistoryLimit: 5,
      selector: { matchLabels: { "app.kubernetes.io/name": "api", "app.kubernetes.io/instance": "local" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: true,
          terminationGracePeriodSeconds: 30,
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532 },
          containers: [
            {
              name: "api",
              image: IMAGES.api,
              imagePullPolicy: "IfNotPresent",
              ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
              env: [
                { name: "PORT", value: "8080" },
                { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
              ],
              readinessProbe: {
                httpGet: { path: "/readyz", port: "http" },
                periodSeconds: 2,
                failureThreshold: 2,
              },
              livenessProbe: {
                httpGet: { path: "/healthz", port: "http" },
                periodSeconds: 10,
                failureThreshold: 3,
              },
              resources: { requests: { cpu: "20m", memory: "48Mi" }, limits: { memory: "128Mi" } },
              securityContext: {
                allowPrivilegeEscalation: false,
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

renderSuite("keeps a hostile value one string", async () => {
  const root = await createProject();
  const project = await loadProject(root, "local");
  const hostile = 'x: y\nkind: Secret\n{{evil}} "quoted"';
  const objects = await renderProject(project, { ...IMAGES, api: hostile });
  const deployment = objects.find((object) => describeObject(object) === "Deployment/demo/api");
  const spec = deployment?.spec as { template: { spec: { containers: { image: string }[] } } };
  assert.is(spec.template.spec.containers[0]?.image, hostile);
  assert.is(objects.length, 5);
});

renderSuite("is byte-identical across runs", async () => {
  const first = await render();
  const second = await renderProject(await loadProject(first.root, "local"), IMAGES);
  assert.is(toYamlStream(second), toYamlStream(first.objects));
});

renderSuite("rejects a value without the yaml helper", async () => {
  const root = await createProject();
  await writeFile(
    join(root, "manifests", "namespace.yaml.hbs"),
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{environment.namespace}}\n",
  );
  try {
    await renderProject(await loadProject(root, "local"), IMAGES);
    assert.unreachable("expected an error");
  } catch (error) {
    assert.is(
      (error as Error).message,
      "Template manifests/namespace.yaml.hbs writes '{{environment.namespace}}' on line 4 without the 'yaml' helper; write '{{yaml …}}' so the value is quoted",
    );
  }
});

renderSuite("names the template of a missing value", async () => {
  const root = await createProject();
  await writeFile(
    join(root, "manifests", "namespace.yaml.hbs"),
    "metadata:\n  name: {{yaml environment.nmespace}}\n",
  );
  try {
    await renderProject(await loadProject(root, "local"), IMAGES);
    assert.unreachable("expected an error");
  } catch (error) {
    assert.is(
      (error as Error).message,
      "Rendering manifests/namespace.yaml.hbs failed: no value for '{{yaml environment.nmespace}}' on line 2",
    );
  }
});

renderSuite("rejects an image missing for a service", async () => {
  const root = await createProject();
  try {
    await renderProject(await loadProject(root, "local"), { web: IMAGES.web });
    assert.unreachable("expected an error");
  } catch (error) {
    assert.is((error as Error).message, "No image given for service 'api'");
  }
});

renderSuite.run();
