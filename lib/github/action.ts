import { isAbsolute, relative, resolve, sep } from "node:path";
import * as core from "@actions/core";
import { parsePullRequestNumber } from "../config/preview.ts";
import { formatReport } from "./markdown.ts";
import type { DeployReport } from "./report.ts";

/** Environment variables that hold secrets an action may receive; each is masked in the log. */
const SECRET_VARIABLES = ["MOORING_REGISTRY_PASSWORD", "GITHUB_TOKEN"];

/**
 * Runs an action's main function: masks the secrets it may read, and turns
 * any error into `core.setFailed` with the error's message, so the step
 * fails with a readable annotation instead of a stack trace.
 */
export async function runAction(main: () => Promise<void>): Promise<void> {
  for (const name of SECRET_VARIABLES) {
    const value = process.env[name];
    if (value) core.setSecret(value);
  }
  try {
    await main();
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Resolves the project's root: the `root` input against `GITHUB_WORKSPACE`,
 * default the workspace itself. Rejects a root outside the workspace.
 */
export function projectRoot(): string {
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const input = core.getInput("root") || ".";
  const root = resolve(workspace, input);
  if (isAbsolute(input) || isOutside(relative(workspace, root))) {
    throw new Error(
      `Invalid input 'root': '${input}'; expected a folder inside the workspace, relative to it, such as '.'`,
    );
  }
  return root;
}

/**
 * Reads the `pull-request` input, falling back to the pull request of the
 * event's payload when `fromEvent` is set. Returns undefined when neither is there.
 */
export function pullRequestInput(fromEvent?: number): number | undefined {
  const value = core.getInput("pull-request");
  if (value !== "") return parsePullRequestNumber(value, "input 'pull-request'");
  return fromEvent;
}

/** Reads a `true`/`false` input with a default, rejecting other values. */
export function booleanInput(name: string, fallback: boolean): boolean {
  const value = core.getInput(name).trim().toLowerCase();
  if (value === "") return fallback;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new Error(`Invalid input '${name}': '${value}'; expected 'true' or 'false'`);
}

/** Reads a token input and masks it. Returns undefined when it is empty. */
export function tokenInput(name: string): string | undefined {
  const token = core.getInput(name);
  if (token === "") return undefined;
  core.setSecret(token);
  return token;
}

/** Writes a deploy report to the job summary, in the same form as the pull request comment. */
export async function writeReportSummary(report: DeployReport, runUrl?: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(formatReport(report, runUrl === undefined ? {} : { runUrl }), true).write();
}

/** Prints one line to the action's log. */
export function print(line: string): void {
  core.info(line);
}

/** Tells whether a path from `path.relative` leads out of the folder it is relative to. */
export function isOutside(relativePath: string): boolean {
  return relativePath === ".." || relativePath.startsWith(`..${sep}`) || isAbsolute(relativePath);
}
