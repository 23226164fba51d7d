import { request } from "node:https";
import { ApiException } from "@kubernetes/client-node";
import type { KubeClients } from "./client.ts";
import { withRetry } from "./retry.ts";

/**
 * Sends one JSON request to the API server with the kubeconfig's credentials
 * and returns the parsed body. Errors are ApiExceptions, like the typed
 * clients', so callers can read `code`.
 * NOTE: used for Leases, because the typed client writes MicroTime fields with
 * millisecond precision and Kubernetes 1.20 accepts only microseconds.
 */
export async function sendJson<T>(
  clients: KubeClients,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const cluster = clients.config.getCurrentCluster();
  if (cluster === null) throw new Error("The kubeconfig has no current cluster");
  const url = new URL(path, cluster.server);
  return withRetry(async () => {
    const options = { method, headers: { accept: "application/json", "content-type": "application/json" } };
    await clients.config.applyToHTTPSOptions(options);
    return new Promise<T>((resolve, reject) => {
      const outgoing = request(url, options, (incoming) => {
        let text = "";
        incoming.on("data", (chunk: Buffer) => {
          text += chunk.toString();
        });
        incoming.on("end", () => {
          const status = incoming.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(JSON.parse(text) as T);
          else reject(new ApiException(status, `HTTP ${status} from ${method} ${path}`, text, {}));
        });
      });
      outgoing.on("error", reject);
      outgoing.end(body === undefined ? undefined : JSON.stringify(body));
    });
  });
}

/** Formats a time as Kubernetes MicroTime (RFC 3339 with six fraction digits). */
export function microTime(time: Date): string {
  return time.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
