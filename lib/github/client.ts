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
  /** Retries of a request that failed with a 5xx status; default 3. */
  retries?: number;
  /** Milliseconds of the first retry's wait; later waits grow with the square of the attempt. Default 1000. */
  retryBaseMilliseconds?: number;
  /**
   * False turns off the throttling plugin, which also spaces writes one second
   * apart (the plugin's default for POST, PATCH, PUT and DELETE). Only tests
   * against a fake should turn it off.
   */
  throttle?: boolean;
  /** Receives one line per failed request, retry and rate-limit wait. */
  log?: (line: string) => void;
}

/** Retries of a request that hit the primary or secondary rate limit before it fails. */
const RATE_LIMIT_RETRIES = 2;

/**
 * Creates a GitHub REST client with the token. Requests that fail with a 5xx
 * status are retried with backoff (plugin-retry), and requests that hit a rate
 * limit wait for the reset the API names and are retried (plugin-throttling).
 */
export function createGitHubClient(token: string, options: GitHubClientOptions = {}): GitHubClient {
  const log = options.log ?? (() => {});
  return new MooringOctokit({
    auth: token,
    baseUrl: options.baseUrl ?? process.env.GITHUB_API_URL ?? "https://api.github.com",
    userAgent: "mooring",
    // NOTE: retries go in `retry`, not `request.retries`; the latter also retries 4xx such as 422.
    retry: { retries: options.retries ?? 3, retryAfterBaseValue: options.retryBaseMilliseconds ?? 1000 },
    log: { debug: () => {}, info: () => {}, warn: log, error: log },
    throttle: {
      enabled: options.throttle ?? true,
      onRateLimit: (retryAfter, request, _octokit, retryCount) => {
        log(`GitHub rate limit reached for ${request.method} ${request.url}; retrying in ${retryAfter} s`);
        return retryCount < RATE_LIMIT_RETRIES;
      },
      onSecondaryRateLimit: (retryAfter, request, _octokit, retryCount) => {
        log(
          `GitHub secondary rate limit reached for ${request.method} ${request.url}; retrying in ${retryAfter} s`,
        );
        return retryCount < RATE_LIMIT_RETRIES;
      },
    },
  });
}
