/** The API version to render each kind in, for one Kubernetes version. */
export interface ApiVersions {
  deployment: string;
  horizontalPodAutoscaler: string;
  ingress: string;
  networkPolicy: string;
  podDisruptionBudget: string;
}

/**
 * When an API version of a kind is served: from minor version `since`, and
 * up to but not including `removedIn`. The removals are those of the
 * Kubernetes deprecated API migration guide, as GKE's pages list them for 1.25
 * and 1.26 (cloud.google.com/kubernetes-engine/docs/deprecations/apis-1-25).
 * The integration test checks the table against the local 1.20 cluster.
 */
const SERVED: { apiVersion: string; kind: string; since: number; removedIn?: number }[] = [
  { apiVersion: "v1", kind: "Namespace", since: 0 },
  { apiVersion: "v1", kind: "Service", since: 0 },
  { apiVersion: "v1", kind: "ConfigMap", since: 0 },
  { apiVersion: "v1", kind: "Secret", since: 0 },
  { apiVersion: "v1", kind: "ServiceAccount", since: 0 },
  { apiVersion: "apps/v1", kind: "Deployment", since: 9 },
  { apiVersion: "autoscaling/v2beta2", kind: "HorizontalPodAutoscaler", since: 12, removedIn: 26 },
  { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", since: 23 },
  { apiVersion: "networking.k8s.io/v1beta1", kind: "Ingress", since: 14, removedIn: 22 },
  { apiVersion: "networking.k8s.io/v1", kind: "Ingress", since: 19 },
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", since: 7 },
  { apiVersion: "policy/v1beta1", kind: "PodDisruptionBudget", since: 5, removedIn: 25 },
  { apiVersion: "policy/v1", kind: "PodDisruptionBudget", since: 21 },
];

/**
 * Chooses the API versions to render for Kubernetes `version` ("1.20"): the
 * GA version where the cluster serves it, else the newest beta it serves.
 */
export function apiVersionsFor(version: string): ApiVersions {
  const minor = minorOf(version);
  return {
    deployment: "apps/v1",
    horizontalPodAutoscaler: minor >= 23 ? "autoscaling/v2" : "autoscaling/v2beta2",
    ingress: "networking.k8s.io/v1",
    networkPolicy: "networking.k8s.io/v1",
    podDisruptionBudget: minor >= 21 ? "policy/v1" : "policy/v1beta1",
  };
}

/**
 * Tells whether Kubernetes `version` serves `kind` in `apiVersion`. Returns
 * undefined for a kind this table does not know, such as a custom resource.
 */
export function isServed(apiVersion: string, kind: string, version: string): boolean | undefined {
  const entries = SERVED.filter((entry) => entry.kind === kind);
  if (entries.length === 0) return undefined;
  const minor = minorOf(version);
  return entries.some(
    (entry) =>
      entry.apiVersion === apiVersion &&
      minor >= entry.since &&
      (entry.removedIn === undefined || minor < entry.removedIn),
  );
}

/** Tells whether Kubernetes `version` enforces Pod Security Standards from namespace labels (beta in 1.23, on by default). */
export function hasPodSecurityAdmission(version: string): boolean {
  return minorOf(version) >= 23;
}

function minorOf(version: string): number {
  const minor = Number(/^1\.([0-9]+)/.exec(version)?.[1]);
  if (Number.isNaN(minor))
    throw new Error(`Invalid Kubernetes version '${version}'; expected one such as '1.20'`);
  return minor;
}
