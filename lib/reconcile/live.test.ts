import { suite } from "uvu";
import * as assert from "uvu/assert";
import { containsFields } from "./live.ts";

const contains = suite("containsFields");

const desired = {
  metadata: { name: "web", labels: { app: "web" } },
  spec: { replicas: 2, ports: [{ port: 80, protocol: "TCP" }] },
};

contains("accepts a live object with extra fields the server added", () => {
  const live = {
    metadata: { name: "web", labels: { app: "web" }, uid: "1", resourceVersion: "7" },
    spec: { replicas: 2, ports: [{ port: 80, protocol: "TCP", targetPort: 80 }], clusterIP: "10.96.0.9" },
    status: {},
  };
  assert.ok(containsFields(live, desired));
});

contains("rejects a changed scalar", () => {
  const live = structuredClone(desired);
  live.spec.replicas = 3;
  assert.not.ok(containsFields(live, desired));
});

contains("rejects a removed field", () => {
  const live = structuredClone(desired) as { metadata: { labels?: unknown } };
  delete live.metadata.labels;
  assert.not.ok(containsFields(live, desired));
});

contains("accepts a missing field for an empty value", () => {
  assert.ok(containsFields({ spec: {} }, { spec: { ingress: [] } }));
  assert.ok(containsFields({ spec: { ingress: null } }, { spec: { ingress: [] } }));
  assert.ok(containsFields({ probe: {} }, { probe: { initialDelaySeconds: 0 } }));
  assert.ok(containsFields({}, { enabled: false }));
});

contains("rejects a missing field for a value", () => {
  assert.not.ok(containsFields({ probe: {} }, { probe: { initialDelaySeconds: 5 } }));
  assert.not.ok(containsFields({ spec: {} }, { spec: { ingress: [{ from: [] }] } }));
});

contains("rejects a list of another length", () => {
  const live = structuredClone(desired);
  live.spec.ports.push({ port: 443, protocol: "TCP" });
  assert.not.ok(containsFields(live, desired));
});

contains("rejects a value of another type", () => {
  assert.not.ok(containsFields({ port: "80" }, { port: 80 }));
  assert.not.ok(containsFields(["a"], { 0: "a" }));
});

contains.run();
