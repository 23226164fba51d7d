import { randomBytes } from "node:crypto";
import { appendFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiException, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parseDocument } from "yaml";
import { type FakeFleet, startFleet } from "../lib/bootstrap/testing/fake-hosts.ts";
import { type FakeGitHub, startFakeGitHub } from "../lib/github/testing/fake-github.ts";
import { type ActionResult, type ActionRun, runAction } from "../lib/github/testing/run-action.ts";
import { createScratchClone, type ScratchClone } from "../lib/github/testing/scratch-clone.ts";
import { startRegistry, stopRegistry, type TestRegistry } from "../lib/images/testing/registry.ts";
import { runCommand } from "../lib/process.ts";
import { kubectl } from "../lib/reconcile/testing.ts";
import { type RecordingProxy, startRecordingProxy } from "../lib/testing/recording-proxy.ts";
import { type ProcessOutput, runProcess } from "../lib/testing/run-process.ts";
import { type Secret, SecretSearch } from "../lib/testing/secret-search.ts";
import {
  adminClients,
  bindDeployer,
  createServiceAccountToken,
  unbindDeployer,
  writeTokenKubeconfig,
} from "../lib/testing/service-account.ts";

// The pipeline as the workflows run it, with recognisable fake secrets: the
// actions as the runner calls them, the CLI, and bootstrap over real sshd.
// Every output is searched for every secret, as it is and base64-encoded.
const REGISTRY_USERNAME = "mooring-leak-test";
const REGISTRY_PASSWORD = "canary-registry-password-7c41e9d2b5a8";
// bcrypt of REGISTRY_PASSWORD (cost 4), made with Python's crypt module, because the registry's htpasswd accepts bcrypt only.
const REGISTRY_PASSWORD_BCRYPT = "$2b$04$9enGISOyYBr.IqIDnnm.nu.PyUTOAOxbGaeumSqlDPh8xyo9ru/6C";
const WRONG_REGISTRY_PASSWORD = "canary-wrong-registry-password-3f8a06";
const GITHUB_TOKEN = "ghs_canaryGitHubToken7Q2mX9vR4kL1pZ8w";
const WRONG_GITHUB_TOKEN = "ghs_canaryWrongToken5N3bH6tY0cJ2qD7";
// Another cluster's static token, in a kubeconfig that does not parse.
const OTHER_CLUSTER_TOKEN = "canary-static-token-9d4b2f7e1a";
// The join tokens the simulated control plane creates: 'abcdef.' and a count of 16 digits.
const JOIN_TOKENS = [1, 2, 3, 4, 5, 6].map((count) => `abcdef.${String(count).padStart(16, "0")}`);
// The client key in the simulated kubeadm's admin kubeconfig: base64 of 'secret-key'.
const ADMIN_CLIENT_KEY = "c2VjcmV0LWtleQ==";
const SERVICES = ["frontend", "image", "time"];
const PULL_REQUEST = 7;
const namespace = `leak-${randomBytes(3).toString("hex")}`;
const clusterRole = `mooring-${namespace}`;
const EVENT = {
  action: "synchronize",
  number: PULL_REQUEST,
  pull_request: {
    number: PULL_REQUEST,
    head: { sha: "0123456789abcdef0123456789abcdef01234567", repo: { full_name: "acme/shop" } },
  },
};

interface Context {
  /** This test's private folder: kubeconfigs, the registry's storage, TMPDIR, RUNNER_TEMP, rendered files. */
  folder: string;
  registry: TestRegistry;
  github: FakeGitHub;
  proxy: RecordingProxy;
  clone: ScratchClone;
  fleet: FakeFleet;
  sshKey: string;
  secrets: Secret[];
  search: SecretSearch;
  /** The same search over the places each secret is meant to be, which must find every one. */
  control: SecretSearch;
  images: string;
}

const leak = suite<Context>("secret leak search");

