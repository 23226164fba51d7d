import { describeObject, type KubeObject } from "./objects.ts";

const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "CustomResourceDefinition",
  "ClusterRole",
  "ClusterRoleBinding",
]);

/**
 * Checks rendered objects: apiVersion and kind present, names valid as
 * DNS-1123, every namespaced object in `namespace`, every port with a
 * protocol, and no object twice. Returns one message per problem.
 */
export function checkObjects(objects: unknown[], namespace: string, source: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  objects.forEach((value, index) => {
    const where = `${source}, object ${index + 1}`;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      problems.push(`${where}: expected a mapping, got ${JSON.stringify(value)}`);
      return;
    }
    const object = value as Partial<KubeObject>;
    if (typeof object.apiVersion !== "string" || object.apiVersion === "") {
      problems.push(`${where}: missing 'apiVersion'`);
    }
    if (typeof object.kind !== "string" || object.kind === "") {
      problems.push(`${where}: missing 'kind'`);
      return;
    }
    const name = object.metadata?.name;
    if (typeof name !== "string" || name.length > 253 || !DNS_1123_SUBDOMAIN.test(name)) {
      problems.push(`${where} (${object.kind}): invalid metadata.name '${name}': expected a DNS-1123 name`);
      return;
    }
    const full = object as KubeObject;
    if (CLUSTER_SCOPED.has(full.kind)) {
      if (full.metadata.namespace !== undefined) {
        problems.push(
          `${describeObject(full)}: a ${full.kind} is cluster-scoped and takes no metadata.namespace`,
        );
      }
    } else if (full.metadata.namespace !== namespace) {
      problems.push(
        `${describeObject(full)}: metadata.namespace is '${full.metadata.namespace}'; expected '${namespace}'`,
      );
    }
    const key = `${full.apiVersion.split("/")[0]}/${describeObject(full)}`;
    if (seen.has(key)) problems.push(`${describeObject(full)}: rendered twice`);
    seen.add(key);
    for (const path of portsWithoutProtocol(full)) {
      problems.push(`${describeObject(full)}: ${path} has no 'protocol'; expected TCP, UDP or SCTP`);
    }
  });
  return problems;
}

// Paths of Service ports and container ports that lack `protocol`, which
// server-side apply on Kubernetes 1.20 rejects.
function portsWithoutProtocol(object: KubeObject): string[] {
  const paths: string[] = [];
  const spec = object.spec as Record<string, unknown> | undefined;
  const servicePorts = object.kind === "Service" ? asArray(spec?.ports) : [];
  servicePorts.forEach((port, index) => {
    if (port.protocol === undefined) paths.push(`spec.ports[${index}]`);
  });
  const template = spec?.template as { spec?: { containers?: unknown } } | undefined;
  asArray(template?.spec?.containers).forEach((container, containerIndex) => {
    asArray(container.ports).forEach((port, index) => {
      if (port.protocol === undefined) {
        paths.push(`spec.template.spec.containers[${containerIndex}].ports[${index}]`);
      }
    });
  });
  return paths;
}

function asArray(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
}
