// A counting proxy in front of the API server. It listens with plain HTTP on
// loopback and forwards over TLS with the kubeconfig's client certificate.
// Both kubectl and Mooring can be pointed at it, and it counts every request
// they make by verb and resource.
import { readFile, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Agent, request } from "node:https";
import type { AddressInfo } from "node:net";
import { parse, stringify } from "yaml";

/** The requests counted since the last reset. */
export interface RequestCounts {
  /** GET requests: discovery, get, list and watch. */
  reads: number;
  /** POST, PUT, PATCH and DELETE requests that the server stores. */
  writes: number;
  /** Writes sent with `dryRun=All`, which the server checks but does not store. */
  dryRuns: number;
  /** Requests by verb and resource, such as `list deployments` or `patch (dry run) services`. */
  byResource: Record<string, number>;
}

interface Upstream {
  host: string;
  port: number;
  agent: Agent;
}

/** A running counting proxy; point a client at it with {@link CountingProxy.kubeconfig}. */
export class CountingProxy {
  /** A kubeconfig whose current context is the proxy, with the same context name as the original. */
  readonly kubeconfig: string;
  private counts: RequestCounts = emptyCounts();
  private readonly server: Server;

  private constructor(server: Server, kubeconfig: string) {
    this.server = server;
    this.kubeconfig = kubeconfig;
  }

  /**
   * Starts a proxy on 127.0.0.1 to the API server of `kubeconfig`'s current
   * context, and writes a kubeconfig for it to `proxyKubeconfig`.
   */
  static async start(kubeconfig: string, proxyKubeconfig: string): Promise<CountingProxy> {
    const { upstream, context } = readUpstream(
      parse(await readFile(kubeconfig, "utf8")) as KubeconfigFile,
      kubeconfig,
    );
    let proxy: CountingProxy | undefined;
    const server = createServer((incoming, response) => {
      if (proxy !== undefined) proxy.forward(upstream, incoming, response);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    await writeFile(
      proxyKubeconfig,
      stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          // Plain HTTP on loopback; the client-node library accepts it only with this flag set.
          {
            name: context,
            cluster: { server: `http://127.0.0.1:${port}`, "insecure-skip-tls-verify": true },
          },
        ],
        users: [{ name: context, user: {} }],
        contexts: [{ name: context, context: { cluster: context, user: context } }],
        "current-context": context,
      }),
    );
    proxy = new CountingProxy(server, proxyKubeconfig);
    return proxy;
  }

  /** Returns the counts since the last reset, and starts counting from zero. */
  take(): RequestCounts {
    const counts = this.counts;
    this.counts = emptyCounts();
    return counts;
  }

  /** Stops the proxy, closing open watches. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(upstream: Upstream, incoming: IncomingMessage, response: ServerResponse): void {
    this.count(incoming.method ?? "GET", incoming.url ?? "/");
    const headers = { ...incoming.headers, host: `${upstream.host}:${upstream.port}` };
    delete headers.connection;
    const outgoing = request(
      {
        host: upstream.host,
        port: upstream.port,
        path: incoming.url,
        method: incoming.method,
        headers,
        agent: upstream.agent,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        // A watch's client waits for the headers, which Node.js would otherwise hold back until the first event.
        response.flushHeaders();
        answer.pipe(response);
      },
    );
    outgoing.on("error", (error) => {
      if (!response.headersSent) response.writeHead(502, { "content-type": "text/plain" });
      response.end(`The counting proxy could not reach the API server: ${error.message}\n`);
    });
    // A watch ends when its client goes away.
    response.on("close", () => outgoing.destroy());
    incoming.pipe(outgoing);
  }

  private count(method: string, url: string): void {
    const { verb, resource, dryRun } = classifyRequest(method, url);
    if (method === "GET") this.counts.reads++;
    else if (dryRun) this.counts.dryRuns++;
    else this.counts.writes++;
    const key = `${verb}${dryRun ? " (dry run)" : ""} ${resource}`;
    this.counts.byResource[key] = (this.counts.byResource[key] ?? 0) + 1;
  }
}

/**
 * Names a request as the API server's audit log would: the verb (get, list,
 * watch, create, update, patch, delete, or discovery) and the resource.
 */
export function classifyRequest(
  method: string,
  url: string,
): { verb: string; resource: string; dryRun: boolean } {
  const parsed = new URL(url, "http://proxy");
  const dryRun = parsed.searchParams.get("dryRun") === "All";
  const segments = parsed.pathname.split("/").filter((segment) => segment !== "");
  // After /api/v1 or /apis/GROUP/VERSION come the resource's segments.
  let rest: string[] = [];
  if (segments[0] === "api") rest = segments.slice(2);
  if (segments[0] === "apis") rest = segments.slice(3);
  if (rest[0] === "watch") rest.shift();
  if (rest.length === 0) return { verb: "discovery", resource: parsed.pathname, dryRun };
  const namespaced = rest[0] === "namespaces" && rest.length >= 3;
  const resource = (namespaced ? rest[2] : rest[0]) ?? "";
  const name = namespaced ? rest[3] : rest[1];
  const watch = segments.includes("watch") || ["true", "1"].includes(parsed.searchParams.get("watch") ?? "");
  const verbs: Record<string, string> = { POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" };
  let verb = verbs[method] ?? method;
  if (method === "GET" && watch) verb = "watch";
  else if (method === "GET" && name === undefined) verb = "list";
  else if (method === "GET") verb = "get";
  return { verb, resource, dryRun };
}

function emptyCounts(): RequestCounts {
  return { reads: 0, writes: 0, dryRuns: 0, byResource: {} };
}

interface KubeconfigFile {
  "current-context"?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: { name: string; cluster: { server: string; "certificate-authority-data"?: string } }[];
  users?: { name: string; user: { "client-certificate-data"?: string; "client-key-data"?: string } }[];
}

// The API server's address and a TLS agent with the current context's CA and client certificate.
function readUpstream(file: KubeconfigFile, path: string): { upstream: Upstream; context: string } {
  const contextName = file["current-context"] ?? "";
  const context = file.contexts?.find((entry) => entry.name === contextName)?.context;
  const cluster = file.clusters?.find((entry) => entry.name === context?.cluster)?.cluster;
  const user = file.users?.find((entry) => entry.name === context?.user)?.user;
  const ca = cluster?.["certificate-authority-data"];
  const cert = user?.["client-certificate-data"];
  const key = user?.["client-key-data"];
  if (cluster === undefined || ca === undefined || cert === undefined || key === undefined) {
    throw new Error(
      `Kubeconfig '${path}' has no usable current context '${contextName}'; expected a cluster with certificate-authority-data and a user with client-certificate-data and client-key-data`,
    );
  }
  const server = new URL(cluster.server);
  const decode = (value: string) => Buffer.from(value, "base64");
  return {
    context: contextName,
    upstream: {
      host: server.hostname,
      port: Number(server.port || 443),
      agent: new Agent({ keepAlive: true, ca: decode(ca), cert: decode(cert), key: decode(key) }),
    },
  };
}
