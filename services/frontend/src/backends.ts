import type { Logger } from "../../common/src/index.ts";

/** Signature of the `fetch` calls that the frontend makes. Tests pass a fake. */
export type Fetch = (
  url: URL,
  init: { signal: AbortSignal; headers: Record<string, string> },
) => Promise<Response>;

/** Options for {@link fetchTime} and {@link fetchImage}. */
export interface BackendRequestOptions {
  fetch: Fetch;
  url: URL;
  /** Maximum time in ms for the whole request, including reading the body. */
  timeoutMs: number;
  logger: Logger;
}

/** Outcome of a backend request. On failure, `error` is a sentence for the page that explains why. */
export type BackendResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Time reported by the time service. */
export interface TimeReading {
  time: string;
  epochMs: number;
  pod: string;
}

/** Image returned by the image service. */
export interface ImageReading {
  svg: string;
  pod: string;
}

/**
 * Requests the current time from the time service. The promise never rejects, because failures
 * are logged and returned as results.
 */
export function fetchTime(options: BackendRequestOptions): Promise<BackendResult<TimeReading>> {
  return requestBackend("time", options, "application/json", async (response) => {
    const body = parseJson(await response.text());
    if (!isTimeReading(body)) {
      throw new InvalidResponseError(
        "Expected JSON with the string fields time and pod and the number epochMs.",
      );
    }
    return { time: body.time, epochMs: body.epochMs, pod: body.pod };
  });
}

/**
 * Requests a random SVG image from the image service. The promise never rejects, because failures
 * are logged and returned as results.
 */
export function fetchImage(options: BackendRequestOptions): Promise<BackendResult<ImageReading>> {
  return requestBackend("image", options, "image/svg+xml", async (response) => {
    const contentType = response.headers.get("content-type") ?? "";
    const pod = response.headers.get("x-pod-name");
    const svg = await response.text();
    if (!contentType.startsWith("image/svg+xml") || !svg.trimStart().startsWith("<svg") || !pod) {
      throw new InvalidResponseError(
        "Expected an image/svg+xml body starting with <svg and an x-pod-name header.",
      );
    }
    return { svg, pod };
  });
}

/** A 2xx response whose content the frontend cannot use. */
class InvalidResponseError extends Error {
  override readonly name = "InvalidResponseError";
}

/** Why one attempt failed: `retry` is set for failures that a new connection may avoid. */
type AttemptFailure = { ok: false; message: string; error?: unknown; retry: boolean; timedOut?: true };

/**
 * Requests a backend, trying a second connection when the first one times out
 * or fails to connect. A Service picks a pod per connection, so the second
 * attempt can reach another pod when the first went to a pod that is gone,
 * such as one on a node that lost power before the Service dropped it. The
 * first attempt gets half of `timeoutMs` and the second the rest.
 */
async function requestBackend<T>(
  service: string,
  options: BackendRequestOptions,
  accept: string,
  readBody: (response: Response) => Promise<T>,
): Promise<BackendResult<T>> {
  const { url, timeoutMs, logger } = options;
  const deadline = Date.now() + timeoutMs;
  const first = await attempt(service, options, accept, readBody, Math.ceil(timeoutMs / 2));
  if (first.ok) return first;

  const remainingMs = deadline - Date.now();
  let last = first;
  if (first.retry && remainingMs > 0) {
    logger.info("Backend request retried on a new connection.", {
      backend: service,
      url: url.href,
      reason: first.message,
    });
    const second = await attempt(service, options, accept, readBody, remainingMs);
    if (second.ok) return second;
    last = second;
  }
  // A last attempt that timed out used up the whole budget, so the message names all of it.
  const message = last.timedOut
    ? `The ${service} service did not respond within ${timeoutMs} ms.`
    : last.message;
  return fail(logger, service, url, message, last.error);
}

async function attempt<T>(
  service: string,
  options: BackendRequestOptions,
  accept: string,
  readBody: (response: Response) => Promise<T>,
  timeoutMs: number,
): Promise<{ ok: true; value: T } | AttemptFailure> {
  // Not AbortSignal.timeout(), because Node unrefs its timer, so a process with nothing else
  // pending (such as a test) would exit before the timeout fires.
  const controller = new AbortController();
  const { signal } = controller;
  const timer = setTimeout(
    () => controller.abort(new DOMException("The backend request timed out.", "TimeoutError")),
    timeoutMs,
  );

  try {
    const response = await options.fetch(options.url, { signal, headers: { accept } });
    if (!response.ok) {
      await response.body?.cancel();
      return {
        ok: false,
        message: `The ${service} service responded with status ${response.status}.`,
        retry: false,
      };
    }
    return { ok: true, value: await readBody(response) };
  } catch (error) {
    // The timeout is the only abort, so an aborted signal means the request took too long.
    if (signal.aborted) {
      return {
        ok: false,
        message: `The ${service} service did not respond within ${timeoutMs} ms.`,
        retry: true,
        timedOut: true,
      };
    }
    if (error instanceof InvalidResponseError) {
      return {
        ok: false,
        message: `The ${service} service returned an invalid response. ${error.message}`,
        retry: false,
      };
    }
    const reason = describeNetworkError(error);
    return {
      ok: false,
      message: `The ${service} service could not be reached (${reason}).`,
      error,
      retry: true,
    };
  } finally {
    clearTimeout(timer);
  }
}

function fail(
  logger: Logger,
  service: string,
  url: URL,
  message: string,
  error?: unknown,
): BackendResult<never> {
  logger.warn(`Backend request failed. ${message}`, { backend: service, url: url.href, error });
  return { ok: false, error: message };
}

/** Returns the parsed JSON, or undefined when `text` is not valid JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isTimeReading(body: unknown): body is TimeReading {
  if (typeof body !== "object" || body === null) return false;
  const fields = body as Record<string, unknown>;
  return (
    typeof fields.time === "string" && typeof fields.epochMs === "number" && typeof fields.pod === "string"
  );
}

/**
 * Returns the system error code (such as ECONNREFUSED or ENOTFOUND) that Node's fetch puts in
 * `cause`, else the most specific message.
 */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return error.message;
}
