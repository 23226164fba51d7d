import { z } from "zod";

// A name valid as a Kubernetes DNS-1123 label: namespaces, Services, container names.
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, {
  error: "expected a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters",
});

const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, {
  error: "expected a Kubernetes quantity such as '50m', '64Mi' or '1'",
});

const httpPath = z.string().startsWith("/", { error: "expected an HTTP path starting with '/'" });

const exposeSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("NodePort"),
    nodePort: z.int().min(30000).max(32767),
    /** Host name or address under which the node's port is reached, for the printed URL. */
    host: z.string().min(1),
  }),
  z.strictObject({ type: z.literal("ClusterIP") }),
]);

/** One environment: `clusters/<name>/environment.yaml`. */
export const environmentSchema = z.strictObject({
  name: dnsLabel,
  namespace: dnsLabel,
  kubernetesVersion: z.string().regex(/^1\.[0-9]+$/, { error: "expected a minor version such as '1.20'" }),
  cluster: z.strictObject({
    /** Path of the kubeconfig, relative to the project root unless absolute. */
    kubeconfig: z.string().min(1),
    context: z.string().min(1).optional(),
  }),
  images: z.strictObject({
    /** Repository prefix the images are pushed to and pulled from, such as `localhost:5000/mooring`. */
    registry: z.string().regex(/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/, {
      error: "expected a registry and path such as 'localhost:5000/mooring'",
    }),
    /** `local-node` builds a base image from this machine's node binary; anything else is an image reference. */
    base: z.string().min(1),
    /** Talk plain HTTP to the registry, for one on loopback without TLS. */
    insecure: z.boolean().default(false),
  }),
  services: z.record(
    dnsLabel,
    z.strictObject({
      replicas: z.int().min(0).max(100),
      expose: exposeSchema.optional(),
    }),
  ),
  rollout: z.strictObject({
    /** Time a deploy waits for every Deployment to roll out. */
    timeoutSeconds: z.int().min(10).max(3600),
    /** The Deployments' `progressDeadlineSeconds`: a rollout making no progress this long fails. */
    progressDeadlineSeconds: z.int().min(10).max(3600).default(120),
    /** Re-apply the last good revision when a deploy's rollout fails (the deploy still fails). */
    autoRollback: z.boolean().default(false),
  }),
  prune: z
    .strictObject({
      /** Largest share of the inventory one deploy may delete without `--allow-mass-prune`. */
      maxShare: z.number().min(0).max(1).default(0.5),
    })
    .default({ maxShare: 0.5 }),
  lock: z
    .strictObject({
      /** Time a deploy waits for another deploy of the same environment to finish. */
      timeoutSeconds: z.int().min(1).max(7200).default(600),
    })
    .default({ timeoutSeconds: 600 }),
});

/** A service's own settings: `services/<name>/service.yaml`. */
export const serviceSchema = z.strictObject({
  name: dnsLabel,
  port: z.int().min(1).max(65535),
  visibility: z.enum(["public", "internal"]),
  probes: z.strictObject({ liveness: httpPath, readiness: httpPath }),
  resources: z.strictObject({
    requests: z.strictObject({ cpu: quantity, memory: quantity }),
    limits: z.strictObject({ cpu: quantity.optional(), memory: quantity }),
  }),
  dependsOn: z.array(dnsLabel).default([]),
});

export type Environment = z.infer<typeof environmentSchema>;
export type ServiceSettings = z.infer<typeof serviceSchema>;
