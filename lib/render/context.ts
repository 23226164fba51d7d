import { mergeResources, type Project } from "../config/load.ts";
import { environmentSchema, type ServiceSettings, serviceSchema } from "../config/schema.ts";
import { fillAbsentWithNull } from "../config/schema-walk.ts";
import { type ApiVersions, apiVersionsFor, hasPodSecurityAdmission } from "./capabilities.ts";

// The contexts the templates in manifests/ are rendered with. Every key a
// template may read is present. A setting that is left out is null, never
// undefined, so that the strict block helpers can tell it from a typo.
// `environment` and `service` are the loaded files, filled in the same way.

/** The `app.kubernetes.io/managed-by` value on every rendered object. */
export const MANAGED_BY = "mooring";

/** Probe timings when a service file gives only the path. */
const PROBE_DEFAULTS = {
  readiness: { periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 2, initialDelaySeconds: 0 },
  liveness: { periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3, initialDelaySeconds: 0 },
};

/** Seconds the grace period leaves after preStop, delay and drain for the process to exit. */
const EXIT_MARGIN_SECONDS = 2;

/** The port a Service listens on; it forwards to the container's named port `http`. */
const SERVICE_PORT = 80;

/** Object metadata as the `metadata` partial writes it. */
interface Metadata {
  name: string;
  namespace: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string> | null;
}

/** Builds the context of the templates rendered once per environment. */
export function environmentContext(
  project: Project,
  annotations: Record<string, string>,
): Record<string, unknown> {
  const { environment } = project;
  const labels: Record<string, string> = {
    "app.kubernetes.io/instance": environment.name,
    "app.kubernetes.io/part-of": environment.partOf,
    "app.kubernetes.io/managed-by": MANAGED_BY,
    "mooring.dev/environment": environment.name,
  };
  const namespaceAnnotations = { ...annotations };
  if (project.pullRequest !== undefined && environment.preview !== undefined) {
    labels["mooring.dev/pull-request"] = String(project.pullRequest);
    namespaceAnnotations["mooring.dev/time-to-live-hours"] = String(environment.preview.timeToLiveHours);
  }
  if (hasPodSecurityAdmission(environment.kubernetesVersion)) {
    // Every pod Mooring renders meets the restricted Pod Security Standard.
    labels["pod-security.kubernetes.io/enforce"] = "restricted";
  }
  const metadata: Metadata = {
    name: environment.namespace,
    namespace: null,
    labels,
    annotations: Object.keys(namespaceAnnotations).length > 0 ? namespaceAnnotations : null,
  };
  return {
    environment: fillAbsentWithNull(environmentSchema, environment),
    apiVersions: apiVersionsFor(environment.kubernetesVersion),
    metadata,
  };
}

/**
 * Builds the context of the templates rendered once per service. `image` must
 * be pinned by digest; `version` is the label value derived from it.
 */
