import { runCommand } from "../process.ts";

/** Origin of a render (git commit and workflow run), written into annotations on every object. */
export interface Provenance {
  /** The git commit, with `-dirty` appended when the working tree had changes. */
  commit?: string;
  /** The URL of the GitHub Actions workflow run that deployed it. */
  runUrl?: string;
}

/** The annotation with the git commit of the rendered configuration. */
export const COMMIT_ANNOTATION = "mooring.dev/git-commit";
/** The annotation with the URL of the workflow run. */
export const RUN_URL_ANNOTATION = "mooring.dev/workflow-run";

/**
 * Detects the provenance of a render from `root`: the commit from git (with
 * `-dirty` when tracked files changed), and the run URL from the variables
 * GitHub Actions sets (GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID and
 * GITHUB_RUN_ATTEMPT). Leaves out what it cannot find, such as outside a git
 * checkout.
 */
export async function detectProvenance(
  root: string,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<Provenance> {
  const provenance: Provenance = {};

  // 1. The commit.
  try {
    const head = (await runCommand("git", ["rev-parse", "HEAD"], { cwd: root })).stdout.trim();
    const status = (await runCommand("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: root }))
      .stdout;
    provenance.commit = status.trim() === "" ? head : `${head}-dirty`;
  } catch {
    // Not a git checkout, or git is missing: render without the annotation.
  }

  // 2. The workflow run.
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT } = environment;
  if (GITHUB_SERVER_URL && GITHUB_REPOSITORY && GITHUB_RUN_ID) {
    const attempt = GITHUB_RUN_ATTEMPT ? `/attempts/${GITHUB_RUN_ATTEMPT}` : "";
    provenance.runUrl = `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}${attempt}`;
  }
  return provenance;
}

/**
 * Returns the provenance annotations, or problems when a value is malformed:
 * a commit must be 7 to 64 hex digits with an optional `-dirty`, a run URL an
 * http(s) URL.
 */
export function provenanceAnnotations(provenance: Provenance): {
  annotations: Record<string, string>;
  problems: string[];
} {
  const annotations: Record<string, string> = {};
  const problems: string[] = [];
  if (provenance.commit !== undefined) {
    if (/^[0-9a-f]{7,64}(-dirty)?$/.test(provenance.commit))
      annotations[COMMIT_ANNOTATION] = provenance.commit;
    else
      problems.push(
        `invalid commit '${provenance.commit}'; expected 7 to 64 hex digits, optionally with '-dirty'`,
      );
  }
  if (provenance.runUrl !== undefined) {
    if (/^https?:\/\/\S+$/.test(provenance.runUrl) && URL.canParse(provenance.runUrl)) {
      annotations[RUN_URL_ANNOTATION] = provenance.runUrl;
    } else {
      problems.push(`invalid workflow run URL '${provenance.runUrl}'; expected an http(s) URL`);
    }
  }
  return { annotations, problems };
}
