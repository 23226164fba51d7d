import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";

/** The Octokit class Mooring uses: REST methods, retries on 5xx, and rate-limit handling. */
export const MooringOctokit = Octokit.plugin(retry, throttling);
/** A client made by `createGitHubClient`. */
export type GitHubClient = InstanceType<typeof MooringOctokit>;

/** Settings of a GitHub API client. */
export interface GitHubClientOptions {
  /** The API's base URL; default `GITHUB_API_URL`, else `https://api.github.com`. */
  baseUrl?: string;
  /** Retries of a request that failed with a 5xx status or got no response; default 3. */
  retries?: number;
  /**
   * Milliseconds of the first retry's wait; later waits grow with the square
   * of the attempt. Default `MOORING_GITHUB_RETRY_BASE_MS`, else 1000.
   */
  retryBaseMilliseconds?: number;
  /**
   * Milliseconds one attempt may take before it is aborted and counts as
   * failed (and is retried). Default `MOORING_GITHUB_TIMEOUT_MS`, else 30000.
   */
  timeoutMilliseconds?: number;
  /**
   * Maximum rate-limit wait, in seconds, that the client sits out before it
   * retries. A limit that resets later fails the request at once. Default 120.
   */
  maxRateLimitWaitSeconds?: number;
  /**
   * False turns off the throttling plugin, which also spaces writes one second
   * apart (the plugin's default for POST, PATCH, PUT and DELETE). Only tests
   * against a fake should turn it off.
   */
  throttle?: boolean;
  /** Receives one line per failed attempt (5xx or no response in time) and per rate limit hit. */
  log?: (line: string) => void;
}

/** Retries of a request that hit the primary or secondary rate limit before it fails. */
const RATE_LIMIT_RETRIES = 2;
/**
 * Time one attempt may take before it counts as failed. With 3 retries and
 * waits of 1, 4 and 9 s between them, a GitHub that never responds fails a
 * request after about 134 s.
 */
const DEFAULT_TIMEOUT_MILLISECONDS = 30_000;
/** Covers the 60 s that the throttling plugin waits out a secondary rate limit without a `retry-after`. */
const DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS = 120;

/**
 * Creates a GitHub REST client with the token. Requests that fail with a 5xx
 * status or get no response within the timeout are retried with backoff
 * (plugin-retry). Requests that hit a rate limit wait for the reset the API
 * names and are retried (plugin-throttling), unless the reset is further
 * away than `maxRateLimitWaitSeconds`. Throws on an invalid
 * `MOORING_GITHUB_*` variable.
 */
export function createGitHubClient(token: string, options: GitHubClientOptions = {}): GitHubClient {
  const log = options.log ?? (() => {});
  const timeout =
    options.timeoutMilliseconds ??
    millisecondsFromEnvironment("MOORING_GITHUB_TIMEOUT_MS") ??
    DEFAULT_TIMEOUT_MILLISECONDS;
  const retryBase =
    options.retryBaseMilliseconds ?? millisecondsFromEnvironment("MOORING_GITHUB_RETRY_BASE_MS") ?? 1000;
  const maxWait = options.maxRateLimitWaitSeconds ?? DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS;
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const limit = `GitHub ${kind} reached for ${request.method} ${request.url}`;
      if (retryAfter > maxWait) {
        log(`${limit}; it resets in ${retryAfter} s, later than the ${maxWait} s the client waits`);
        return false;
      }
      if (retryCount >= RATE_LIMIT_RETRIES) {
        log(`${limit}; giving up after ${RATE_LIMIT_RETRIES} retries`);
        return false;
      }
      log(`${limit}; retrying in ${retryAfter} s`);
      return true;
    };
  return new MooringOctokit({
    auth: token,
    baseUrl: options.baseUrl ?? process.env.GITHUB_API_URL ?? "https://api.github.com",
    userAgent: "mooring",
    request: { fetch: fetchWithTimeout(timeout, log) },
    // NOTE: retries go in `retry`, not `request.retries`; the latter also retries 4xx such as 422.
    retry: { retries: options.retries ?? 3, retryAfterBaseValue: retryBase },
    // Octokit's request log would add a line for every failed request, 404s that callers expect included.
    log: { debug: () => {}, info: () => {}, warn: log, error: () => {} },
    throttle: {
      enabled: options.throttle ?? true,
      onRateLimit: onLimit("rate limit"),
      onSecondaryRateLimit: onLimit("secondary rate limit"),
    },
  });
}

/**
 * Tells whether an error came from a GitHub API request: an error status
 * after the client's retries, a rate limit it did not wait out, or no
 * response. Octokit raises these as `RequestError` with the request attached.
 */
export function isGitHubApiError(error: unknown): error is GitHubApiError {
  return (
    error instanceof Error &&
    typeof (error as Partial<GitHubApiError>).status === "number" &&
    typeof (error as Partial<GitHubApiError>).request?.url === "string"
  );
}

/** The fields of Octokit's `RequestError` that messages use. */
export interface GitHubApiError extends Error {
  status: number;
  request: { method: string; url: string };
  response?: { status: number; headers: Record<string, string | undefined> };
}

/**
 * Describes a failed GitHub API request in one line: the method and path,
 * and the status with GitHub's message, or why there was no response. Names
 * the reset time of an exhausted rate limit.
 */
export function describeGitHubError(error: GitHubApiError): string {
  const request = `${error.request.method} ${new URL(error.request.url, "https://api.github.com").pathname}`;
  if (error.response === undefined) return `${request} failed: ${error.message}`;
  const headers = error.response.headers;
  const reset = Number(headers["x-ratelimit-reset"]);
  const limit =
    headers["x-ratelimit-remaining"] === "0" && Number.isFinite(reset)
      ? ` (rate limit exhausted until ${new Date(reset * 1000).toISOString()})`
      : "";
  return `${request} returned ${error.status}: ${error.message}${limit}`;
}

// Gives each attempt its own time limit, so that a GitHub that accepts the
// connection but never responds fails the attempt, which plugin-retry then
// retries. Logs each attempt that fails with a 5xx status or times out.
function fetchWithTimeout(milliseconds: number, log: (line: string) => void): typeof fetch {
  return async (input, init = {}) => {
    const timeout = AbortSignal.timeout(milliseconds);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const url = new URL(input instanceof Request ? input.url : String(input));
    const request = `${init.method ?? "GET"} ${url.pathname}`;
    let response: Response;
    try {
      response = await fetch(input, { ...init, signal });
    } catch (error) {
      if (!timeout.aborted) throw error;
      log(`GitHub request ${request} timed out after ${milliseconds} ms`);
      throw new Error(`timed out after ${milliseconds} ms without a response`, { cause: error });
    }
    if (response.status >= 500) log(`GitHub returned ${response.status} for ${request}`);
    return response;
  };
}

function millisecondsFromEnvironment(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === "") return undefined;
  if (!/^[1-9][0-9]{0,8}$/.test(value)) {
    throw new Error(`Invalid ${name} '${value}'; expected a whole number of milliseconds such as 30000`);
  }
  return Number(value);
}
