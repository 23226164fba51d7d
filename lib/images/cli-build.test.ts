import { suite } from "uvu";
import * as assert from "uvu/assert";
import { buildCommand } from "./cli-build.ts";

const buildCommandSuite = suite("buildCommand");

// Runs `mooring build` with `values` in a folder that is no project, so only option checks can pass.
async function failureOf(values: Record<string, string>): Promise<string> {
  try {
    await buildCommand("/nonexistent", "local", values, () => {});
  } catch (error) {
    return (error as Error).message;
  }
  return "no error";
}

buildCommandSuite("rejects an unknown output format", async () => {
  assert.is(await failureOf({ output: "yaml" }), "Invalid --output 'yaml': expected 'json'");
});

buildCommandSuite("rejects a parallelism of zero", async () => {
  assert.is(await failureOf({ parallel: "0" }), "Invalid --parallel '0': expected a positive whole number");
});

buildCommandSuite("rejects a pull request that is no number", async () => {
  assert.is(await failureOf({ pr: "main" }), "Invalid --pr 'main': expected a positive whole number");
});

buildCommandSuite.run();