leak.before(async (context) => {
  context.folder = await mkdtemp(join(tmpdir(), "mooring-secret-leak-"));
  for (const folder of ["tmp", "runner-temp", "render", "cli-render"])
    await mkdir(join(context.folder, folder));

  // 1. A registry that requires the password, and GitHub behind a proxy that requires the token.
  await writeFile(join(context.folder, "htpasswd"), `${REGISTRY_USERNAME}:${REGISTRY_PASSWORD_BCRYPT}\n`);
  context.registry = await startRegistry(
    context.folder,
    "registry",
    ["  htpasswd:", "    realm: mooring-leak-test", `    path: ${join(context.folder, "htpasswd")}`].join(
      "\n",
    ),
  );
  context.github = await startFakeGitHub("acme/shop");
  context.proxy = await startRecordingProxy(context.github.url, `token ${GITHUB_TOKEN}`);

  // 2. A ServiceAccount token that may deploy to the namespace, and one that is revoked.
  await adminClients().core.createNamespace({ body: { metadata: { name: namespace } } });
  const deployerToken = await createServiceAccountToken(namespace, "deployer");
  await bindDeployer(namespace, "deployer", clusterRole);
  const revokedToken = await createServiceAccountToken(namespace, "revoked");
  await adminClients().core.deleteNamespacedServiceAccount({ name: "revoked", namespace });
  await writeTokenKubeconfig(join(context.folder, "deployer.kubeconfig"), deployerToken);
  await writeTokenKubeconfig(join(context.folder, "revoked.kubeconfig"), revokedToken);
  await writeMalformedFiles(context);

  // 3. The simulated Fedora machines, whose logins accept only the fleet's key.
  context.fleet = await startFleet(["cp", "w1"]);
  context.sshKey = await readFile(context.fleet.identityFile, "utf8");

  // 4. The repository, with environments on the test's registry and credentials.
  context.clone = await createScratchClone({ local: namespace });
  await configureEnvironments(context);

  context.secrets = secretsOf(context.sshKey, deployerToken, revokedToken);
  context.search = new SecretSearch(context.secrets);
  context.control = new SecretSearch(context.secrets);
});

leak.after(async (context) => {
  await adminClients()
    .core.deleteNamespace({ name: namespace })
    .catch(() => undefined);
  await unbindDeployer(clusterRole);
  await context.proxy?.close();
  await context.github?.close();
  if (context.registry !== undefined) await stopRegistry(context.registry);
  await context.fleet?.stop();
  await context.clone?.remove();
  await rm(context.folder, { recursive: true, force: true });
});

