// A client that keeps requesting a page and records when each request failed,
// for tests that take parts of the cluster away under load. wrk counts errors
// but does not record when they happened, and this client does.
import { request } from "node:http";

/** One request that did not return the page, or returned a page naming a failed backend. */
export interface PageFailure {
  /** Milliseconds since the load started. */
  atMs: number;
  /** `status 502`, `timeout`, or the socket error's code, such as `ECONNRESET`. */
  reason: string;
}

/** The outcome of a load: request count and failures, in time order. */
export interface PageLoadResult {
  requests: number;
  /** Requests without a 200 response: connection errors, timeouts and other statuses. */
  failed: PageFailure[];
  /** 200 responses whose page showed a backend error (`time-error` or `image-error`). */
  degraded: PageFailure[];
  durationMs: number;
}

/** A running load; `stop` ends it and returns what it saw. */
export interface PageLoad {
  stop(): Promise<PageLoadResult>;
}

const REQUEST_TIMEOUT_MS = 5000;

/** Requests `url` from `connections` loops at once, each sending its next request when the last one ends. */
export function startPageLoad(url: string, connections = 4): PageLoad {
  const started = Date.now();
  const result: PageLoadResult = { requests: 0, failed: [], degraded: [], durationMs: 0 };
  let running = true;

  const requestOnce = () =>
    new Promise<void>((resolve) => {
      const sent = Date.now();
      const record = (list: PageFailure[], reason: string) => list.push({ atMs: sent - started, reason });
      const outgoing = request(url, { agent: false, timeout: REQUEST_TIMEOUT_MS }, (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          body += chunk;
        });
        response.on("end", () => {
          if (response.statusCode !== 200) record(result.failed, `status ${response.statusCode}`);
          else if (/data-testid="(time|image)-error"/.test(body)) record(result.degraded, "backend error");
          resolve();
        });
        response.on("error", (error: NodeJS.ErrnoException) => {
          record(result.failed, error.code ?? error.message);
          resolve();
        });
      });
      outgoing.on("timeout", () =>
        outgoing.destroy(Object.assign(new Error("timeout"), { code: "timeout" })),
      );
      outgoing.on("error", (error: NodeJS.ErrnoException) => {
        record(result.failed, error.code ?? error.message);
        resolve();
      });
      outgoing.end();
      result.requests++;
    });

  const loop = async () => {
    while (running) await requestOnce();
  };
  const loops = Array.from({ length: connections }, loop);

  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      result.durationMs = Date.now() - started;
      const byTime = (a: PageFailure, b: PageFailure) => a.atMs - b.atMs;
      result.failed.sort(byTime);
      result.degraded.sort(byTime);
      return result;
    },
  };
}

/** Milliseconds from the first to the last of `failures`, or 0 when there are none. */
export function failureSpanMs(failures: PageFailure[]): number {
  if (failures.length === 0) return 0;
  return (failures.at(-1)?.atMs ?? 0) - (failures[0]?.atMs ?? 0);
}
