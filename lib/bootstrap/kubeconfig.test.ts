import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "yaml";
import { mergeKubeconfig } from "./kubeconfig.ts";

const ADMIN = `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://192.168.10.10:6443
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: kubernetes-admin
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
users:
- name: kubernetes-admin
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
`;

const OTHER = `apiVersion: v1
kind: Config
clusters:
- name: production
  cluster:
    server: https://10.0.0.1:6443
contexts:
- name: production
  context:
    cluster: production
    user: production
current-context: production
users:
- name: production
  user:
    token: abc
`;

const mergeSuite = suite("mergeKubeconfig");

mergeSuite("new file gets the cluster under the context name", () => {
  const merged = parse(mergeKubeconfig(undefined, ADMIN, "mooring-staging"));

  assert.equal(merged, {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "mooring-staging",
        cluster: { "certificate-authority-data": "Q0E=", server: "https://192.168.10.10:6443" },
      },
    ],
    users: [
      {
        name: "mooring-staging-admin",
        user: { "client-certificate-data": "Q0VSVA==", "client-key-data": "S0VZ" },
      },
    ],
    contexts: [
      { name: "mooring-staging", context: { cluster: "mooring-staging", user: "mooring-staging-admin" } },
    ],
    "current-context": "mooring-staging",
  });
});

mergeSuite("existing entries and current context are kept", () => {
  const merged = parse(mergeKubeconfig(OTHER, ADMIN, "mooring-staging"));

  assert.equal(
    merged.contexts.map((entry: { name: string }) => entry.name),
    ["production", "mooring-staging"],
  );
  assert.is(merged["current-context"], "production");
  assert.equal(merged.users[0], { name: "production", user: { token: "abc" } });
});

mergeSuite("merging twice gives the same text", () => {
  const once = mergeKubeconfig(OTHER, ADMIN, "mooring-staging");

  assert.is(mergeKubeconfig(once, ADMIN, "mooring-staging"), once);
});

mergeSuite("without a context, kubeadm's name becomes current", () => {
  const merged = parse(mergeKubeconfig(OTHER, ADMIN, undefined));

  assert.is(merged["current-context"], "kubernetes-admin@kubernetes");
});

mergeSuite("invalid YAML is reported without its lines", () => {
  const broken = OTHER.replace("token: abc", "token: secret-token-abc\n   expires: soon: here");

  assert.throws(
    () => mergeKubeconfig(broken, ADMIN, "mooring-staging"),
    (error: Error) =>
      /^the existing kubeconfig is not valid YAML: .*line \d+, column \d+/.test(error.message) &&
      !error.message.includes("secret-token-abc"),
  );
});

mergeSuite.run();
