#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, from the project root.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register();
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { run } = await import("../lib/main.ts");
process.exitCode = await run(process.argv.slice(2), root);