leak("each credential is required", async (context) => {
  const registry = await fetch(`http://${context.registry.host}/v2/`);
  assert.is(registry.status, 401, "the registry accepts anonymous requests");

  const github = await fetch(`${context.proxy.url}/repos/acme/shop/pulls`);
  assert.is(github.status, 401, "the GitHub proxy accepts requests without the token");

  // The revoked token is rejected once the token controller has deleted its Secret.
  let status = 0;
  for (let attempt = 0; attempt < 100 && status !== 401; attempt++) {
    status = await kubernetesStatus(join(context.folder, "revoked.kubeconfig"));
    if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.is(status, 401, "the API server accepts the revoked ServiceAccount token");
  assert.is(await kubernetesStatus(join(context.folder, "deployer.kubeconfig")), 200);
});

leak("build action pushes with the password", async (context) => {
  const build = await runStep(context, "build action", "build", { inputs: { environment: "local" } });

  assert.is(build.exitCode, 0, build.log);
  assert.equal(JSON.parse(build.outputs.built ?? "[]"), SERVICES);
  context.images = build.outputs.images ?? "";
  assert.match(context.images, context.registry.host);

  // The images are in the registry, which only the password opens.
  const authorization = `Basic ${Buffer.from(`${REGISTRY_USERNAME}:${REGISTRY_PASSWORD}`).toString("base64")}`;
  for (const service of SERVICES) {
    const url = `http://${context.registry.host}/v2/mooring-leak/${service}/tags/list`;
    const tags = (await (await fetch(url, { headers: { authorization } })).json()) as { tags?: string[] };
    assert.ok(
      tags.tags?.some((tag) => tag.startsWith("inputs-")),
      `${service}: ${JSON.stringify(tags)}`,
    );
  }
  assertNoFindings(context);
});

leak("render action writes manifests", async (context) => {
  const directory = join(context.folder, "render");
  const render = await runStep(context, "render action", "render", {
    inputs: { environment: "local", images: context.images, "output-directory": directory },
  });

  assert.is(render.exitCode, 0, render.log);
  const files = await context.search.addFolder("render action files", directory);
  // One file per object, and the marker that lists them.
  assert.is(files, Number(render.outputs.count) + 1);
  assertNoFindings(context);
});

leak("report and deploy actions publish", async (context) => {
  const before = context.proxy.exchanges.length;

  const start = await runStep(context, "report start", "report", {
    inputs: { stage: "start", environment: "local", "github-token": GITHUB_TOKEN },
  });
  assert.is(start.exitCode, 0, start.log);
  const deploy = await runStep(context, "deploy action", "deploy", { inputs: { environment: "local" } });
  assert.is(deploy.exitCode, 0, deploy.log);
  const finish = await runStep(context, "report finish", "report", {
    inputs: {
      stage: "finish",
      environment: "local",
      report: deploy.outputs.report ?? "",
      "deployment-id": start.outputs["deployment-id"] ?? "",
      "github-token": GITHUB_TOKEN,
    },
  });
  assert.is(finish.exitCode, 0, finish.log);

  // The token reached GitHub, and the ServiceAccount token reached the cluster.
  const exchanges = context.proxy.exchanges.slice(before);
  assert.ok(exchanges.length > 0, "no request reached GitHub");
  assert.equal(
    exchanges.filter((exchange) => exchange.status === 401),
    [],
  );
  assert.match(context.github.state.comments[0]?.body ?? "", "Deployed");
  const deployments = kubectl("get", "deployments", "-n", namespace, "-o", "name");
  assert.is(deployments.trim().split("\n").length, SERVICES.length, deployments);
  assertNoFindings(context);
});

leak("failed deploy with a revoked token", async (context) => {
  const { deploy, finish } = await deployAndReport(context, "revoked token", "revoked");

  assert.is(deploy.exitCode, 1, deploy.log);
  assert.match(deploy.outputs.report ?? "", "Unauthorized");
  assert.is(finish.exitCode, 0, finish.log);
  assert.match(context.github.state.comments[0]?.body ?? "", "Deploy failed");
  assertNoFindings(context);
});

leak("wrong credentials fail quietly", async (context) => {
  const build = await runStep(context, "build action, wrong password", "build", {
    inputs: { environment: "local" },
    env: { MOORING_REGISTRY_PASSWORD: WRONG_REGISTRY_PASSWORD },
  });
  assert.is(build.exitCode, 1, build.log);
  assert.match(build.log, "rejected the credentials");

  const before = context.proxy.exchanges.length;
  const report = await runStep(context, "report start, wrong token", "report", {
    inputs: { stage: "start", environment: "local", "github-token": WRONG_GITHUB_TOKEN },
  });
  assert.match(report.log, "Bad credentials");
  const rejected = context.proxy.exchanges.slice(before);
  assert.ok(rejected.length > 0, "no request reached GitHub");
  for (const exchange of rejected) {
    assert.is(exchange.headers.authorization, `token ${WRONG_GITHUB_TOKEN}`);
    assert.is(exchange.status, 401);
  }
  assertNoFindings(context);
});

leak("malformed credential files fail quietly", async (context) => {
  const { deploy, finish } = await deployAndReport(context, "malformed kubeconfig", "malformed");
  assert.is(deploy.exitCode, 1, deploy.log);
  assert.match(deploy.outputs.report ?? "", "Cannot read kubeconfig");
  assert.is(finish.exitCode, 0, finish.log);

  const build = await runStep(context, "build action, malformed auth file", "build", {
    inputs: { environment: "local" },
    env: {
      MOORING_REGISTRY_USERNAME: "",
      MOORING_REGISTRY_PASSWORD: "",
      REGISTRY_AUTH_FILE: join(context.folder, "malformed-auth.json"),
    },
  });
  assert.is(build.exitCode, 1, build.log);
  assert.match(build.log, "Invalid registry auth file");
  assertNoFindings(context);
});

leak("bootstrap action logs in with the key", async (context) => {
  const inputs = {
    environment: "fleet",
    "known-hosts": [...context.fleet.hosts.values()].map((host) => host.knownHostsLine).join("\n"),
    "ssh-private-key": context.sshKey,
  };
  const failJoin = join(context.fleet.directory, "hosts", "w1", "state", "fail-join");
  await writeFile(failJoin, "");

  const failed = await runStep(context, "bootstrap action, failed join", "bootstrap", { inputs });
  assert.is(failed.exitCode, 1, failed.log);
  const diagnostics = failed.outputs.diagnostics ?? "";
  assert.ok(diagnostics !== "", failed.log);
  context.search.add("bootstrap diagnostics", await readFile(diagnostics));

  await rm(failJoin);
  // A kubeconfig that cannot be merged into, holding another cluster's token.
  const kubeconfig = join(context.clone.root, ".mooring", "fleet-kubeconfig");
  await writeFile(kubeconfig, await readFile(join(context.folder, "malformed.kubeconfig")));
  const unmerged = await runStep(context, "bootstrap action, malformed kubeconfig", "bootstrap", { inputs });
  assert.is(unmerged.exitCode, 1, unmerged.log);
  assert.match(unmerged.log, "kubeconfig");

  await rm(kubeconfig);
  const done = await runStep(context, "bootstrap action", "bootstrap", { inputs });
  assert.is(done.exitCode, 0, done.log);

  // Every machine ran steps, the join used the tokens, and the admin key went only into the kubeconfig.
  for (const host of ["cp", "w1"]) assert.ok((await context.fleet.calls(host)).length > 0, host);
  const tokens = (await readFile(join(context.fleet.clusterDirectory, "tokens"), "utf8")).trim().split("\n");
  assert.ok(tokens.length > 0 && tokens.every((token) => JOIN_TOKENS.includes(token)), tokens.join(", "));
  assert.is((await stat(kubeconfig)).mode & 0o777, 0o600);
  assert.match(await readFile(kubeconfig, "utf8"), ADMIN_CLIENT_KEY);
  assertNoFindings(context);
});

leak("CLI commands", async (context) => {
  // A changed source, so that 'build --verbose' runs the builder and prints its output.
  await appendFile(
    join(context.clone.root, "services", "time", "src", "app.ts"),
    "\n// Changed by the leak test.\n",
  );
  // The expected exit code; undefined where either is right.
  const commands: Array<[string[], number | undefined]> = [
    [["validate"], 0],
    [["build", "--verbose"], 0],
    [["render", "--out", join(context.folder, "cli-render")], 0],
    [["plan"], 0],
    [["deploy"], 0],
    // The Deployments run 0 replicas, so their Services have no endpoints and are still healthy.
    [["status"], 0],
    [["drift"], 0],
    [["rollback", "--to", "1"], 0],
    [["deploy", "--env", "revoked"], 1],
    [["bootstrap", "--env", "fleet", "--plan"], 0],
  ];
  for (const [args, expected] of commands) {
    const { code, output } = await runCli(context, args);
    context.search.add(`mooring ${args.join(" ")}`, output);
    if (expected !== undefined) assert.is(code, expected, `mooring ${args.join(" ")}:\n${output}`);
  }
  await context.search.addFolder("mooring render --out", join(context.folder, "cli-render"));
  assertNoFindings(context);
});

leak("no secret in any output", async (context) => {
  // 1. What GitHub received and stores, less the Authorization headers the token is meant for.
  for (const [index, exchange] of context.proxy.exchanges.entries()) {
    const { authorization: _authorization, ...headers } = exchange.headers;
    context.search.add(
      `GitHub request ${index + 1}: ${exchange.method} ${exchange.url}`,
      JSON.stringify({ url: exchange.url, headers, body: exchange.body, response: exchange.responseBody }),
    );
  }
  context.search.add("fake GitHub state", JSON.stringify(context.github.state));

  // 2. Every object in the namespace, less the ServiceAccount token Secrets the token controller writes.
  const objects = JSON.parse(
    kubectl(
      "get",
      "all,secrets,configmaps,leases,events,poddisruptionbudgets,networkpolicies,serviceaccounts",
      "-n",
      namespace,
      "-o",
      "json",
    ),
  ) as { items: Array<{ kind: string; type?: string; metadata: { name: string } }> };
  for (const object of objects.items) {
    if (object.type === "kubernetes.io/service-account-token") continue;
    context.search.add(`cluster ${object.kind} ${object.metadata.name}`, JSON.stringify(object));
  }

  // 3. The registry's blobs (image layers unpacked, configs, manifests), the workspace and the temporary folders.
  const blobs = await context.search.addFolder("registry", context.registry.storage);
  const written = await writtenFiles(context.clone);
  assert.ok(written.includes("bootstrap-diagnostics.txt"), `written: ${written.join(", ")}`);
  for (const file of written)
    context.search.add(`workspace/${file}`, await readFile(join(context.clone.root, file)));
  const temporary = await context.search.addFolder("TMPDIR", join(context.folder, "tmp"));
  await context.search.addFolder("RUNNER_TEMP", join(context.folder, "runner-temp"));

  console.log(
    `secret leak search: ${context.search.sources.length} outputs, ${(context.search.bytes / 2 ** 20).toFixed(0)} MiB, including ${blobs} registry files, ${written.length} files written into the workspace and ${temporary} files left in TMPDIR`,
  );
  assert.ok(blobs > 0, "the registry stored nothing");
  assertNoFindings(context);
});

leak("search finds each secret where it belongs", async (context) => {
  // The mask commands in the logs, the kubeconfigs, the auth file, the join tokens and bootstrap's kubeconfig.
  for (const file of [
    "deployer.kubeconfig",
    "revoked.kubeconfig",
    "malformed.kubeconfig",
    "malformed-auth.json",
  ]) {
    context.control.add(file, await readFile(join(context.folder, file)));
  }
  context.control.add("join tokens", await readFile(join(context.fleet.clusterDirectory, "tokens")));
  context.control.add(
    "bootstrap's kubeconfig",
    await readFile(join(context.clone.root, ".mooring", "fleet-kubeconfig")),
  );

  const found = new Set(context.control.findings.map((finding) => finding.secret));
  assert.equal(
    context.secrets.map((secret) => secret.name).filter((name) => !found.has(name)),
    [],
    "secrets the search cannot find where they are known to be",
  );
});

leak.run();

/** Lists the secrets of the run: the canary values above and the ones made in `before`. */
function secretsOf(sshKey: string, deployerToken: string, revokedToken: string): Secret[] {
  // A JWT's payload and signature are unique to the token, and its header is the same in every token of the cluster.
  const tokenParts = (token: string) => [token, ...token.split(".").slice(1)];
  // The base64 lines of the key, less the first, which encodes the format's name that every such key shares.
  const keyLines = sshKey
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("-----"))
    .slice(1);
  return [
    { name: "registry password", values: [REGISTRY_PASSWORD] },
    { name: "wrong registry password", values: [WRONG_REGISTRY_PASSWORD] },
    { name: "GitHub token", values: [GITHUB_TOKEN] },
    { name: "wrong GitHub token", values: [WRONG_GITHUB_TOKEN] },
    { name: "kubeconfig token", values: tokenParts(deployerToken) },
    { name: "revoked kubeconfig token", values: tokenParts(revokedToken) },
    { name: "SSH private key", values: keyLines },
    { name: "kubeadm join token", values: JOIN_TOKENS },
    { name: "admin client key", values: [ADMIN_CLIENT_KEY] },
    { name: "other cluster's token", values: [OTHER_CLUSTER_TOKEN] },
  ];
}

