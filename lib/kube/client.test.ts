import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { Environment } from "../config/schema.ts";
import { connect } from "./client.ts";

const connectSuite = suite("connect");

connectSuite("invalid kubeconfig is reported without its lines", async () => {
  const folder = await mkdtemp(join(tmpdir(), "mooring-client-test-"));
  try {
    const path = join(folder, "kubeconfig");
    await writeFile(
      path,
      [
        "apiVersion: v1",
        "kind: Config",
        "users:",
        "- name: deployer",
        "  user:",
        "    token: secret-token-abc",
        "   expires: soon: here",
        "",
      ].join("\n"),
    );
    const environment = { name: "staging", cluster: { kubeconfig: path } } as Environment;

    assert.throws(
      () => connect(folder, environment),
      (error: Error) =>
        error.message ===
          `Cannot read kubeconfig '${path}' (cluster.kubeconfig of environment 'staging'): bad indentation of a mapping entry (7:4)` &&
        error.cause === undefined,
    );
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

connectSuite.run();
