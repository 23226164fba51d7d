import { runCommand } from "../process.ts";

/** Provenance of the images' sources, for their OCI labels and tags. */
export interface SourceInfo {
  /** The commit checked out, or undefined outside a git work tree. */
  revision?: string;
  /** The commit before it, to compare a rebuilt image with. */
  parentRevision?: string;
  /** The commit's time in ISO 8601, used as the images' creation time so equal builds stay equal. */
  created?: string;
  /** The repository's URL, such as `https://github.com/acme/shop`. */
  url?: string;
  /** The pull request being built, which adds a `pr-<N>` tag. */
  pullRequest?: number;
}

/**
 * Reads the source information of the project at `root`. The commit comes from
 * `overrides`, `GITHUB_SHA` or `git rev-parse HEAD`. The URL comes from
 * `GITHUB_SERVER_URL` and `GITHUB_REPOSITORY`, or from the `origin` remote.
 * The pull request comes from `GITHUB_REF` (`refs/pull/<N>/merge`).
 * Fields it cannot find are left out.
 */
export async function readSourceInfo(
  root: string,
  overrides: Partial<SourceInfo> = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<SourceInfo> {
  const info: SourceInfo = {};
  const revision = overrides.revision ?? env.GITHUB_SHA ?? (await git(root, ["rev-parse", "HEAD"]));
  if (revision !== undefined) info.revision = revision;
  const parent = await git(root, ["rev-parse", "--verify", "--quiet", `${revision ?? "HEAD"}^`]);
  if (parent !== undefined) info.parentRevision = parent;
  const created = overrides.created ?? (await git(root, ["show", "-s", "--format=%cI", revision ?? "HEAD"]));
  if (created !== undefined) info.created = created;
  const url = overrides.url ?? githubUrl(env) ?? toWebUrl(await git(root, ["remote", "get-url", "origin"]));
  if (url !== undefined) info.url = url;
  const pullRequest = overrides.pullRequest ?? pullRequestFromRef(env.GITHUB_REF);
  if (pullRequest !== undefined) info.pullRequest = pullRequest;
  return info;
}

/**
 * Tells whether any of `paths` (relative to `root`) differs from the commit
 * checked out, including untracked files. Outside a git work tree, every path counts as changed.
 */
export async function hasUncommittedChanges(root: string, paths: string[]): Promise<boolean> {
  const status = await git(root, ["status", "--porcelain", "--untracked-files=all", "--", ...paths]);
  return status === undefined || status !== "";
}

function githubUrl(env: NodeJS.ProcessEnv): string | undefined {
  if (!env.GITHUB_REPOSITORY) return undefined;
  return `${env.GITHUB_SERVER_URL ?? "https://github.com"}/${env.GITHUB_REPOSITORY}`;
}

// `git@github.com:acme/shop.git` and `https://github.com/acme/shop.git` both become `https://github.com/acme/shop`.
function toWebUrl(remote: string | undefined): string | undefined {
  if (remote === undefined || remote === "") return undefined;
  const scp = /^[\w.-]+@([\w.-]+):(.+?)(?:\.git)?$/.exec(remote);
  if (scp) return `https://${scp[1]}/${scp[2]}`;
  const web = /^(?:https?|ssh|git):\/\/(?:[^@/]+@)?([^/]+)\/(.+?)(?:\.git)?$/.exec(remote);
  if (web) return `https://${web[1]?.replace(/:\d+$/, "")}/${web[2]}`;
  return undefined;
}

function pullRequestFromRef(ref: string | undefined): number | undefined {
  const match = /^refs\/pull\/(\d+)\//.exec(ref ?? "");
  return match ? Number(match[1]) : undefined;
}

async function git(root: string, args: string[]): Promise<string | undefined> {
  try {
    return (await runCommand("git", ["-C", root, ...args])).stdout.trim();
  } catch {
    return undefined;
  }
}
