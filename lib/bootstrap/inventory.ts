import { isIP } from "node:net";
import { join } from "node:path";
import { z } from "zod";
import { ConfigError, type ConfigProblem } from "../config/errors.ts";
import { dnsLabel, integerBetween, isDnsSubdomain } from "../config/fields.ts";
import { formatPath, loadYamlFile } from "../config/yaml-file.ts";

/** The manifest flannel publishes with each release; `kubectl apply -f` fetches it on the control plane. */
export const FLANNEL_MANIFEST_URL =
  "https://github.com/flannel-io/flannel/releases/latest/download/kube-flannel.yml";

/** The pod network flannel's published manifest configures in its `net-conf.json`. */
export const FLANNEL_DEFAULT_CIDR = "10.244.0.0/16";

// A name of digits and dots only, such as '300.1.2.3', is a mistyped IPv4 address, not a host name.
const address = z
  .string({ error: "expected an IP address or host name" })
  .refine((value) => isIP(value) !== 0 || (isDnsSubdomain(value) && !/^[0-9.]+$/.test(value)), {
    error: "expected an IP address (IPv4: four numbers from 0 to 255) or host name",
  });

const machine = z.strictObject({
  /** Node name in Kubernetes; also the name the reports use. */
  name: dnsLabel,
  /** Address the runner reaches the machine's SSH server at. */
  address,
  /** Address the other machines reach this one at; `address` when left out. */
  internalAddress: address.optional(),
  /** SSH user; it must be root or have passwordless sudo. */
  user: z
    .string({ error: "expected a user name" })
    .regex(/^[a-z_][a-z0-9_-]*$/, {
      error: "expected a user name such as 'fedora'",
    })
    .optional(),
  /** SSH port. */
  port: integerBetween(1, 65535).optional(),
});

const cidr = z.string({ error: "expected a CIDR such as '10.244.0.0/16'" }).refine(
  (value) => {
    const [ip, bits, extra] = value.split("/");
    return extra === undefined && isIP(ip ?? "") === 4 && /^[0-9]+$/.test(bits ?? "") && Number(bits) <= 30;
  },
  { error: "expected an IPv4 CIDR such as '10.244.0.0/16'" },
);

const MANIFEST_EXPECTED = "expected an http(s) URL, or an absolute path on the control plane";

/** The schema of `clusters/<env>/machines.yaml`. */
export const inventorySchema = z
  .strictObject({
    /** Kubernetes minor version; picks Fedora's versioned packages such as `kubernetes1.32`. */
    kubernetesVersion: z
      .string({ error: 'expected a quoted minor version such as "1.32"' })
      .regex(/^1\.[0-9]+$/, { error: 'expected a minor version such as "1.32"' }),
    /** SSH settings every machine uses unless it sets its own. */
    ssh: z
      .strictObject({
        user: z.string({ error: "expected a user name" }).regex(/^[a-z_][a-z0-9_-]*$/, {
          error: "expected a user name such as 'fedora'",
        }),
        port: integerBetween(1, 65535),
      })
      .partial()
      .default({}),
    controlPlane: machine,
    workers: z.array(machine).default([]),
    /** Pod network CIDR given to `kubeadm init --pod-network-cidr`. */
    podNetworkCidr: cidr.default(FLANNEL_DEFAULT_CIDR),
    cni: z
      .strictObject({
        plugin: z.literal("flannel", { error: "expected 'flannel'" }).default("flannel"),
        /** URL or path on the control plane of the manifest `kubectl apply -f` reads. */
        manifest: z
          .string({ error: MANIFEST_EXPECTED })
          .refine(
            (value) =>
              /^\/[\x21-\x7e]*$/.test(value) ||
              (/^https?:\/\/[\x21-\x7e]+$/.test(value) && URL.canParse(value)),
            { error: MANIFEST_EXPECTED },
          )
          .default(FLANNEL_MANIFEST_URL),
      })
      .default({ plugin: "flannel", manifest: FLANNEL_MANIFEST_URL }),
    /** `firewalld` opens each role's ports; `disabled` stops and disables firewalld. */
    firewall: z
      .enum(["firewalld", "disabled"], { error: "expected 'firewalld' or 'disabled'" })
      .default("firewalld"),
    /** `enforcing` leaves SELinux as Fedora ships it; `permissive` sets it permissive now and after reboot. */
    selinux: z
      .enum(["enforcing", "permissive"], { error: "expected 'enforcing' or 'permissive'" })
      .default("enforcing"),
    /** Seconds each step may take on one machine before it counts as failed. */
    stepTimeoutSeconds: integerBetween(10, 3600, "seconds").default(600),
    /** Seconds to wait for every node to become Ready. */
    readyTimeoutSeconds: integerBetween(10, 3600, "seconds").default(300),
  })
  .superRefine((value, context) => {
    const seen = new Map<string, string>();
    const all = [
      { machine: value.controlPlane, path: ["controlPlane"] },
      ...value.workers.map((worker, index) => ({ machine: worker, path: ["workers", index] })),
    ];
    // kubeadm init takes only an IP address for --apiserver-advertise-address.
    const advertised = value.controlPlane.internalAddress ?? value.controlPlane.address;
    if (isIP(advertised) === 0) {
      context.addIssue({
        code: "custom",
        path: [
          "controlPlane",
          value.controlPlane.internalAddress === undefined ? "address" : "internalAddress",
        ],
        message: `the control plane's API server is advertised at this address, so it must be an IP address, got '${advertised}'; give the IP address as 'internalAddress'`,
      });
    }
    for (const { machine, path } of all) {
      const first = seen.get(machine.name);
      if (first !== undefined) {
        context.addIssue({
          code: "custom",
          path: [...path, "name"],
          message: `the name '${machine.name}' is already used by ${first}; expected a name per machine`,
        });
      }
      seen.set(machine.name, formatPath(path));
    }
  });

