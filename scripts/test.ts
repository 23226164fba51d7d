// Runs every check of the project in order: types, lint, shell scripts, unit
// tests, then the integration tests against the local cluster (brought up
// first if needed), several files at a time. Ends with one line 'N passed, N failed'.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";

const root = join(import.meta.dirname, "..");
const totals = { passed: 0, failed: 0 };

// Integration test files run at once; they share the cluster but each uses its own namespaces.
const INTEGRATION_CONCURRENCY = 3;

/** Runs a command and resolves with its exit code and output, which it also prints unless `quiet`. */
function run(command: string, args: string[], quiet = false): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const forward = (chunk: Buffer) => {
      output += chunk.toString();
      if (!quiet) process.stdout.write(chunk);
    };
    child.stdout.on("data", forward);
    child.stderr.on("data", forward);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

async function step(name: string, command: string, args: string[]): Promise<void> {
  console.log(`\n== ${name}`);
  const { code } = await run(command, args);
  if (code === 0) totals.passed++;
  else {
    totals.failed++;
    console.log(`${name} failed (exit code ${code})`);
  }
}

// Runs uvu over the given test files and adds its counts to the totals.
async function uvu(name: string, files: string[]): Promise<void> {
  console.log(`\n== ${name} (${files.length} files)`);
  if (files.length === 0) return;
  count(name, await run("npx", uvuArguments(files)));
}

// Runs each file in its own uvu process, a few at a time, printing each file's output when it ends.
async function uvuInParallel(name: string, files: string[]): Promise<void> {
  console.log(`\n== ${name} (${files.length} files, ${INTEGRATION_CONCURRENCY} at a time)`);
  const queue = [...files];
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const started = Date.now();
      const result = await run("npx", uvuArguments([file]), true);
      process.stdout.write(
        `${result.output}\n-- ${file} took ${Math.round((Date.now() - started) / 1000)}s\n`,
      );
      count(file, result);
    }
  };
  await Promise.all(Array.from({ length: INTEGRATION_CONCURRENCY }, worker));
}

function uvuArguments(files: string[]): string[] {
  const pattern = `^(${files.map((file) => file.replaceAll(".", "\\.")).join("|")})$`;
  return ["tsx", "node_modules/uvu/bin.js", ".", pattern, "-i", "node_modules"];
}

// Adds uvu's counts to the totals; a non-zero exit with every test passed counts as one failure.
function count(name: string, { code, output }: { code: number; output: string }): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the terminal colours uvu prints.
  const plain = output.replace(/\u001b\[[0-9;]*m/g, "");
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  totals.passed += passed;
  totals.failed += total - passed;
  if (code !== 0 && total === passed) {
    totals.failed++;
    console.log(`${name}: uvu exited with code ${code}`);
  }
}

async function listTests(folder: string): Promise<string[]> {
  if (!existsSync(join(root, folder))) return [];
  const entries = await readdir(join(root, folder), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".test.ts"))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .filter((file) => !file.includes("node_modules") && !file.includes("/dist/"))
    .sort();
}

const tests = (await Promise.all(["lib", "services", "scripts", "actions", "bench"].map(listTests))).flat();
const integration = tests.filter((file) => file.endsWith(".integration.test.ts"));
const unit = tests.filter((file) => !integration.includes(file));

await step("type check", "npx", ["tsc", "--noEmit"]);
await step("lint", "npx", ["biome", "check", "."]);
await step("actionlint", "npx", ["tsx", "scripts/actionlint.ts"]);
await step("actions dist check", "npx", ["tsx", "scripts/build-actions.ts", "--check"]);
await step("shellcheck", "bash", ["-c", "shellcheck scripts/*.sh scripts/cluster/*.sh .ci/run"]);
await uvu("unit tests", unit);
if (!process.argv.includes("--unit")) {
  await step("local cluster up", "bash", ["scripts/cluster/up.sh"]);
  await uvuInParallel(
    "integration tests",
    integration.filter((file) => !file.includes(".serial.")),
  );
  // Tests that stop parts of the cluster run alone, after the others.
  await uvu(
    "integration tests that run alone",
    integration.filter((file) => file.includes(".serial.")),
  );
}

console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exitCode = totals.failed === 0 ? 0 : 1;
