import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import {
  dnsLabel,
  dnsLabelTemplate,
  environmentVariables,
  hostTemplate,
  httpPath,
  integerBetween,
  isDnsSubdomain,
  isImageReference,
  isRepositoryPrefix,
  quantity,
  resourceOverrides,
  serviceName,
} from "./fields.ts";
import { checkEnvironment, checkService } from "./rules.ts";

/** The oldest Kubernetes minor version Mooring renders for: pods use `seccompProfile` and Ingress `networking.k8s.io/v1`, both GA in 1.19. */
export const OLDEST_KUBERNETES_MINOR = 19;

const kubernetesVersion = z
  .string({
    error: (issue) =>
      typeof issue.input === "number"
        ? 'expected a quoted minor version such as "1.20" (unquoted, YAML reads 1.20 as the number 1.2)'
        : 'expected a minor version such as "1.20"',
  })
  .regex(/^1\.[0-9]+$/, { error: 'expected a minor version such as "1.20"' })
  .refine((value) => Number(value.split(".")[1]) >= OLDEST_KUBERNETES_MINOR, {
    error: `expected Kubernetes 1.${OLDEST_KUBERNETES_MINOR} or newer, because pods use securityContext.seccompProfile and Ingress uses networking.k8s.io/v1`,
  });

const cluster = z
  .strictObject({
    /** Path of the kubeconfig: relative to the project root, absolute, or under `~/`. */
    kubeconfig: z.string({ error: "expected a path" }).min(1, { error: "expected a path" }).optional(),
    /** Context in the kubeconfig; its current context when left out. */
    context: z
      .string({ error: "expected a context name" })
      .min(1, { error: "expected a context name" })
      .optional(),
  })
  .refine((value) => value.kubeconfig !== undefined || value.context !== undefined, {
    error:
      "expected 'kubeconfig', 'context' or both, so that a deploy never goes to whatever cluster the default kubeconfig points at",
  })
  .transform((value) => ({ ...value, kubeconfig: resolveKubeconfig(value.kubeconfig) }));

const BASE_EXPECTED = "expected an image reference such as 'docker.io/library/node:24-slim', or 'local-node'";

const images = z.strictObject({
  /** Repository prefix the images are pushed to and pulled from, such as `localhost:5000/mooring`. */
  registry: z.string({ error: "expected a string" }).refine(isRepositoryPrefix, {
    error: "expected a registry and path such as 'localhost:5000/mooring'",
  }),
  /** `local-node` builds a base image from this machine's node binary; anything else is an image reference. */
  base: z
    .string({ error: BASE_EXPECTED })
    .refine((value) => value === "local-node" || isImageReference(value), { error: BASE_EXPECTED }),
  /** Talk plain HTTP to the registry, for one on loopback without TLS. */
  insecure: z.boolean({ error: "expected true or false" }).default(false),
});

const expose = z.discriminatedUnion(
  "type",
  [
    z.strictObject({
      type: z.literal("NodePort"),
      nodePort: integerBetween(30000, 32767),
      /** Host name or address under which the node's port is reached, for the printed URL. */
      host: z.string({ error: "expected a host name or IPv4 address" }).refine(isDnsSubdomain, {
        error: "expected a host name or IPv4 address",
      }),
    }),
    z.strictObject({
      type: z.literal("Ingress"),
      host: hostTemplate,
      path: httpPath.default("/"),
      /** The IngressClass; the cluster's default class when left out. */
      className: dnsLabel.optional(),
      /** Secret with the TLS certificate for `host`; the URL is https when set. */
      tlsSecretName: dnsLabel.optional(),
    }),
    z.strictObject({ type: z.literal("ClusterIP") }),
  ],
  { error: "expected one of 'NodePort', 'Ingress', 'ClusterIP'" },
);

const placement = z.strictObject({
  replicas: integerBetween(0, 100, "replicas").optional(),
  /** A HorizontalPodAutoscaler owns the replica count; excludes `replicas`. */
  autoscaling: z
    .strictObject({
      minReplicas: integerBetween(1, 100, "replicas"),
      maxReplicas: integerBetween(1, 100, "replicas"),
      targetCPUUtilizationPercentage: integerBetween(1, 100, "percent").default(80),
    })
    .optional(),
  expose: expose.optional(),
  /** Merged over the service's own `resources`. */
  resources: resourceOverrides.optional(),
  /** Merged over the service's own `env`. */
  env: environmentVariables.optional(),
});

const rollout = z.strictObject({
  /** Time a deploy waits for every Deployment to roll out. */
  timeoutSeconds: integerBetween(10, 3600, "seconds").default(300),
  /** The Deployments' `progressDeadlineSeconds`: a rollout making no progress this long fails. */
  progressDeadlineSeconds: integerBetween(10, 3600, "seconds").default(120),
  /** Re-apply the last good revision when a deploy's rollout fails (the deploy still fails). */
  autoRollback: z.boolean({ error: "expected true or false" }).default(false),
  /** Pods a rolling update may add above the replica count. */
  maxSurge: integerBetween(0, 100, "pods").default(1),
  /** Pods a rolling update may take away below the replica count; 0 keeps full capacity. */
  maxUnavailable: integerBetween(0, 100, "pods").default(0),
  /** Old ReplicaSets kept for `kubectl rollout undo`. */
  revisionHistoryLimit: integerBetween(0, 100, "revisions").default(5),
});

