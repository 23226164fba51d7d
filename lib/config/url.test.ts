import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createProject, ENVIRONMENT_YAML, PREVIEW_YAML } from "../testing/fixture.ts";
import { loadProject } from "./load.ts";
import { environmentUrl } from "./url.ts";

const environmentUrlSuite = suite("environmentUrl");

async function urlOf(files: Record<string, string>, environment = "local", pullRequest?: number) {
  const root = await createProject(files);
  return environmentUrl(
    await loadProject(root, environment, pullRequest === undefined ? {} : { pullRequest }),
  );
}

environmentUrlSuite("builds a NodePort URL", async () => {
  assert.is(await urlOf({}), "http://127.0.0.1:30080/");
});

environmentUrlSuite("builds an Ingress URL with its scheme and path", async () => {
  const ingress = (extra: string) =>
    ENVIRONMENT_YAML.replace(
      "      type: NodePort\n      nodePort: 30080\n      host: 127.0.0.1",
      `      type: Ingress\n      host: shop.example.com\n      path: /shop/${extra}`,
    );
  assert.is(await urlOf({ "clusters/local/environment.yaml": ingress("") }), "http://shop.example.com/shop/");
  assert.is(
    await urlOf({ "clusters/local/environment.yaml": ingress("\n      tlsSecretName: shop-tls") }),
    "https://shop.example.com/shop/",
  );
});

environmentUrlSuite("uses a preview's URL", async () => {
  assert.is(
    await urlOf({ "clusters/preview/environment.yaml": PREVIEW_YAML }, "preview", 9),
    "https://pr-9.preview.example.com/",
  );
});

environmentUrlSuite("returns undefined without an exposed service", async () => {
  const clusterIp = ENVIRONMENT_YAML.replace(
    "      type: NodePort\n      nodePort: 30080\n      host: 127.0.0.1",
    "      type: ClusterIP",
  );
  assert.is(await urlOf({ "clusters/local/environment.yaml": clusterIp }), undefined);
});

environmentUrlSuite.run();
