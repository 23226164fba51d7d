/** A Kubernetes object as plain data. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

// Apply order: what others depend on comes first.
const KIND_ORDER = [
  "Namespace",
  "CustomResourceDefinition",
  "ServiceAccount",
  "Role",
  "RoleBinding",
  "ConfigMap",
  "Secret",
  "NetworkPolicy",
  "Service",
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "Ingress",
  "HorizontalPodAutoscaler",
  "PodDisruptionBudget",
];

/** Sorts objects into apply order: by kind, then namespace, then name. */
export function sortObjects(objects: KubeObject[]): KubeObject[] {
  const rank = (kind: string) => {
    const index = KIND_ORDER.indexOf(kind);
    return index === -1 ? KIND_ORDER.length : index;
  };
  return [...objects].sort(
    (a, b) =>
      rank(a.kind) - rank(b.kind) ||
      a.kind.localeCompare(b.kind) ||
      (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") ||
      a.metadata.name.localeCompare(b.metadata.name),
  );
}

/** Names an object as `Kind/namespace/name`, or `Kind/name` when cluster-scoped. */
export function describeObject(object: KubeObject): string {
  const namespace = object.metadata.namespace;
  return namespace === undefined
    ? `${object.kind}/${object.metadata.name}`
    : `${object.kind}/${namespace}/${object.metadata.name}`;
}