const shutdown = z.strictObject({
  /** Pause in the preStop hook before SIGTERM, while endpoints drop the pod; 0 renders no hook. */
  preStopSeconds: integerBetween(0, 300, "seconds").default(5),
  /** The service's `SHUTDOWN_DELAY_MS`: time it keeps serving after SIGTERM with /readyz failing. */
  delaySeconds: integerBetween(0, 300, "seconds").default(3),
  /** The service's `SHUTDOWN_TIMEOUT_MS`: maximum time for in-flight requests once it stops accepting. */
  drainSeconds: integerBetween(1, 600, "seconds").default(10),
});

const security = z.strictObject({
  /** User the containers run as; must not be 0. */
  runAsUser: integerBetween(1, 2147483647).default(65532),
  runAsGroup: integerBetween(1, 2147483647).default(65532),
});

const preview = z.strictObject({
  /** Hours after its last deploy that a preview environment may be deleted, even with its pull request open. */
  timeToLiveHours: integerBetween(1, 8760, "hours"),
  /** The URL the pull request comment shows, with `{number}` for the pull request number. */
  url: z
    .string({ error: "expected an http(s) URL" })
    .refine((value) => /^https?:\/\/[^/\s]+(\/\S*)?$/.test(value) && URL.canParse(value), {
      error: "expected an http(s) URL such as 'https://pr-{number}.preview.example.com/'",
    }),
});

/** One environment: `clusters/<name>/environment.yaml`. */
export const environmentSchema = z
  .strictObject({
    name: dnsLabel,
    /** May contain `{number}` in a preview environment. */
    namespace: dnsLabelTemplate,
    kubernetesVersion,
    /** The `app.kubernetes.io/part-of` label: the system the services make up. */
    partOf: dnsLabel.default("mooring"),
    cluster,
    images,
    services: z.record(serviceName, placement, { error: "expected a mapping of service names" }),
    rollout: rollout.default(rollout.parse({})),
    shutdown: shutdown.default(shutdown.parse({})),
    security: security.default(security.parse({})),
    disruptionBudget: z
      .strictObject({
        /** A PodDisruptionBudget for each service with 2 or more replicas. */
        enabled: z.boolean({ error: "expected true or false" }).default(true),
        maxUnavailable: integerBetween(1, 100, "pods").default(1),
      })
      .default({ enabled: true, maxUnavailable: 1 }),
    networkPolicies: z
      .strictObject({
        /** A NetworkPolicy per service that admits only the services that depend on it. */
        enabled: z.boolean({ error: "expected true or false" }).default(true),
      })
      .default({ enabled: true }),
    prune: z
      .strictObject({
        /** Largest share of the inventory one deploy may delete without `--allow-mass-prune`. */
        maxShare: z
          .number({ error: "expected a number from 0 to 1" })
          .min(0, { error: "expected a number from 0 to 1" })
          .max(1, { error: "expected a number from 0 to 1" })
          .default(0.5),
      })
      .default({ maxShare: 0.5 }),
    lock: z
      .strictObject({
        /** Time a deploy waits for another deploy of the same environment to finish. */
        timeoutSeconds: integerBetween(1, 7200, "seconds").default(600),
      })
      .default({ timeoutSeconds: 600 }),
    /** Makes this environment a template for pull requests; see preview.ts. */
    preview: preview.optional(),
  })
  .superRefine(checkEnvironment);

const probe = z
  .union(
    [
      httpPath,
      z.strictObject({
        path: httpPath,
        periodSeconds: integerBetween(1, 300, "seconds").optional(),
        timeoutSeconds: integerBetween(1, 300, "seconds").optional(),
        failureThreshold: integerBetween(1, 100).optional(),
        initialDelaySeconds: integerBetween(0, 3600, "seconds").optional(),
      }),
    ],
    { error: "expected an HTTP path such as '/healthz', or a mapping with 'path' and probe timings" },
  )
  .transform((value) => (typeof value === "string" ? { path: value } : value));

/** A service's own settings: `services/<name>/service.yaml`. */
export const serviceSchema = z
  .strictObject({
    name: serviceName,
    port: integerBetween(1, 65535),
    visibility: z.enum(["public", "internal"], { error: "expected 'public' or 'internal'" }),
    probes: z.strictObject({ liveness: probe, readiness: probe }),
    resources: z.strictObject({
      requests: z.strictObject({ cpu: quantity, memory: quantity }),
      limits: z.strictObject({ cpu: quantity.optional(), memory: quantity }),
    }),
    dependsOn: z.array(serviceName, { error: "expected a list of service names" }).default([]),
    env: environmentVariables.default({}),
  })
  .superRefine(checkService);

/** A loaded environment. `cluster.kubeconfig` is resolved to a path. */
export type Environment = z.infer<typeof environmentSchema>;
/** A service's settings, with probes in their mapping form. */
export type ServiceSettings = z.infer<typeof serviceSchema>;
/** Exposure of a public service in one environment: NodePort, Ingress or ClusterIP. */
export type Expose = z.infer<typeof expose>;
/** One service's settings in one environment. */
export type Placement = z.infer<typeof placement>;

// The kubeconfig to use: the given path with `~/` expanded, else the first
// file in $KUBECONFIG, else ~/.kube/config. A relative path stays relative to
// the project root.
function resolveKubeconfig(path: string | undefined): string {
  if (path === undefined) {
    // NOTE: kubectl merges every file in $KUBECONFIG; Mooring reads only the first.
    const fromVariable = process.env.KUBECONFIG?.split(":").find((entry) => entry !== "");
    return fromVariable ?? join(homedir(), ".kube", "config");
  }
  if (path === "~" || path.startsWith("~/")) return join(homedir(), path.slice(1));
  return path;
}