// Points `local` at the test's registry and ServiceAccount, with no replicas,
// because the nodes pull only from the shared registry, not from this one. Adds `revoked` and
// `malformed` (the same, with the revoked token and a kubeconfig that does
// not parse) and `fleet` (the simulated machines).
async function configureEnvironments(context: Context): Promise<void> {
  const root = context.clone.root;
  const local = join(root, "clusters", "local", "environment.yaml");
  const document = parseDocument(await readFile(local, "utf8"));
  document.setIn(["cluster", "kubeconfig"], join(context.folder, "deployer.kubeconfig"));
  document.setIn(["images", "registry"], `${context.registry.host}/mooring-leak`);
  document.setIn(
    ["services"],
    Object.fromEntries(
      SERVICES.map((service) => [
        service,
        service === "frontend" ? { replicas: 0, expose: { type: "ClusterIP" } } : { replicas: 0 },
      ]),
    ),
  );
  await writeFile(local, document.toString());

  document.setIn(["name"], "revoked");
  document.setIn(["cluster", "kubeconfig"], join(context.folder, "revoked.kubeconfig"));
  await mkdir(join(root, "clusters", "revoked"));
  await writeFile(join(root, "clusters", "revoked", "environment.yaml"), document.toString());

  document.setIn(["name"], "malformed");
  document.setIn(["cluster", "kubeconfig"], join(context.folder, "malformed.kubeconfig"));
  await mkdir(join(root, "clusters", "malformed"));
  await writeFile(join(root, "clusters", "malformed", "environment.yaml"), document.toString());

  document.setIn(["name"], "fleet");
  document.setIn(["namespace"], `${namespace}-fleet`);
  document.setIn(["cluster"], { kubeconfig: ".mooring/fleet-kubeconfig", context: "mooring-fleet" });
  await mkdir(join(root, "clusters", "fleet"));
  await writeFile(join(root, "clusters", "fleet", "environment.yaml"), document.toString());
  const address = (name: string) => context.fleet.hosts.get(name)?.address;
  await writeFile(
    join(root, "clusters", "fleet", "machines.yaml"),
    [
      'kubernetesVersion: "1.32"',
      "controlPlane:",
      "  name: cp",
      `  address: ${address("cp")}`,
      "workers:",
      "  - name: w1",
      `    address: ${address("w1")}`,
      "cni:",
      "  manifest: /srv/kube-flannel.yml",
      "stepTimeoutSeconds: 60",
      "readyTimeoutSeconds: 10",
      "",
    ].join("\n"),
  );
  await context.clone.git("add", "clusters");
  await context.clone.git("commit", "--quiet", "-m", "Point the environments at the leak test's registry");
}

