import type { z } from "zod";
import { PULL_REQUEST_PLACEHOLDER, quantityValue } from "./fields.ts";

// Checks that span several fields of one file. They run once the file has the
// schema's shape, and report through zod so that each problem gets its line.

/** Variables that the rendered Deployment sets itself, with the setting each comes from. */
export const RESERVED_VARIABLES: Record<string, string> = {
  PORT: "'port' in service.yaml",
  POD_NAME: "the pod's name",
  SHUTDOWN_DELAY_MS: "'shutdown.delaySeconds' in environment.yaml",
  SHUTDOWN_TIMEOUT_MS: "'shutdown.drainSeconds' in environment.yaml",
};

type Context = z.core.$RefinementCtx<unknown>;
type Path = (string | number)[];

interface EnvironmentShape {
  namespace: string;
  services: Record<
    string,
    {
      replicas?: number | undefined;
      autoscaling?: { minReplicas: number; maxReplicas: number } | undefined;
      expose?: { type: string; host?: string; nodePort?: number } | undefined;
      resources?: ResourcesShape | undefined;
      env?: Record<string, string> | undefined;
    }
  >;
  rollout: { maxSurge: number; maxUnavailable: number };
  preview?: { url: string } | undefined;
}

interface ResourcesShape {
  requests?: { cpu?: string | undefined; memory?: string | undefined } | undefined;
  limits?: { cpu?: string | undefined; memory?: string | undefined } | undefined;
}

interface ServiceShape {
  name: string;
  dependsOn: string[];
  resources: ResourcesShape;
  env: Record<string, string>;
}

/** Checks the rules of an environment file that no single field can check. */
export function checkEnvironment(environment: EnvironmentShape, context: Context): void {
  const report = (path: Path, message: string, input?: unknown) =>
    context.addIssue({ code: "custom", path, message, input });

  // 1. Each service: a replica count or an autoscaler, never both.
  const nodePorts = new Map<number, string>();
  for (const [name, placement] of Object.entries(environment.services)) {
    const path = ["services", name];
    if (placement.replicas === undefined && placement.autoscaling === undefined) {
      report([...path, "replicas"], "missing; expected a replica count, or 'autoscaling'");
    }
    if (placement.replicas !== undefined && placement.autoscaling !== undefined) {
      report(
        [...path, "replicas"],
        "expected 'replicas' or 'autoscaling', not both, because the HorizontalPodAutoscaler sets the replica count",
      );
    }
    const autoscaling = placement.autoscaling;
    if (autoscaling !== undefined && autoscaling.minReplicas > autoscaling.maxReplicas) {
      report(
        [...path, "autoscaling", "maxReplicas"],
        `expected at least minReplicas (${autoscaling.minReplicas}), got ${autoscaling.maxReplicas}`,
      );
    }
    const nodePort = placement.expose?.nodePort;
    if (nodePort !== undefined) {
      const other = nodePorts.get(nodePort);
      if (other !== undefined) {
        report(
          [...path, "expose", "nodePort"],
          `node port ${nodePort} is already used by service '${other}'`,
        );
      }
      nodePorts.set(nodePort, name);
    }
    for (const variable of Object.keys(placement.env ?? {})) {
      checkReservedVariable(variable, [...path, "env", variable], report);
    }
    checkResources(placement.resources ?? {}, [...path, "resources"], report);
  }

  // 2. A rolling update must be allowed to make progress.
  if (environment.rollout.maxSurge === 0 && environment.rollout.maxUnavailable === 0) {
    report(
      ["rollout", "maxUnavailable"],
      "expected 'maxSurge' or 'maxUnavailable' above 0, or a rolling update can never replace a pod",
    );
  }

  // 3. `{number}` belongs to preview environments, and they need it.
  checkPlaceholders(environment, report);
}

/** Checks the rules of a service file that no single field can check. */
export function checkService(service: ServiceShape, context: Context): void {
  const report = (path: Path, message: string, input?: unknown) =>
    context.addIssue({ code: "custom", path, message, input });

  const seen = new Set<string>();
  service.dependsOn.forEach((dependency, index) => {
    if (dependency === service.name) report(["dependsOn", index], "a service cannot depend on itself");
    else if (seen.has(dependency)) report(["dependsOn", index], `'${dependency}' is listed twice`);
    seen.add(dependency);
  });
  for (const variable of Object.keys(service.env)) {
    checkReservedVariable(variable, ["env", variable], report);
  }
  checkResources(service.resources, ["resources"], report);
}

/**
 * Checks that each limit is at least its request, as the API server requires.
 * `path` names the resources in messages. Returns nothing; problems go to `report`.
 */
export function checkResources(
  resources: ResourcesShape,
  path: Path,
  report: (path: Path, message: string) => void,
): void {
  for (const resource of ["cpu", "memory"] as const) {
    const request = resources.requests?.[resource];
    const limit = resources.limits?.[resource];
    if (request !== undefined && limit !== undefined && quantityValue(limit) < quantityValue(request)) {
      report(
        [...path, "limits", resource],
        `expected at least the request '${request}', got '${limit}'; Kubernetes rejects a limit below its request`,
      );
    }
  }
}

function checkReservedVariable(name: string, path: Path, report: (path: Path, message: string) => void) {
  const source = RESERVED_VARIABLES[name];
  if (source !== undefined) {
    report(path, `'${name}' is set by Mooring from ${source}; remove it here`);
  }
}

function checkPlaceholders(
  environment: EnvironmentShape,
  report: (path: Path, message: string, input?: unknown) => void,
): void {
  const templated: { path: Path; value: string }[] = [{ path: ["namespace"], value: environment.namespace }];
  for (const [name, placement] of Object.entries(environment.services)) {
    const expose = placement.expose;
    if (expose?.type === "Ingress" && expose.host !== undefined) {
      templated.push({ path: ["services", name, "expose", "host"], value: expose.host });
    }
  }
  if (environment.preview === undefined) {
    for (const { path, value } of templated) {
      if (value.includes(PULL_REQUEST_PLACEHOLDER)) {
        report(
          path,
          `'{number}' is replaced only in a preview environment (one with a 'preview' mapping); got '${value}'`,
        );
      }
    }
    return;
  }

  templated.push({ path: ["preview", "url"], value: environment.preview.url });
  for (const { path, value } of templated) {
    if (!value.includes(PULL_REQUEST_PLACEHOLDER)) {
      report(path, "expected '{number}' in it, so that each pull request gets its own", value);
    } else if (/[{}]/.test(value.replaceAll(PULL_REQUEST_PLACEHOLDER, ""))) {
      report(path, "expected no placeholder other than '{number}'", value);
    }
  }
  for (const [name, placement] of Object.entries(environment.services)) {
    const expose = placement.expose;
    if (expose?.type === "NodePort") {
      report(
        ["services", name, "expose", "type"],
        "expected 'Ingress' or 'ClusterIP': every pull request would need a node port of its own",
      );
    }
    if (expose?.type === "Ingress" && expose.host !== undefined) {
      const urlHost = new URL(environment.preview.url.replaceAll(PULL_REQUEST_PLACEHOLDER, "1")).hostname;
      const ingressHost = expose.host.replaceAll(PULL_REQUEST_PLACEHOLDER, "1");
      if (urlHost !== ingressHost) {
        report(
          ["preview", "url"],
          `expected the host of the Ingress of '${name}' ('${expose.host}'), got '${environment.preview.url}'`,
        );
      }
    }
  }
}
