import { suite } from "uvu";
import * as assert from "uvu/assert";
import { environmentSchema, serviceSchema } from "./schema.ts";
import { fillAbsentWithNull, knownKeysAt } from "./schema-walk.ts";

const knownKeysAtSuite = suite("knownKeysAt");

knownKeysAtSuite("lists the keys of a nested mapping", () => {
  const input = { services: { web: { replicas: 1 } } };
  assert.equal(knownKeysAt(environmentSchema, ["services", "web"], input), [
    "replicas",
    "autoscaling",
    "expose",
    "resources",
    "env",
  ]);
});

knownKeysAtSuite("picks the option a discriminator selects", () => {
  const input = { services: { web: { expose: { type: "Ingress" } } } };
  assert.equal(knownKeysAt(environmentSchema, ["services", "web", "expose"], input), [
    "type",
    "host",
    "path",
    "className",
    "tlsSecretName",
  ]);
});

knownKeysAtSuite("looks through transforms and defaults", () => {
  assert.equal(knownKeysAt(environmentSchema, ["cluster"], {}), ["kubeconfig", "context"]);
  assert.equal(knownKeysAt(environmentSchema, ["rollout"], {}), [
    "timeoutSeconds",
    "progressDeadlineSeconds",
    "autoRollback",
    "maxSurge",
    "maxUnavailable",
    "revisionHistoryLimit",
  ]);
  assert.equal(knownKeysAt(serviceSchema, ["probes", "readiness"], { probes: { readiness: {} } }), [
    "path",
    "periodSeconds",
    "timeoutSeconds",
    "failureThreshold",
    "initialDelaySeconds",
  ]);
});

knownKeysAtSuite("returns undefined where keys are free", () => {
  assert.is(knownKeysAt(environmentSchema, ["services"], {}), undefined);
  assert.is(knownKeysAt(serviceSchema, ["env"], {}), undefined);
});

const fillAbsentWithNullSuite = suite("fillAbsentWithNull");

fillAbsentWithNullSuite("sets absent optional keys to null at any depth", () => {
  const service = serviceSchema.parse({
    name: "api",
    port: 8080,
    visibility: "internal",
    probes: { liveness: "/healthz", readiness: { path: "/readyz", periodSeconds: 5 } },
    resources: { requests: { cpu: "10m", memory: "10Mi" }, limits: { memory: "20Mi" } },
  });
  assert.equal(fillAbsentWithNull(serviceSchema, service), {
    name: "api",
    port: 8080,
    visibility: "internal",
    probes: {
      liveness: {
        path: "/healthz",
        periodSeconds: null,
        timeoutSeconds: null,
        failureThreshold: null,
        initialDelaySeconds: null,
      },
      readiness: {
        path: "/readyz",
        periodSeconds: 5,
        timeoutSeconds: null,
        failureThreshold: null,
        initialDelaySeconds: null,
      },
    },
    resources: { requests: { cpu: "10m", memory: "10Mi" }, limits: { memory: "20Mi", cpu: null } },
    dependsOn: [],
    env: {},
  });
});

knownKeysAtSuite.run();
fillAbsentWithNullSuite.run();