export function serviceContext(
  project: Project,
  service: ServiceSettings,
  image: { reference: string; version: string },
  annotations: Record<string, string>,
): Record<string, unknown> {
  const { environment } = project;
  const placement = environment.services[service.name] ?? {};
  const apiVersions: ApiVersions = apiVersionsFor(environment.kubernetesVersion);
  const selector = { "app.kubernetes.io/name": service.name, "app.kubernetes.io/instance": environment.name };
  const labels = {
    ...selector,
    "app.kubernetes.io/version": image.version,
    "app.kubernetes.io/part-of": environment.partOf,
    "app.kubernetes.io/managed-by": MANAGED_BY,
  };
  const metadata: Metadata = {
    name: service.name,
    namespace: environment.namespace,
    labels,
    annotations: Object.keys(annotations).length > 0 ? annotations : null,
  };
  const autoscaling = placement.autoscaling ?? null;
  const minimumReplicas = autoscaling?.minReplicas ?? placement.replicas ?? 1;
  const expose = placement.expose;

  return {
    environment: fillAbsentWithNull(environmentSchema, environment),
    service: fillAbsentWithNull(serviceSchema, service),
    apiVersions,
    metadata,
    selector,
    // The pod template carries no provenance annotations: a new commit alone must not restart pods.
    podLabels: labels,
    replicas: autoscaling === null ? (placement.replicas ?? 1) : null,
    autoscaling,
    rollout: environment.rollout,
    disruptionBudget:
      environment.disruptionBudget.enabled && minimumReplicas >= 2
        ? { maxUnavailable: environment.disruptionBudget.maxUnavailable }
        : null,
    networkPolicy: environment.networkPolicies.enabled
      ? { ingress: networkPolicyIngress(project, service) }
      : null,
    servicePort: {
      type: expose?.type === "NodePort" ? "NodePort" : "ClusterIP",
      port: SERVICE_PORT,
      nodePort: expose?.type === "NodePort" ? expose.nodePort : null,
    },
    ingress:
      expose?.type === "Ingress"
        ? {
            host: expose.host,
            path: expose.path,
            className: expose.className ?? null,
            tlsSecretName: expose.tlsSecretName ?? null,
          }
        : null,
    pod: podSettings(project),
    container: {
      name: service.name,
      image: image.reference,
      port: service.port,
      env: containerEnvironment(project, service),
      resources: mergeResources(service.resources, placement.resources),
      readinessProbe: { ...PROBE_DEFAULTS.readiness, ...service.probes.readiness },
      livenessProbe: { ...PROBE_DEFAULTS.liveness, ...service.probes.liveness },
    },
  };
}

// Pod-level settings: the grace period covers the preStop pause, the
// service's own delay and its drain, so that Kubernetes never kills a pod that
// is still finishing requests.
function podSettings(project: Project): Record<string, unknown> {
  const { shutdown, security } = project.environment;
  const preStopCommand =
    shutdown.preStopSeconds === 0
      ? null
      : // The images hold only node (no shell, no sleep), and Kubernetes 1.20 has no sleep action.
        ["node", "-e", `setTimeout(() => {}, ${shutdown.preStopSeconds * 1000})`];
  return {
    terminationGracePeriodSeconds:
      shutdown.preStopSeconds + shutdown.delaySeconds + shutdown.drainSeconds + EXIT_MARGIN_SECONDS,
    preStopCommand,
    runAsUser: security.runAsUser,
    runAsGroup: security.runAsGroup,
  };
}

// The container's variables: those Mooring sets, then the service's own and
// the environment's overrides, sorted by name.
function containerEnvironment(project: Project, service: ServiceSettings): Record<string, unknown>[] {
  const { shutdown } = project.environment;
  const own = { ...service.env, ...(project.environment.services[service.name]?.env ?? {}) };
  return [
    { name: "PORT", value: String(service.port) },
    { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "SHUTDOWN_DELAY_MS", value: String(shutdown.delaySeconds * 1000) },
    { name: "SHUTDOWN_TIMEOUT_MS", value: String(shutdown.drainSeconds * 1000) },
    ...Object.keys(own)
      .sort()
      .map((name) => ({ name, value: own[name] })),
  ];
}

// Builds the ingress rules of a service's NetworkPolicy. A public service
// admits any source, an internal one only the pods of the services that list
// it in `dependsOn`, and both only on the service's port. An internal service
// that no service depends on admits no traffic.
function networkPolicyIngress(project: Project, service: ServiceSettings): Record<string, unknown>[] {
  const ports = [{ protocol: "TCP", port: service.port }];
  if (service.visibility === "public") return [{ ports }];
  const clients = project.services
    .filter((other) => other.dependsOn.includes(service.name))
    .map((other) => other.name)
    .sort();
  if (clients.length === 0) return [];
  return [
    {
      from: [
        {
          podSelector: {
            matchLabels: { "app.kubernetes.io/instance": project.environment.name },
            matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: clients }],
          },
        },
      ],
      ports,
    },
  ];
}
