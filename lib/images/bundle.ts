import { join } from "node:path";
import { build } from "esbuild";

/**
 * Bundles `services/<name>/src/server.ts` and everything it imports into
 * `services/<name>/dist/server.js`, the one file the Containerfile copies.
 * The output is CommonJS, so it runs as a plain `.js` file with no
 * package.json beside it, and it is deterministic for the same sources.
 */
export async function bundleService(root: string, name: string): Promise<string> {
  const outfile = join(root, "services", name, "dist", "server.js");
  const result = await build({
    entryPoints: [join(root, "services", name, "src", "server.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    legalComments: "none",
    logLevel: "silent",
    absWorkingDir: root,
  });
  if (result.errors.length > 0) {
    const messages = result.errors.map((error) => error.text).join("; ");
    throw new Error(`Bundling service '${name}' failed: ${messages}`);
  }
  return outfile;
}
