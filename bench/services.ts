// Services under load: the frontend with two replicas (and the time and
// image services it calls for every page) through the cluster's NodePort,
// against a bare `node:http` server that sends the same page's bytes, both
// loaded with wrk on loopback.
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { alternate, type BenchContext, compareRow, runTimed, type Section } from "./harness.ts";
import { createProject, deleteLater, RUN_ID, repositoryImages, runMooring } from "./project.ts";

/** A NodePort of the bench's own, apart from the demo's 30080 and the load tests' 30081. */
const NODE_PORT = 30090;
const CONNECTIONS = 16;
const SERVICES = ["frontend", "image", "time"];

/** The bare server: sends the file named by argv[1] as text/html to every request, and prints its port. */
const BARE_SERVER = `
const { createServer } = require("node:http");
const body = require("node:fs").readFileSync(process.argv[1]);
const server = createServer((request, response) => {
  response.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": body.length });
  response.end(body);
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

export const servicesSection: Section = {
  name: "services",
  title: "Services under load",
  async run(context) {
    // 1. The three services in a namespace of the bench's own, the frontend on its own NodePort.
    const namespace = `bench-services-${RUN_ID}`;
    deleteLater(context, [namespace]);
    const services = Object.fromEntries(
      await Promise.all(
        SERVICES.map(async (name) => {
          const { name: _, ...settings } = parse(
            await readFile(join(context.root, "services", name, "service.yaml"), "utf8"),
          ) as Record<string, unknown>;
          return [name, settings] as const;
        }),
      ),
    );
    const placement = {
      frontend: { replicas: 2, expose: { type: "NodePort", nodePort: NODE_PORT, host: "127.0.0.1" } },
      image: { replicas: 2 },
      time: { replicas: 2 },
    };
    const images = await repositoryImages(context);
    const project = await createProject(context, "services", services, images, [
      { name: "load", namespace, services: placement },
    ]);
    context.log("services: deploying the three services");
    await runMooring(context, project, ["deploy", "--env", "load", ...project.imageArguments]);

    // 2. The same page's bytes, served by a bare server.
    const clusterUrl = `http://127.0.0.1:${NODE_PORT}/`;
    const page = await fetchPage(clusterUrl);
    const pageFile = join(context.work, "page.html");
    await writeFile(pageFile, page);
    const bare = spawn(process.execPath, ["-e", BARE_SERVER, pageFile], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        bare.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
        bare.once("error", reject);
      });
      const bareUrl = `http://127.0.0.1:${port}/`;

      // 3. wrk against each in turn.
      const latencies = {
        mooring: { p50: [] as number[], p99: [] as number[] },
        alternative: { p50: [] as number[], p99: [] as number[] },
      };
      const load = (side: "mooring" | "alternative", url: string) => async () => {
        const result = await runWrk(context, url);
        latencies[side].p50.push(result.p50);
        latencies[side].p99.push(result.p99);
        return result.requestsPerSecond;
      };
      const throughput = await alternate(context, "services", {
        mooring: load("mooring", clusterUrl),
        alternative: load("alternative", bareUrl),
      });
      const measured = (values: number[]) => values.slice(-context.runs);
      return {
        alternative:
          "a bare `node:http` server on 127.0.0.1 that sends the same page's bytes to every request",
        rows: [
          compareRow("requests per second", "req/s", throughput),
          compareRow("latency, 50th percentile", "ms", {
            mooring: measured(latencies.mooring.p50),
            alternative: measured(latencies.alternative.p50),
          }),
          compareRow("latency, 99th percentile", "ms", {
            mooring: measured(latencies.mooring.p99),
            alternative: measured(latencies.alternative.p99),
          }),
        ],
        notes: [
          `The frontend runs 2 replicas behind NodePort ${NODE_PORT} on 127.0.0.1, in namespace '${namespace}' deployed by the bench, and calls the time and image services (2 replicas each) for every page; the bare server sends a copy of one page (${page.length} bytes) without calling anything.`,
          `Each run is \`wrk -t2 -c${CONNECTIONS} -d${context.loadSeconds}s --latency\` on the machine that runs the cluster and the services (${availableParallelism()} CPUs), so wrk competes with what it measures.`,
        ],
      };
    } finally {
      bare.kill();
    }
  },
};

/** The figures of one wrk run. */
interface WrkResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
}

async function runWrk(context: BenchContext, url: string): Promise<WrkResult> {
  const { stdout } = await runTimed("wrk", [
    "-t2",
    `-c${CONNECTIONS}`,
    `-d${context.loadSeconds}s`,
    "--latency",
    url,
  ]).catch((error: Error) => {
    throw new Error(`wrk failed; it is Debian's package 'wrk' (apt-get install wrk). ${error.message}`);
  });
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1];
  if (errors !== undefined) throw new Error(`wrk got ${errors} error responses from ${url}:\n${stdout}`);
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? Number.NaN),
    p50: latencyMs(stdout, "50%"),
    p99: latencyMs(stdout, "99%"),
  };
}

// Reads a percentile from wrk's latency distribution, such as `50%  2.10ms`, in milliseconds.
function latencyMs(output: string, percentile: string): number {
  const match = new RegExp(`^\\s*${percentile}\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(output);
  if (match === null) return Number.NaN;
  const factor = { us: 0.001, ms: 1, s: 1000 }[match[2] as "us" | "ms" | "s"];
  return Number(match[1]) * factor;
}

// Fetches the page once, retrying while the NodePort's rules and the pods settle.
async function fetchPage(url: string): Promise<Buffer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 30; attempt++) {
    try {
      const response = await fetch(url);
      if (response.ok) return Buffer.from(await response.arrayBuffer());
      lastError = new Error(`HTTP ${response.status}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`The frontend at ${url} did not respond within 30 s: ${(lastError as Error).message}`);
}
