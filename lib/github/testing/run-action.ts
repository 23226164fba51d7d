import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPOSITORY_ROOT } from "../../testing/fixture.ts";

/** The inputs, event and variables of one action run in a test. */
export interface ActionRun {
  /** Inputs by their name in action.yml, such as `pull-request`. */
  inputs: Record<string, string>;
  /** The event's payload, written to the file `GITHUB_EVENT_PATH` names. */
  event?: Record<string, unknown>;
  /** The fake GitHub API's URL, as `GITHUB_API_URL`. */
  apiUrl?: string;
  /** The workspace, as `GITHUB_WORKSPACE`; default the repository. */
  workspace?: string;
  /** More environment variables, which win over the runner's. */
  env?: Record<string, string>;
  /** Seconds after which the action is killed, so that a hang fails a test; its exit code is then -1. Default none. */
  timeoutSeconds?: number;
}

/** The exit code, log, outputs and job summary of one action run. */
export interface ActionResult {
  exitCode: number;
  /** Everything the action printed, stdout and stderr interleaved. */
  log: string;
  outputs: Record<string, string>;
  summary: string;
}

/**
 * Runs `node actions/<name>/dist/index.js` with the variables the GitHub
 * Actions runner sets: `INPUT_*` (upper case, spaces as underscores),
 * `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`, `GITHUB_EVENT_PATH`,
 * `GITHUB_REPOSITORY` (`acme/shop`), `GITHUB_SHA`, `GITHUB_RUN_ID` and more.
 */
export async function runAction(name: string, run: ActionRun): Promise<ActionResult> {
  const scratch = await mkdtemp(join(tmpdir(), `mooring-action-${name}-`));
  try {
    // 1. The files the runner provides.
    const files = {
      output: join(scratch, "output"),
      summary: join(scratch, "summary"),
      event: join(scratch, "event.json"),
    };
    await writeFile(files.output, "");
    await writeFile(files.summary, "");
    await writeFile(files.event, JSON.stringify(run.event ?? {}));

    // 2. The environment.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CI: "true",
      GITHUB_ACTIONS: "true",
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_EVENT_PATH: files.event,
      GITHUB_EVENT_NAME: run.event?.pull_request === undefined ? "push" : "pull_request",
      GITHUB_REPOSITORY: "acme/shop",
      GITHUB_REPOSITORY_OWNER: "acme",
      GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
      GITHUB_REF: "refs/heads/main",
      GITHUB_REF_NAME: "main",
      GITHUB_RUN_ID: "4242",
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_API_URL: run.apiUrl ?? "http://127.0.0.1:9",
      GITHUB_WORKSPACE: run.workspace ?? REPOSITORY_ROOT,
      RUNNER_TEMP: scratch,
      RUNNER_OS: "Linux",
      ...run.env,
    };
    for (const [input, value] of Object.entries(run.inputs)) {
      env[`INPUT_${input.replaceAll(" ", "_").toUpperCase()}`] = value;
    }

    // 3. Run.
    const script = join(REPOSITORY_ROOT, "actions", name, "dist", "index.js");
    const { exitCode, log } = await new Promise<{ exitCode: number; log: string }>((resolve) => {
      const child = spawn(process.execPath, [script], {
        cwd: env.GITHUB_WORKSPACE,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let log = "";
      child.stdout.on("data", (chunk: Buffer) => {
        log += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        log += chunk.toString();
      });
      let killed = false;
      const timer =
        run.timeoutSeconds === undefined
          ? undefined
          : setTimeout(() => {
              killed = true;
              log += `\nkilled after ${run.timeoutSeconds} s\n`;
              child.kill("SIGKILL");
            }, run.timeoutSeconds * 1000);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ exitCode: killed ? -1 : (code ?? 1), log });
      });
    });
    return {
      exitCode,
      log,
      outputs: parseOutputFile(await readFile(files.output, "utf8")),
      summary: await readFile(files.summary, "utf8"),
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Parses the `name<<delimiter` blocks that `core.setOutput` appends to `GITHUB_OUTPUT`. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[index] ?? "");
    if (match === null) continue;
    const [, name, delimiter] = match;
    const value: string[] = [];
    for (index++; index < lines.length && lines[index] !== delimiter; index++) value.push(lines[index] ?? "");
    outputs[name as string] = value.join("\n");
  }
  return outputs;
}
