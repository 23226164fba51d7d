// A ServiceAccount of a test's own, with the token Kubernetes 1.20's token
// controller creates for it, and a kubeconfig that authenticates with that
// token alone: no client certificate, so every request that succeeds used it.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CoreV1Api, KubeConfig, KubernetesObjectApi } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { REPOSITORY_ROOT } from "./fixture.ts";

/** The local cluster's admin kubeconfig, which scripts/cluster/up.sh writes. */
export const ADMIN_KUBECONFIG = join(REPOSITORY_ROOT, ".mooring", "kubeconfig");

/** Clients for the local cluster as its admin. */
export function adminClients(): { config: KubeConfig; core: CoreV1Api; objects: KubernetesObjectApi } {
  const config = new KubeConfig();
  config.loadFromFile(ADMIN_KUBECONFIG);
  return {
    config,
    core: config.makeApiClient(CoreV1Api),
    objects: KubernetesObjectApi.makeApiClient(config),
  };
}

/**
 * Creates ServiceAccount `name` in `namespace` (which must exist) and waits
 * for the token the token controller puts in its Secret. Returns the token.
 */
export async function createServiceAccountToken(namespace: string, name: string): Promise<string> {
  const { core } = adminClients();
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  for (let attempt = 0; attempt < 300; attempt++) {
    const account = await core.readNamespacedServiceAccount({ name, namespace });
    const secretName = account.secrets?.[0]?.name;
    if (secretName !== undefined) {
      const secret = await core.readNamespacedSecret({ name: secretName, namespace });
      const token = secret.data?.token;
      if (token !== undefined) return Buffer.from(token, "base64").toString("utf8");
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`ServiceAccount '${namespace}/${name}' got no token within 30 seconds`);
}

/**
 * Grants ServiceAccount `name` every verb on every resource in `namespace`
 * (a Role) and on Namespaces (a ClusterRole named `clusterRole`), which is
 * what a deploy to that namespace needs. The caller deletes the ClusterRole
 * and its binding, which carry `clusterRole` as their name.
 */
export async function bindDeployer(namespace: string, name: string, clusterRole: string): Promise<void> {
  const { objects } = adminClients();
  const subjects = [{ kind: "ServiceAccount", name, namespace }];
  const rbac = "rbac.authorization.k8s.io";
  await objects.create({
    apiVersion: `${rbac}/v1`,
    kind: "Role",
    metadata: { name, namespace },
    rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
  } as never);
  await objects.create({
    apiVersion: `${rbac}/v1`,
    kind: "RoleBinding",
    metadata: { name, namespace },
    roleRef: { apiGroup: rbac, kind: "Role", name },
    subjects,
  } as never);
  await objects.create({
    apiVersion: `${rbac}/v1`,
    kind: "ClusterRole",
    metadata: { name: clusterRole },
    rules: [{ apiGroups: [""], resources: ["namespaces"], verbs: ["*"] }],
  } as never);
  await objects.create({
    apiVersion: `${rbac}/v1`,
    kind: "ClusterRoleBinding",
    metadata: { name: clusterRole },
    roleRef: { apiGroup: rbac, kind: "ClusterRole", name: clusterRole },
    subjects,
  } as never);
}

/** Deletes the ClusterRole and ClusterRoleBinding `bindDeployer` created; the namespaced ones go with the namespace. */
export async function unbindDeployer(clusterRole: string): Promise<void> {
  const { objects } = adminClients();
  const rbac = "rbac.authorization.k8s.io/v1";
  for (const kind of ["ClusterRoleBinding", "ClusterRole"]) {
    await objects
      .delete({ apiVersion: rbac, kind, metadata: { name: clusterRole } } as never)
      .catch(() => undefined);
  }
}

/**
 * Writes a kubeconfig to `path` (mode 0600) for the local cluster's API
 * server and CA, whose only credential is `token`.
 */
export async function writeTokenKubeconfig(path: string, token: string): Promise<void> {
  const { config } = adminClients();
  const cluster = config.getCurrentCluster();
  if (cluster === null) throw new Error(`Kubeconfig '${ADMIN_KUBECONFIG}' has no current cluster`);
  const authority =
    cluster.caData ?? (cluster.caFile ? (await readFile(cluster.caFile)).toString("base64") : undefined);
  const kubeconfig = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: "local", cluster: { server: cluster.server, "certificate-authority-data": authority } },
    ],
    users: [{ name: "deployer", user: { token } }],
    contexts: [{ name: "deployer", context: { cluster: "local", user: "deployer" } }],
    "current-context": "deployer",
  };
  await writeFile(path, stringify(kubeconfig), { mode: 0o600 });
}
