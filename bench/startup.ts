// Start-up. The deploy action is timed from the start of `node` to its first
// log line, as the runner starts it, beside a bare `node` printing a line.
// The CLI's start-up is timed beside kubectl's, and every action's bundle is measured.
import { spawn } from "node:child_process";
import { mkdtemp, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { alternate, compareRow, type Row, type Section, soloRow, valueAtMost } from "./harness.ts";
import { runKubectl } from "./project.ts";

export const startupSection: Section = {
  name: "startup",
  title: "Start-up",
  async run(context) {
    // 1. The deploy action as the runner starts it, stopped at its first line. Its root is an
    //    empty folder, so that it would fail on the configuration rather than deploy anything.
    const runner = await mkdtemp(join(context.work, "runner-"));
    await writeFile(join(runner, "output"), "");
    await writeFile(join(runner, "summary"), "");
    const actionEnv = {
      ...process.env,
      INPUT_ENVIRONMENT: "local",
      INPUT_ROOT: runner,
      GITHUB_OUTPUT: join(runner, "output"),
      GITHUB_STEP_SUMMARY: join(runner, "summary"),
      GITHUB_WORKSPACE: runner,
    };
    const action = join(context.root, "actions", "deploy", "dist", "index.js");
    const runs = { ...context, runs: Math.max(context.runs, 5) };
    const actionSamples = await alternate(runs, "action start-up", {
      mooring: () => timeToFirstLine(process.execPath, [action], actionEnv),
      alternative: () => timeToFirstLine(process.execPath, ["-e", "console.log('ready')"], process.env),
    });

    // 2. The CLI's start-up: help text, which needs no cluster and no configuration.
    const cliSamples = await alternate(runs, "CLI start-up", {
      mooring: () =>
        timeToFirstLine(process.execPath, [join(context.root, "bin", "mooring.js"), "--help"], process.env),
      alternative: async () => (await runKubectl(context, ["--help"])).seconds * 1000,
    });

    // 3. Each action's bundle.
    const sizes: Row[] = [];
    for (const name of (await readdir(join(context.root, "actions"), { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (!name.isDirectory()) continue;
      const bundle = join(context.root, "actions", name.name, "dist", "index.js");
      const size = await stat(bundle).catch(() => undefined);
      if (size !== undefined)
        sizes.push(soloRow(`size of actions/${name.name}/dist/index.js`, "KiB", [size.size / 1024]));
    }

    return {
      alternative:
        "action: `node -e \"console.log('ready')\"`, Node.js printing a line and nothing else; CLI: `kubectl --help`",
      tried:
        "The deploy action's bundle (about 3 MB, minified by scripts/build-actions.ts) is parsed before its first line; most of it is the Kubernetes client. It was not changed here.",
      rows: [
        compareRow(
          "deploy action: start to first log line",
          "ms",
          actionSamples,
          valueAtMost(300, "under 300 ms"),
        ),
        compareRow("CLI: `mooring --help` against `kubectl --help`", "ms", cliSamples),
        ...sizes,
      ],
      notes: [
        "The action runs as the runner starts it: `node actions/deploy/dist/index.js` with the INPUT_* and GITHUB_* variables set; the bench stops it at its first line of output.",
        `Start-up figures are the median of ${runs.runs} runs per side. The CLI runs the bundle of lib/ that bin/mooring.js makes in .mooring/cli/ on its first run after a change; the warm-up run makes it if needed.`,
      ],
    };
  },
};

/** Starts a command and resolves with the milliseconds until its first line of output; then stops it. */
function timeToFirstLine(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "ignore"] });
    let firstLineAt: number | undefined;
    child.stdout.on("data", (chunk: Buffer) => {
      if (firstLineAt !== undefined || !chunk.includes("\n")) return;
      firstLineAt = performance.now() - started;
      child.kill("SIGKILL");
    });
    child.on("error", reject);
    child.on("close", () => {
      if (firstLineAt === undefined) reject(new Error(`'${command} ${args.join(" ")}' printed no line`));
      else resolve(firstLineAt);
    });
  });
}
