import { isAbsolute, join } from "node:path";
import {
  ApiException,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
} from "@kubernetes/client-node";
import type { Environment } from "../config/schema.ts";
import { DEFAULT_RETRIES, isRetryable } from "./retry.ts";

/** The API clients Mooring uses against one cluster. */
export interface KubeClients {
  config: KubeConfig;
  objects: KubernetesObjectApi;
  apps: AppsV1Api;
  core: CoreV1Api;
  coordination: CoordinationV1Api;
}

/** The field manager Mooring applies with. */
export const FIELD_MANAGER = "mooring";

/** Connects to the cluster named by the environment's kubeconfig (and context, if set). */
export function connect(root: string, environment: Environment): KubeClients {
  const path = isAbsolute(environment.cluster.kubeconfig)
    ? environment.cluster.kubeconfig
    : join(root, environment.cluster.kubeconfig);
  const config = new KubeConfig();
  try {
    config.loadFromFile(path);
  } catch (error) {
    // Only the first line, because a YAML error goes on with the file's lines
    // around the error, which may contain a token, a password or a key. The
    // cause is left out for the same reason.
    const reason = (error as Error).message.split("\n")[0];
    throw new Error(
      `Cannot read kubeconfig '${path}' (cluster.kubeconfig of environment '${environment.name}'): ${reason}`,
    );
  }
  if (environment.cluster.context !== undefined) {
    config.setCurrentContext(environment.cluster.context);
  }
  return {
    config,
    objects: KubernetesObjectApi.makeApiClient(config),
    apps: config.makeApiClient(AppsV1Api),
    core: config.makeApiClient(CoreV1Api),
    coordination: config.makeApiClient(CoordinationV1Api),
  };
}

/** Tells whether an error from the client is an HTTP 404. */
export function isNotFound(error: unknown): boolean {
  return error instanceof ApiException && error.code === 404;
}

/** Turns a client error into one line: the status and the API server's message. */
export function describeApiError(error: unknown): string {
  if (error instanceof ApiException) {
    const body = typeof error.body === "string" ? safeParse(error.body) : error.body;
    const message = (body as { message?: string } | undefined)?.message;
    return `HTTP ${error.code}${message ? `: ${message}` : ""}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

/**
 * Turns an error that survived every retry into a sentence naming the API
 * server and what to check, or returns it unchanged when it is not a
 * connection, 429 or 5xx error.
 */
export function explainUnreachable(clients: KubeClients, error: unknown): unknown {
  if (!isRetryable(error)) return error;
  const server = clients.config.getCurrentCluster()?.server ?? "unknown";
  const cause = error instanceof ApiException ? `HTTP ${error.code}` : (error as Error).message;
  return new Error(
    `The API server at ${server} did not respond after ${DEFAULT_RETRIES + 1} attempts over about 32 seconds (${cause}); check that the cluster runs ('npm run cluster:check' for the local one) and that the environment's cluster.kubeconfig points at it`,
    { cause: error },
  );
}
