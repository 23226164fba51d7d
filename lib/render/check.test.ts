import { suite } from "uvu";
import * as assert from "uvu/assert";
import { checkObjects, isLabelValue } from "./check.ts";

const checkObjectsSuite = suite("checkObjects");
const TARGET = { namespace: "demo", kubernetesVersion: "1.20" };
const DIGEST = `sha256:${"a".repeat(64)}`;

const service = (name: string, ports: Record<string, unknown>[], namespace = "demo") => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace },
  spec: { ports },
});

const deployment = (container: Record<string, unknown>) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "demo", labels: { "app.kubernetes.io/name": "web" } },
  spec: { template: { metadata: { labels: { app: "web" } }, spec: { containers: [container] } } },
});

const messages = (objects: unknown[], target = TARGET) =>
  checkObjects(objects, target).map(
    (problem) => `${problem.object ?? `#${problem.index}`}: ${problem.message}`,
  );

checkObjectsSuite("accepts valid objects", () => {
  const web = deployment({
    name: "web",
    image: `r/web@${DIGEST}`,
    ports: [{ containerPort: 8080, protocol: "TCP" }],
  });
  assert.equal(messages([service("web", [{ port: 80, protocol: "TCP" }]), web]), []);
});

checkObjectsSuite("reports a port without protocol", () => {
  assert.equal(messages([service("web", [{ port: 80 }])]), [
    "Service/demo/web: spec.ports[0] has no 'protocol'; expected TCP, UDP or SCTP",
  ]);
});

checkObjectsSuite("reports a container port without protocol", () => {
  const web = deployment({ name: "web", image: `r/web@${DIGEST}`, ports: [{ containerPort: 8080 }] });
  assert.equal(messages([web]), [
    "Deployment/demo/web: spec.template.spec.containers[0].ports[0] has no 'protocol'; expected TCP, UDP or SCTP",
  ]);
});

checkObjectsSuite("reports an image without digest", () => {
  assert.equal(messages([deployment({ name: "web", image: "r/web:latest" })]), [
    "Deployment/demo/web: spec.template.spec.containers[0].image is 'r/web:latest'; expected an image pinned by digest (name@sha256:<64 hex digits>)",
  ]);
});

checkObjectsSuite("reports a foreign namespace", () => {
  assert.equal(messages([service("web", [], "other")]), [
    "Service/other/web: metadata.namespace is 'other'; expected 'demo'",
  ]);
});

checkObjectsSuite("reports a namespace on a Namespace", () => {
  const namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: "demo", namespace: "demo" } };
  assert.equal(messages([namespace]), [
    "Namespace/demo/demo: a Namespace is cluster-scoped and takes no metadata.namespace",
  ]);
});

checkObjectsSuite("reports an invalid name", () => {
  assert.equal(messages([service("Web_1", [])]), [
    "#0: invalid metadata.name 'Web_1' in a Service; expected a DNS-1123 name",
  ]);
});

checkObjectsSuite("reports a Service name starting with a digit", () => {
  assert.equal(messages([service("1web", [])]), [
    "Service/demo/1web: metadata.name is not a DNS-1035 label: a Service name must start with a letter",
  ]);
});

checkObjectsSuite("reports a duplicate object", () => {
  assert.equal(messages([service("web", []), service("web", [])]), ["Service/demo/web: rendered twice"]);
});

checkObjectsSuite("reports missing apiVersion and kind", () => {
  assert.equal(messages([{ metadata: { name: "x" } }]), ["#0: missing 'apiVersion'", "#0: missing 'kind'"]);
});

checkObjectsSuite("reports an API version the target does not serve", () => {
  const budget = {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: "web", namespace: "demo" },
    spec: {},
  };
  assert.equal(messages([budget]), [
    "PodDisruptionBudget/demo/web: Kubernetes 1.20 does not serve PodDisruptionBudget in 'policy/v1'",
  ]);
  assert.equal(messages([budget], { namespace: "demo", kubernetesVersion: "1.21" }), []);
});

checkObjectsSuite("reports null values with their path", () => {
  const withNull = { ...service("web", [{ port: 80, protocol: "TCP", nodePort: null }]) };
  assert.equal(messages([withNull]), [
    "Service/demo/web: spec.ports[0].nodePort is null; leave the field out instead",
  ]);
});

checkObjectsSuite("reports invalid labels", () => {
  const labelled = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "demo", labels: { "bad key!": "x", "example.com/ok": "-dash" } },
  };
  assert.equal(messages([labelled]), [
    "Service/demo/web: metadata.labels has an invalid key 'bad key!'",
    "Service/demo/web: metadata.labels.example.com/ok is \"-dash\"; expected a string of at most 63 letters, digits, '-', '_' or '.'",
  ]);
});

const isLabelValueSuite = suite("isLabelValue");

isLabelValueSuite("accepts empty, dotted and 63-character values", () => {
  assert.ok(isLabelValue(""));
  assert.ok(isLabelValue("v1.2.3_rc-1"));
  assert.ok(isLabelValue("a".repeat(63)));
});

isLabelValueSuite("rejects long and badly ended values", () => {
  assert.not.ok(isLabelValue("a".repeat(64)));
  assert.not.ok(isLabelValue("-a"));
  assert.not.ok(isLabelValue("a."));
  assert.not.ok(isLabelValue("sha256:abc"));
});

checkObjectsSuite.run();
isLabelValueSuite.run();
