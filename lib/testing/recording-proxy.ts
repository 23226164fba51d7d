import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** One request that passed through the proxy, and the response it got. */
export interface RecordedExchange {
  method: string;
  /** The path and query. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  responseBody: string;
}

/** A running recording proxy. */
export interface RecordingProxy {
  url: string;
  exchanges: RecordedExchange[];
  close(): Promise<void>;
}

/**
 * Starts an HTTP proxy on 127.0.0.1 and a free port in front of `target`
 * (such as a fake API's URL) that records every request and response. A
 * request whose `Authorization` header is not exactly `authorization` gets
 * 401 `Bad credentials`, as GitHub returns, and is not forwarded.
 */
export async function startRecordingProxy(target: string, authorization: string): Promise<RecordingProxy> {
  const exchanges: RecordedExchange[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const exchange: RecordedExchange = {
      method: request.method ?? "GET",
      url: request.url ?? "/",
      headers: request.headers,
      body: Buffer.concat(chunks).toString(),
      status: 401,
      responseBody: JSON.stringify({ message: "Bad credentials" }),
    };
    exchanges.push(exchange);
    let headers: Record<string, string> = { "content-type": "application/json" };
    if (request.headers.authorization === authorization) {
      const forwarded = await fetch(`${target}${exchange.url}`, {
        method: exchange.method,
        headers: forwardedHeaders(request.headers),
        ...(chunks.length === 0 ? {} : { body: exchange.body }),
      });
      exchange.status = forwarded.status;
      exchange.responseBody = await forwarded.text();
      headers = {};
      forwarded.headers.forEach((value, name) => {
        headers[name] = value;
      });
      // fetch has decoded the body, so its length and encoding no longer apply.
      delete headers["content-length"];
      delete headers["content-encoding"];
      delete headers["transfer-encoding"];
    }
    response.writeHead(exchange.status, headers);
    response.end(exchange.responseBody);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function forwardedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const forwarded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || ["host", "connection", "content-length"].includes(name)) continue;
    forwarded[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return forwarded;
}
