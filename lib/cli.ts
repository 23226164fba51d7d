import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadProject } from "./config/load.ts";
import { type DeployResult, deploy, publicUrl } from "./deploy.ts";
import { buildServiceImages } from "./images/build.ts";
import { detectBuilder } from "./images/builder.ts";
import { connect } from "./kube/client.ts";
import { readServiceStatus } from "./reconcile/status.ts";
import { describeObject } from "./render/objects.ts";
import { renderProject, toYamlStream } from "./render/render.ts";
import { formatTable, shortDigest } from "./report/table.ts";

const USAGE = `Usage: mooring <command> [--env NAME]

Commands:
  validate   check clusters/<env>/environment.yaml and every services/*/service.yaml
  build      build and push the images whose inputs changed
  render     print the rendered manifests (or write one file per object with --out DIR)
  deploy     build, render, apply and wait until every Deployment has rolled out
  status     show each service's ready replicas and running image digests

Options:
  --env NAME   environment under clusters/ (default: local)
  --out DIR    render: folder to write one YAML file per object into
  --help       show this help`;

/** Runs the CLI with `argv` (without node and script) from project root `root`; returns the exit code. */
export async function main(argv: string[], root: string, print: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      env: { type: "string", default: "local" },
      out: { type: "string" },
      help: { type: "boolean", default: false },
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
      const project = await loadProject(root, environmentName);
      print(
        `clusters/${environmentName}/environment.yaml and ${project.services.length} service files are valid`,
      );
      return 0;
    }
    case "build": {
      const project = await loadProject(root, environmentName);
      const names = project.services.map((service) => service.name);
      await buildServiceImages(root, project.environment, names, await detectBuilder(), print);
      return 0;
    }
    case "render": {
      const project = await loadProject(root, environmentName);
      const names = project.services.map((service) => service.name);
      const images = await buildServiceImages(root, project.environment, names, undefined, () => {});
      const objects = await renderProject(
        project,
        Object.fromEntries(images.map((i) => [i.service, i.reference])),
      );
      if (values.out === undefined) {
        print(toYamlStream(objects).trimEnd());
        return 0;
      }
      await mkdir(values.out, { recursive: true });
      for (const object of objects) {
        const file = `${describeObject(object).replaceAll("/", "_").toLowerCase()}.yaml`;
        await writeFile(join(values.out, file), toYamlStream([object]));
      }
      print(`wrote ${objects.length} objects to ${values.out}`);
      return 0;
    }
    case "deploy": {
      const result = await deploy(root, environmentName, print);
      print(formatDeploySummary(result));
      return 0;
    }
    case "status": {
      const project = await loadProject(root, environmentName);
      const names = project.services.map((service) => service.name);
      const clients = connect(root, project.environment);
      const services = await readServiceStatus(clients, project.environment.namespace, names);
      print(formatServiceTable(services));
      const url = publicUrl(project);
      if (url !== undefined) print(`\nFrontend: ${url}`);
      return 0;
    }
    default:
      print(`Unknown command '${command}'.\n\n${USAGE}`);
      return 2;
  }
}

/** Formats the end of a deploy: the service table, what was rebuilt, and the URL. */
export function formatDeploySummary(result: DeployResult): string {
  const built = result.images.filter((image) => image.built).map((image) => image.service);
  const lines = [
    "",
    formatServiceTable(result.services),
    "",
    built.length === 0 ? "Images rebuilt: none (all unchanged)" : `Images rebuilt: ${built.join(", ")}`,
  ];
  if (result.url !== undefined) lines.push(`Frontend: ${result.url}`);
  return lines.join("\n");
}

function formatServiceTable(services: DeployResult["services"]): string {
  return formatTable(
    ["SERVICE", "READY", "PODS", "IMAGE DIGEST"],
    services.map((service) => [
      service.service,
      `${service.readyReplicas}/${service.replicas}`,
      service.pods.join(", "),
      service.digests.map(shortDigest).join(", "),
    ]),
  );
}
