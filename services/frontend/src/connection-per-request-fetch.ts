import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import type { Fetch } from "./backends.ts";

/**
 * Sends each backend request on a new connection. A Kubernetes Service
 * spreads connections, not requests, across its pods, so the keep-alive
 * pool of the global `fetch` would pin each frontend pod to one backend pod.
 * Errors carry the socket error as `cause`, as the global `fetch` does.
 */
export const connectionPerRequestFetch: Fetch = (url, init) =>
  new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const outgoing = send(
      url,
      { method: "GET", headers: init.headers, agent: false, signal: init.signal },
      (incoming) => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(incoming.headers)) {
          if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
        }
        const body = Readable.toWeb(incoming) as ReadableStream<Uint8Array>;
        resolve(new Response(body, { status: incoming.statusCode ?? 502, headers }));
      },
    );
    outgoing.on("error", (error) => reject(new TypeError("fetch failed", { cause: error })));
    outgoing.end();
  });
