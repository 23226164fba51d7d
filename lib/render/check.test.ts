import { suite } from "uvu";
import * as assert from "uvu/assert";
import { checkObjects } from "./check.ts";

const checkObjectsSuite = suite("checkObjects");

const service = (name: string, ports: Record<string, unknown>[], namespace = "demo") => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace },
  spec: { ports },
});

checkObjectsSuite("accepts valid objects", () => {
  assert.equal(checkObjects([service("web", [{ port: 80, protocol: "TCP" }])], "demo", "test"), []);
});

checkObjectsSuite("reports a port without protocol", () => {
  assert.equal(checkObjects([service("web", [{ port: 80 }])], "demo", "test"), [
    "Service/demo/web: spec.ports[0] has no 'protocol'; expected TCP, UDP or SCTP",
  ]);
});

checkObjectsSuite("reports a container port without protocol", () => {
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "demo" },
    spec: { template: { spec: { containers: [{ name: "web", ports: [{ containerPort: 8080 }] }] } } },
  };
  assert.equal(checkObjects([deployment], "demo", "test"), [
    "Deployment/demo/web: spec.template.spec.containers[0].ports[0] has no 'protocol'; expected TCP, UDP or SCTP",
  ]);
});

checkObjectsSuite("reports a foreign namespace", () => {
  assert.equal(checkObjects([service("web", [], "other")], "demo", "test"), [
    "Service/other/web: metadata.namespace is 'other'; expected 'demo'",
  ]);
});

checkObjectsSuite("reports an invalid name", () => {
  assert.equal(checkObjects([service("Web_1", [])], "demo", "test"), [
    "test, object 1 (Service): invalid metadata.name 'Web_1': expected a DNS-1123 name",
  ]);
});

checkObjectsSuite("reports a duplicate object", () => {
  assert.equal(checkObjects([service("web", []), service("web", [])], "demo", "test"), [
    "Service/demo/web: rendered twice",
  ]);
});

checkObjectsSuite("reports missing apiVersion and kind", () => {
  assert.equal(checkObjects([{ metadata: { name: "x" } }], "demo", "test"), [
    "test, object 1: missing 'apiVersion'",
    "test, object 1: missing 'kind'",
  ]);
});

checkObjectsSuite.run();
