import { isDnsLabel } from "../config/fields.ts";
import { isServed } from "./capabilities.ts";
import { describeObject, type KubeObject } from "./objects.ts";

const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const IMAGE_BY_DIGEST = /^[^@\s]+@sha256:[0-9a-f]{64}$/;
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "CustomResourceDefinition",
  "ClusterRole",
  "ClusterRoleBinding",
  "IngressClass",
  "PriorityClass",
]);

/** The message of a problem about an object rendered more than once. */
export const DUPLICATE = "rendered twice";

/** Namespace and Kubernetes version that the rendered objects must match. */
export interface CheckTarget {
  /** The namespace every namespaced object must be in. */
  namespace: string;
  /** The Kubernetes minor version ("1.20") whose served API versions the objects must use. */
  kubernetesVersion: string;
}

/** One problem in one rendered object. */
export interface ObjectProblem {
  /** 0-based position of the object in the list that was checked. */
  index: number;
  /** `Kind/namespace/name`, once kind and name are known. */
  object?: string;
  message: string;
}

/**
 * Checks rendered objects and returns every problem found. Each object needs
 * an apiVersion and kind that the target Kubernetes version serves, and a
 * DNS-1123 name (DNS-1035 for a Service). A namespaced object must be in the
 * target namespace. Labels must be valid, values must not be null, every port
 * needs a protocol and every container image a digest. No object may appear twice.
 */
export function checkObjects(objects: unknown[], target: CheckTarget): ObjectProblem[] {
  const problems: ObjectProblem[] = [];
  const seen = new Set<string>();
  objects.forEach((value, index) => {
    const report = (message: string, object?: string) => problems.push({ index, object, message });
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      report(`expected a mapping, got ${JSON.stringify(value)}`);
      return;
    }

    // 1. Identity: apiVersion, kind and name.
    const object = value as Partial<KubeObject>;
    if (typeof object.apiVersion !== "string" || object.apiVersion === "") report("missing 'apiVersion'");
    if (typeof object.kind !== "string" || object.kind === "") {
      report("missing 'kind'");
      return;
    }
    if (typeof object.apiVersion !== "string") return;
    const name = object.metadata?.name;
    if (typeof name !== "string" || name.length > 253 || !DNS_1123_SUBDOMAIN.test(name)) {
      report(`invalid metadata.name '${name}' in a ${object.kind}; expected a DNS-1123 name`);
      return;
    }
    const full = object as KubeObject;
    const described = describeObject(full);
    const reportObject = (message: string) => report(message, described);
    if (full.kind === "Namespace" && !isDnsLabel(name)) {
      reportObject("metadata.name is not a DNS-1123 label (at most 63 characters)");
    }
    if (full.kind === "Service" && (name.length > 63 || !DNS_1035_LABEL.test(name))) {
      reportObject("metadata.name is not a DNS-1035 label: a Service name must start with a letter");
    }
    if (isServed(full.apiVersion, full.kind, target.kubernetesVersion) === false) {
      reportObject(
        `Kubernetes ${target.kubernetesVersion} does not serve ${full.kind} in '${full.apiVersion}'`,
      );
    }

    // 2. Namespace.
    if (CLUSTER_SCOPED.has(full.kind)) {
      if (full.metadata.namespace !== undefined) {
        reportObject(`a ${full.kind} is cluster-scoped and takes no metadata.namespace`);
      }
    } else if (full.metadata.namespace !== target.namespace) {
      reportObject(`metadata.namespace is '${full.metadata.namespace}'; expected '${target.namespace}'`);
    }

    // 3. Duplicates: the same kind and name in the same API group and namespace.
    const key = `${full.apiVersion.split("/")[0]}/${described}`;
    if (seen.has(key)) reportObject(DUPLICATE);
    seen.add(key);

    // 4. Content.
    for (const path of nullPaths(full, "")) reportObject(`${path} is null; leave the field out instead`);
    for (const message of labelProblems(full)) reportObject(message);
    for (const path of portsWithoutProtocol(full)) {
      reportObject(`${path} has no 'protocol'; expected TCP, UDP or SCTP`);
    }
    for (const [path, image] of containerImages(full)) {
      if (!IMAGE_BY_DIGEST.test(image)) {
        reportObject(
          `${path} is '${image}'; expected an image pinned by digest (name@sha256:<64 hex digits>)`,
        );
      }
    }
  });
  return problems;
}

/** Tells whether `value` is valid as a label value: at most 63 characters of letters, digits, '-', '_' and '.', starting and ending alphanumeric. */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_NAME.test(value);
}

function nullPaths(value: unknown, path: string): string[] {
  if (value === null) return [path];
  if (Array.isArray(value)) return value.flatMap((item, index) => nullPaths(item, `${path}[${index}]`));
  if (typeof value === "object") {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) =>
      nullPaths(item, path === "" ? key : `${path}.${key}`),
    );
  }
  return [];
}

// Labels on the object and on its pod template: keys are an optional DNS
// subdomain prefix and a name of at most 63 characters, values at most 63.
function labelProblems(object: KubeObject): string[] {
  const spec = object.spec as { template?: { metadata?: { labels?: unknown } } } | undefined;
  const sets: [string, unknown][] = [
    ["metadata.labels", object.metadata.labels],
    ["spec.template.metadata.labels", spec?.template?.metadata?.labels],
  ];
  const problems: string[] = [];
  for (const [path, labels] of sets) {
    if (labels === undefined) continue;
    if (typeof labels !== "object" || labels === null || Array.isArray(labels)) {
      problems.push(`${path} is not a mapping`);
      continue;
    }
    for (const [key, value] of Object.entries(labels)) {
      const slash = key.lastIndexOf("/");
      const prefix = slash === -1 ? undefined : key.slice(0, slash);
      const name = slash === -1 ? key : key.slice(slash + 1);
      const prefixValid = prefix === undefined || (prefix.length <= 253 && DNS_1123_SUBDOMAIN.test(prefix));
      if (!prefixValid || name === "" || !isLabelValue(name)) {
        problems.push(`${path} has an invalid key '${key}'`);
      } else if (typeof value !== "string" || !isLabelValue(value)) {
        problems.push(
          `${path}.${key} is ${JSON.stringify(value)}; expected a string of at most 63 letters, digits, '-', '_' or '.'`,
        );
      }
    }
  }
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
  for (const [path, container] of containers(object)) {
    asArray(container.ports).forEach((port, index) => {
      if (port.protocol === undefined) paths.push(`${path}.ports[${index}]`);
    });
  }
  return paths;
}

function containerImages(object: KubeObject): [string, string][] {
  return containers(object).map(([path, container]) => [`${path}.image`, String(container.image)]);
}

function containers(object: KubeObject): [string, Record<string, unknown>][] {
  const spec = object.spec as { template?: { spec?: Record<string, unknown> } } | undefined;
  const podSpec = spec?.template?.spec;
  return ["initContainers", "containers"].flatMap((field) =>
    asArray(podSpec?.[field]).map(
      (container, index) =>
        [`spec.template.spec.${field}[${index}]`, container] as [string, Record<string, unknown>],
    ),
  );
}

function asArray(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
}
