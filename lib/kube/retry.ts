import { ApiException } from "@kubernetes/client-node";
import pRetry, { AbortError } from "p-retry";

/**
 * Retries after the first attempt. With the first delay of 250 ms doubling each
 * time, the last attempt comes about 32 seconds after the first, long enough
 * for an API server restart.
 */
export const DEFAULT_RETRIES = 7;

/** Options for {@link withRetry}. */
export interface RetryOptions {
  /** Attempts after the first one. */
  retries?: number;
  /** Delay before the first retry, in milliseconds; it doubles for each further retry. */
  minTimeoutMs?: number;
  /** Called before each retry, for a log line. */
  onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * Runs an API call, retrying with exponential backoff when it fails in a way
 * that may pass: a connection error, HTTP 429 or a 5xx. Any other HTTP error
 * (a 4xx validation error, a conflict, a 404) is thrown at once.
 */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  return pRetry(
    async () => {
      try {
        return await call();
      } catch (error) {
        if (!isRetryable(error)) throw new AbortError(error as Error);
        throw error;
      }
    },
    {
      retries: options.retries ?? DEFAULT_RETRIES,
      minTimeout: options.minTimeoutMs ?? 250,
      factor: 2,
      onFailedAttempt: (error) => options.onRetry?.(error, error.attemptNumber),
    },
  );
}

/** Tells whether an error from the Kubernetes client is worth retrying. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ApiException) {
    return error.code === 429 || error.code >= 500;
  }
  const code =
    (error as { code?: unknown; cause?: { code?: unknown } } | undefined)?.code ??
    (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return (
    typeof code === "string" &&
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENOTFOUND", "UND_ERR_SOCKET"].includes(
      code,
    )
  );
}
