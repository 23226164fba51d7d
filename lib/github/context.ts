import { readFileSync } from "node:fs";

/** The repository, commit, run and event of a workflow run, from the runner's environment variables. */
export interface RunContext {
  owner: string;
  repo: string;
  /** The commit the run is for (`GITHUB_SHA`), or the pull request's head commit when there is one. */
  sha: string;
  serverUrl: string;
  /** The URL of this workflow run, for links in comments and statuses. */
  runUrl?: string;
  /** The event's payload from `GITHUB_EVENT_PATH`, or an empty object. */
  event: Record<string, unknown>;
  /** The pull request number from the event's payload, when the event concerns one. */
  pullRequest?: number;
}

/**
 * Reads the run's context from the variables the runner sets:
 * `GITHUB_REPOSITORY`, `GITHUB_SHA`, `GITHUB_SERVER_URL`, `GITHUB_RUN_ID`,
 * `GITHUB_RUN_ATTEMPT` and the event payload at `GITHUB_EVENT_PATH`.
 */
export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const repository = env.GITHUB_REPOSITORY ?? "";
  const [owner, repo] = repository.split("/");
  if (owner === undefined || repo === undefined || owner === "" || repo === "") {
    throw new Error(`Invalid GITHUB_REPOSITORY '${repository}': expected 'owner/name'`);
  }
  const event = readEvent(env.GITHUB_EVENT_PATH);
  const pullRequest = event.pull_request as { number?: number; head?: { sha?: string } } | undefined;
  const serverUrl = env.GITHUB_SERVER_URL ?? "https://github.com";
  const context: RunContext = {
    owner,
    repo,
    sha: pullRequest?.head?.sha ?? env.GITHUB_SHA ?? "",
    serverUrl,
    event,
  };
  if (env.GITHUB_RUN_ID) {
    const attempt = env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : "";
    context.runUrl = `${serverUrl}/${repository}/actions/runs/${env.GITHUB_RUN_ID}${attempt}`;
  }
  if (typeof pullRequest?.number === "number") context.pullRequest = pullRequest.number;
  return context;
}

function readEvent(path: string | undefined): Record<string, unknown> {
  if (path === undefined || path === "") return {};
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new Error(
      `Cannot read the event payload at GITHUB_EVENT_PATH '${path}': ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
