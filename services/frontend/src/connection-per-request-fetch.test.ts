import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { connectionPerRequestFetch } from "./connection-per-request-fetch.ts";

const fetchSuite = suite("connectionPerRequestFetch");

async function listen(server: Server): Promise<URL> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
}

fetchSuite("opens a new connection per request", async () => {
  let connections = 0;
  const server = createServer((request, response) => {
    response.setHeader("x-pod-name", "time-1");
    response.end(JSON.stringify({ accept: request.headers.accept }));
  });
  server.on("connection", () => {
    connections++;
  });
  const url = await listen(server);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await connectionPerRequestFetch(url, {
        signal: new AbortController().signal,
        headers: { accept: "application/json" },
      });
      assert.is(response.status, 200);
      assert.is(response.headers.get("x-pod-name"), "time-1");
      assert.equal(await response.json(), { accept: "application/json" });
    }
    assert.is(connections, 3);
  } finally {
    server.close();
  }
});

fetchSuite("rejects with the socket error as cause", async () => {
  const server = createServer();
  const url = await listen(server);
  server.close();
  try {
    await connectionPerRequestFetch(url, { signal: new AbortController().signal, headers: {} });
    assert.unreachable("expected a rejection");
  } catch (error) {
    assert.instance(error, TypeError);
    assert.is(((error as TypeError).cause as NodeJS.ErrnoException).code, "ECONNREFUSED");
  }
});

fetchSuite("stops when the signal aborts", async () => {
  const server = createServer(() => {});
  const url = await listen(server);
  const controller = new AbortController();
  try {
    const pending = connectionPerRequestFetch(url, { signal: controller.signal, headers: {} });
    setTimeout(() => controller.abort(), 20);
    await pending.then(
      () => assert.unreachable("expected a rejection"),
      (error: TypeError) => assert.is((error.cause as Error).name, "AbortError"),
    );
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

fetchSuite.run();