// Writes credential files with a syntax error next to a secret, as a
// hand-edited file may have. The kubeconfig also contains another cluster's
// token, on the line before a wrongly indented one. The registry auth file's
// 'auth' value lacks its quotes.
async function writeMalformedFiles(context: Context): Promise<void> {
  const kubeconfig = await readFile(join(context.folder, "deployer.kubeconfig"), "utf8");
  const broken = kubeconfig.replace(/^( *)token: (.*)$/m, (_line, indent: string, token: string) =>
    [
      `${indent}token: ${token}`,
      `${indent.slice(4)}- name: other-cluster`,
      `${indent.slice(2)}user:`,
      `${indent}token: ${OTHER_CLUSTER_TOKEN}`,
      `${indent} expires: soon: here`,
    ].join("\n"),
  );
  assert.is.not(broken, kubeconfig, "the kubeconfig has no token line");
  await writeFile(join(context.folder, "malformed.kubeconfig"), broken, { mode: 0o600 });
  const auth = Buffer.from(`${REGISTRY_USERNAME}:${REGISTRY_PASSWORD}`).toString("base64");
  await writeFile(
    join(context.folder, "malformed-auth.json"),
    `{"auths": {"${context.registry.host}": {"auth": ${auth}}}}\n`,
    { mode: 0o600 },
  );
}

