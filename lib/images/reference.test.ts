import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parseImageReference, pinImageReference } from "./reference.ts";

const parseImageReferenceSuite = suite("parseImageReference");

parseImageReferenceSuite("fills in Docker Hub defaults", () => {
  assert.equal(parseImageReference("node:24-slim"), {
    registry: "docker.io",
    repository: "library/node",
    tag: "24-slim",
  });
  assert.equal(parseImageReference("docker.io/library/node"), {
    registry: "docker.io",
    repository: "library/node",
    tag: "latest",
  });
  assert.equal(parseImageReference("acme/tool:1"), {
    registry: "docker.io",
    repository: "acme/tool",
    tag: "1",
  });
});

parseImageReferenceSuite("keeps a registry with a port", () => {
  assert.equal(parseImageReference("localhost:5000/mooring/node-base:node-20"), {
    registry: "localhost:5000",
    repository: "mooring/node-base",
    tag: "node-20",
  });
});

parseImageReferenceSuite("reads a digest", () => {
  const digest = `sha256:${"a".repeat(64)}`;
  assert.equal(parseImageReference(`gcr.io/distroless/nodejs24-debian12@${digest}`), {
    registry: "gcr.io",
    repository: "distroless/nodejs24-debian12",
    digest,
  });
});

parseImageReferenceSuite("rejects a malformed reference", () => {
  assert.throws(
    () => parseImageReference("node@sha256:short"),
    /Invalid image reference 'node@sha256:short'/,
  );
});

const pinImageReferenceSuite = suite("pinImageReference");

pinImageReferenceSuite("keeps a reference that has a digest", async () => {
  const reference = `localhost:5000/mooring/node-base@sha256:${"b".repeat(64)}`;
  assert.is(await pinImageReference(reference, {}), reference);
});

parseImageReferenceSuite.run();
pinImageReferenceSuite.run();
