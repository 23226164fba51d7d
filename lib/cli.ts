import { parseArgs } from "node:util";
import {
  BOOTSTRAP_CLI_OPTIONS,
  type BootstrapCommandOptions,
  bootstrapCommand,
} from "./bootstrap/command.ts";
import type { ReconcileCommandOptions } from "./cli-reconcile.ts";
import { BUILD_CLI_OPTIONS, buildCommand } from "./images/cli-build.ts";
import { renderCommand, validateCommand } from "./render/commands.ts";

const USAGE = `Usage: mooring <command> [--env NAME]

Commands:
  validate   check every environment (or --env NAME) with every services/*/service.yaml and the templates
  build      build and push the images whose inputs changed, reuse the others (--output json)
             [--builder buildah|podman|docker] [--parallel N] [--pr N] [--revision SHA] [--verbose]
  render     print the rendered manifests (or write one file per object with --out DIR)
  plan       show what a deploy would create, update and prune, with diffs (--output json)
  deploy     build, render, apply changed objects, prune, and wait until every Deployment has rolled out
  status     show each service's ready replicas and running image digests
  rollback   re-apply a recorded revision (--to N; default: the one before the last)
  drift      show objects changed or deleted outside Mooring since the last deploy (exit 1 if any)
  bootstrap  make clusters/NAME/machines.yaml a kubeadm cluster over SSH (--plan, --machine NAME, --remove-worker NAME,
             --known-hosts FILE, --identity FILE, --summary FILE, --diagnostics FILE)

Options:
  --env NAME   environment under clusters/ (default: local)
  --out DIR    render: folder to write one YAML file per object into, in apply order
  --pr N       render: the pull request to render the preview environment for
  --image SERVICE=REFERENCE  render, plan, deploy: use this image (by digest) instead of asking the registry or building (repeatable)
  --output json              plan, drift: print JSON
  --force-conflicts          deploy: take ownership of fields another applier owns
  --replace Kind/ns/name     deploy: delete and recreate this object (repeatable), for immutable fields
  --allow-empty              deploy: accept a render with no objects
  --allow-mass-prune         deploy: accept pruning more than prune.maxShare of the inventory
  --help       show this help`;

/** Runs the CLI with `argv` (without node and script) from project root `root`; returns the exit code. */
export async function main(argv: string[], root: string, print: (line: string) => void): Promise<number> {
  const { values, positionals, tokens } = parseArgs({
    args: argv,
    allowPositionals: true,
    tokens: true,
    options: {
      env: { type: "string", default: "local" },
      out: { type: "string" },
      pr: { type: "string" },
      image: { type: "string", multiple: true },
      help: { type: "boolean", default: false },
      output: { type: "string" },
      to: { type: "string" },
      "force-conflicts": { type: "boolean" },
      replace: { type: "string", multiple: true },
      "allow-empty": { type: "boolean" },
      "allow-mass-prune": { type: "boolean" },
      ...BUILD_CLI_OPTIONS,
      ...BOOTSTRAP_CLI_OPTIONS,
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    print(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const environmentName = values.env;
  switch (command) {
    case "validate": {
      // Without --env, validate checks every environment.
      const envGiven = tokens.some((token) => token.kind === "option" && token.name === "env");
      return validateCommand(root, { ...values, env: envGiven ? environmentName : undefined }, print);
    }
    case "build":
      return buildCommand(root, environmentName, values, print);
    case "render":
      return renderCommand(root, values, print);
    case "plan":
      return (await loadReconcileCommands()).planCommand(root, values as ReconcileCommandOptions, print);
    case "deploy":
      return (await loadReconcileCommands()).deployCommand(root, values as ReconcileCommandOptions, print);
    case "status":
      return (await loadReconcileCommands()).statusCommand(root, values as ReconcileCommandOptions, print);
    case "rollback":
      return (await loadReconcileCommands()).rollbackCommand(root, values as ReconcileCommandOptions, print);
    case "drift":
      return (await loadReconcileCommands()).driftCommand(root, values as ReconcileCommandOptions, print);
    case "bootstrap":
      return bootstrapCommand(root, values as BootstrapCommandOptions, print);
    default:
      print(`Unknown command '${command}'.\n\n${USAGE}`);
      return 2;
  }
}

// The commands that talk to the cluster load the Kubernetes client, which
// takes about half a second to import, so the other commands start without it.
function loadReconcileCommands(): Promise<typeof import("./cli-reconcile.ts")> {
  return import("./cli-reconcile.ts");
}
