import * as core from "@actions/core";
import { describeGitHubError, isGitHubApiError } from "./client.ts";

/** The outcome of {@link publishOrWarn}: the step's value, or why the GitHub API failed it. */
export type Published<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Runs a step, named `title` in messages, that reports to the GitHub API.
 * The GitHub API can fail it with an error status after the client's
 * retries, a rate limit the client did not wait out, or a timeout. Then the
 * step logs a warning that ends with `fallback` (what the user still has or
 * should do) and returns the reason instead of throwing, so that reporting
 * never fails a job whose deploy succeeded. Other errors are thrown.
 */
export async function publishOrWarn<T>(
  title: string,
  fallback: string,
  publish: () => Promise<T>,
): Promise<Published<T>> {
  try {
    return { ok: true, value: await publish() };
  } catch (error) {
    if (!isGitHubApiError(error)) throw error;
    const reason = describeGitHubError(error);
    core.warning(`${title} failed on GitHub (${reason}); ${fallback}`);
    return { ok: false, reason };
  }
}

/** Adds a note to the job summary that GitHub was not updated, and why. */
export async function writeGitHubFailureSummary(reason: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(`> **Warning:** GitHub was not updated: ${reason}`, true).write();
}
