import type { GitHubClient } from "./client.ts";

/** The pull request and the marker and author that identify a sticky comment. */
export interface StickyCommentTarget {
  owner: string;
  repo: string;
  issueNumber: number;
  /** A hidden HTML comment that the body contains, such as `<!-- mooring:preview -->`. */
  marker: string;
  /** The login that writes the comment, such as `github-actions[bot]`; comments by others are never edited. */
  author: string;
}

/** The outcome of `upsertStickyComment`: the comment kept and the duplicates removed. */
export interface StickyCommentResult {
  id: number;
  action: "created" | "updated";
  /** Duplicates by the same author removed after a concurrent run created a second one. */
  removed: number[];
}

/**
 * Creates or updates the one comment of `target.author` that contains
 * `target.marker` on a pull request. A comment that contains the marker but
 * was written by someone else is left alone. When two runs raced and both
 * created a comment, the oldest is kept and updated and the newer ones are
 * deleted, so the pull request ends with exactly one.
 */
export async function upsertStickyComment(
  octokit: GitHubClient,
  target: StickyCommentTarget,
  body: string,
): Promise<StickyCommentResult> {
  if (!body.includes(target.marker)) {
    throw new Error(
      `The comment body does not contain the marker '${target.marker}'; the next run could not find it`,
    );
  }
  const { owner, repo, issueNumber } = target;

  // 1. Update the existing comment.
  const existing = await findStickyComments(octokit, target);
  const [first] = existing;
  if (first !== undefined) {
    await octokit.rest.issues.updateComment({ owner, repo, comment_id: first.id, body });
    const removed = await removeDuplicates(
      octokit,
      target,
      existing.slice(1).map((comment) => comment.id),
    );
    return { id: first.id, action: "updated", removed };
  }

  // 2. Create one, then remove duplicates a concurrent run may have created.
  const created = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
  const after = await findStickyComments(octokit, target);
  const kept = after[0]?.id ?? created.data.id;
  const duplicates = after.map((comment) => comment.id).filter((id) => id !== kept);
  if (kept !== created.data.id) {
    await octokit.rest.issues.updateComment({ owner, repo, comment_id: kept, body });
  }
  const removed = await removeDuplicates(octokit, target, duplicates);
  return { id: kept, action: kept === created.data.id ? "created" : "updated", removed };
}

/** Lists the comments of `target.author` that contain the marker, oldest first. */
export async function findStickyComments(
  octokit: GitHubClient,
  target: StickyCommentTarget,
): Promise<Array<{ id: number; body: string }>> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    per_page: 100,
  });
  return comments
    .filter(
      (comment) => comment.user?.login === target.author && (comment.body ?? "").includes(target.marker),
    )
    .map((comment) => ({ id: comment.id, body: comment.body ?? "" }))
    .sort((a, b) => a.id - b.id);
}

async function removeDuplicates(
  octokit: GitHubClient,
  target: StickyCommentTarget,
  ids: number[],
): Promise<number[]> {
  for (const id of ids) {
    try {
      await octokit.rest.issues.deleteComment({ owner: target.owner, repo: target.repo, comment_id: id });
    } catch (error) {
      // A concurrent run that found the same duplicate may have deleted it first.
      if ((error as { status?: number }).status !== 404) throw error;
    }
  }
  return ids;
}