// Runs an action as the runner does, with every secret in its environment, and searches what it printed and wrote.
async function runStep(
  context: Context,
  label: string,
  name: string,
  run: Pick<ActionRun, "inputs"> & Partial<ActionRun>,
): Promise<ActionResult> {
  const result = await runAction(name, {
    apiUrl: context.proxy.url,
    workspace: context.clone.root,
    event: EVENT,
    ...run,
    env: { ...secretEnvironment(context), ...run.env },
  });
  context.search.add(`${label} log`, withoutMaskCommands(result.log));
  context.control.add(`${label} log with its mask commands`, result.log);
  context.search.add(`${label} outputs`, JSON.stringify(result.outputs));
  context.search.add(`${label} job summary`, result.summary);
  return result;
}

// Runs the deploy action for `environment`, then the report action's finish stage with its report.
async function deployAndReport(
  context: Context,
  label: string,
  environment: string,
): Promise<{ deploy: ActionResult; finish: ActionResult }> {
  const deploy = await runStep(context, `deploy action, ${label}`, "deploy", { inputs: { environment } });
  const finish = await runStep(context, `report finish, ${label}`, "report", {
    inputs: {
      stage: "finish",
      environment,
      report: deploy.outputs.report ?? "",
      "github-token": GITHUB_TOKEN,
    },
  });
  return { deploy, finish };
}

