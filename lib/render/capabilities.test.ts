import { suite } from "uvu";
import * as assert from "uvu/assert";
import { apiVersionsFor, hasPodSecurityAdmission, isServed } from "./capabilities.ts";

const apiVersionsForSuite = suite("apiVersionsFor");

apiVersionsForSuite("uses betas on Kubernetes 1.20", () => {
  assert.equal(apiVersionsFor("1.20"), {
    deployment: "apps/v1",
    horizontalPodAutoscaler: "autoscaling/v2beta2",
    ingress: "networking.k8s.io/v1",
    networkPolicy: "networking.k8s.io/v1",
    podDisruptionBudget: "policy/v1beta1",
  });
});

apiVersionsForSuite("switches each kind at its GA version", () => {
  assert.is(apiVersionsFor("1.21").podDisruptionBudget, "policy/v1");
  assert.is(apiVersionsFor("1.22").horizontalPodAutoscaler, "autoscaling/v2beta2");
  assert.is(apiVersionsFor("1.23").horizontalPodAutoscaler, "autoscaling/v2");
});

apiVersionsForSuite("chooses only served versions from 1.19 to 1.35", () => {
  for (let minor = 19; minor <= 35; minor++) {
    const version = `1.${minor}`;
    const versions = apiVersionsFor(version);
    assert.ok(isServed(versions.podDisruptionBudget, "PodDisruptionBudget", version), version);
    assert.ok(isServed(versions.horizontalPodAutoscaler, "HorizontalPodAutoscaler", version), version);
    assert.ok(isServed(versions.ingress, "Ingress", version), version);
    assert.ok(isServed(versions.networkPolicy, "NetworkPolicy", version), version);
  }
});

apiVersionsForSuite("rejects a malformed version", () => {
  assert.throws(() => apiVersionsFor("2.0"), /Invalid Kubernetes version '2.0'/);
});

const isServedSuite = suite("isServed");

isServedSuite("knows removals", () => {
  assert.is(isServed("policy/v1beta1", "PodDisruptionBudget", "1.24"), true);
  assert.is(isServed("policy/v1beta1", "PodDisruptionBudget", "1.25"), false);
  assert.is(isServed("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.26"), false);
  assert.is(isServed("networking.k8s.io/v1beta1", "Ingress", "1.22"), false);
});

isServedSuite("leaves unknown kinds undecided", () => {
  assert.is(isServed("example.com/v1", "Widget", "1.20"), undefined);
});

const podSecuritySuite = suite("hasPodSecurityAdmission");

podSecuritySuite("starts at 1.23", () => {
  assert.not.ok(hasPodSecurityAdmission("1.22"));
  assert.ok(hasPodSecurityAdmission("1.23"));
});

apiVersionsForSuite.run();
isServedSuite.run();
podSecuritySuite.run();
