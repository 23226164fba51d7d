import { main } from "./cli.ts";
import { ConfigError } from "./config/errors.ts";

/**
 * Runs the CLI and turns any error into a message on stderr and exit code 1
 * (2 for invalid configuration), never a stack trace for an expected failure.
 */
export async function run(argv: string[], root: string): Promise<number> {
  try {
    return await main(argv, root, (line) => process.stdout.write(`${line}\n`));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`mooring: ${error.message}\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`mooring: ${message}\n`);
    if (process.env.MOORING_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