/** A machine with every SSH setting filled in. */
export interface Machine {
  name: string;
  role: "control-plane" | "worker";
  address: string;
  internalAddress: string;
  user: string;
  port: number;
}

/** The checked contents of `clusters/<env>/machines.yaml`. */
export interface Inventory {
  /** Path of the file, relative to the project root. */
  file: string;
  kubernetesVersion: string;
  controlPlane: Machine;
  workers: Machine[];
  podNetworkCidr: string;
  cni: { plugin: "flannel"; manifest: string };
  firewall: "firewalld" | "disabled";
  selinux: "enforcing" | "permissive";
  stepTimeoutSeconds: number;
  readyTimeoutSeconds: number;
}

/** Path of an environment's inventory, relative to the project root. */
export function inventoryFile(environmentName: string): string {
  return join("clusters", environmentName, "machines.yaml");
}

/**
 * Loads and checks `clusters/<environmentName>/machines.yaml`.
 * Throws one ConfigError listing every problem found.
 */
export async function loadInventory(root: string, environmentName: string): Promise<Inventory> {
  const file = inventoryFile(environmentName);
  const checked = await loadYamlFile(join(root, file), inventorySchema, root);
  if (!checked.ok) throw new ConfigError(checked.problems);
  const value = checked.value;
  const problems: ConfigProblem[] = [];
  if (
    value.cni.plugin === "flannel" &&
    value.podNetworkCidr !== FLANNEL_DEFAULT_CIDR &&
    value.cni.manifest === FLANNEL_MANIFEST_URL
  ) {
    problems.push({
      file,
      line: checked.lineOf(["podNetworkCidr"]),
      path: "podNetworkCidr",
      message: `flannel's published manifest uses ${FLANNEL_DEFAULT_CIDR}, got '${value.podNetworkCidr}'; use ${FLANNEL_DEFAULT_CIDR}, or set cni.manifest to a copy whose net-conf.json names your CIDR`,
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const fill = (entry: z.infer<typeof machine>, role: Machine["role"]): Machine => ({
    name: entry.name,
    role,
    address: entry.address,
    internalAddress: entry.internalAddress ?? entry.address,
    user: entry.user ?? value.ssh.user ?? "root",
    port: entry.port ?? value.ssh.port ?? 22,
  });
  return {
    file,
    kubernetesVersion: value.kubernetesVersion,
    controlPlane: fill(value.controlPlane, "control-plane"),
    workers: value.workers.map((worker) => fill(worker, "worker")),
    podNetworkCidr: value.podNetworkCidr,
    cni: value.cni,
    firewall: value.firewall,
    selinux: value.selinux,
    stepTimeoutSeconds: value.stepTimeoutSeconds,
    readyTimeoutSeconds: value.readyTimeoutSeconds,
  };
}