// The variables a job with every secret would set, and temporary folders of the test's own.
function secretEnvironment(context: Context): Record<string, string> {
  return {
    GITHUB_TOKEN,
    MOORING_REGISTRY_USERNAME: REGISTRY_USERNAME,
    MOORING_REGISTRY_PASSWORD: REGISTRY_PASSWORD,
    TMPDIR: join(context.folder, "tmp"),
    RUNNER_TEMP: join(context.folder, "runner-temp"),
  };
}

// The runner consumes '::add-mask::' commands and never shows them, and they carry the secret by design.
function withoutMaskCommands(log: string): string {
  return log
    .split("\n")
    .filter((line) => !line.startsWith("::add-mask::"))
    .join("\n");
}

function runCli(context: Context, args: string[]): Promise<ProcessOutput> {
  return runProcess(process.execPath, [join(context.clone.root, "bin", "mooring.js"), ...args], {
    cwd: context.clone.root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...secretEnvironment(context),
      MOORING_SSH_PRIVATE_KEY: context.sshKey,
      MOORING_KNOWN_HOSTS: [...context.fleet.hosts.values()].map((host) => host.knownHostsLine).join("\n"),
    },
  });
}

// The status of listing pods in the namespace with `kubeconfig`'s credentials.
async function kubernetesStatus(kubeconfig: string): Promise<number> {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  try {
    await config.makeApiClient(CoreV1Api).listNamespacedPod({ namespace });
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

// The workspace's files that differ from the commit: changed, new or ignored,
// less node_modules and the kubeconfig that bootstrap writes the cluster's
// admin credentials into on purpose (with mode 0600).
async function writtenFiles(clone: ScratchClone): Promise<string[]> {
  const { stdout } = await runCommand(
    "git",
    ["status", "--porcelain", "--ignored", "--untracked-files=all"],
    {
      cwd: clone.root,
    },
  );
  return stdout
    .split("\n")
    .map((line) => line.slice(3))
    .filter((file) => file !== "" && file !== "node_modules" && file !== ".mooring/fleet-kubeconfig");
}

function assertNoFindings(context: Context): void {
  assert.equal(context.search.findings, [], `secrets found:\n${context.search.describe()}`);
}
