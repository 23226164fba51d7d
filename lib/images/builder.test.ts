import { suite } from "uvu";
import * as assert from "uvu/assert";
import { commandExists } from "../process.ts";
import { type BuildRequest, buildahBuildArguments, detectBuilder, dockerBuildArguments } from "./builder.ts";

const request: BuildRequest = {
  context: "/tmp/context",
  containerfile: "/repo/services/time/Containerfile",
  reference: "localhost:5000/mooring/time:inputs-0123",
  buildArgs: { BUILD_IMAGE: "b@sha256:2", BASE_IMAGE: "a@sha256:1" },
  labels: { "org.opencontainers.image.title": "time" },
  insecure: true,
  authFile: "/tmp/auth/auth.json",
};

const buildahBuildArgumentsSuite = suite("buildahBuildArguments");

buildahBuildArgumentsSuite("passes layers, time 0, host network, auth, sorted arguments and labels", () => {
  assert.equal(buildahBuildArguments(request), [
    "build",
    "--layers",
    "--timestamp",
    "0",
    "--network",
    "host",
    "--tls-verify=false",
    "--authfile",
    "/tmp/auth/auth.json",
    "--build-arg",
    "BASE_IMAGE=a@sha256:1",
    "--build-arg",
    "BUILD_IMAGE=b@sha256:2",
    "--label",
    "org.opencontainers.image.title=time",
    "--file",
    "/repo/services/time/Containerfile",
    "--tag",
    "localhost:5000/mooring/time:inputs-0123",
    "/tmp/context",
  ]);
});

buildahBuildArgumentsSuite("verifies TLS and omits the auth file by default", () => {
  const args = buildahBuildArguments({ ...request, insecure: false, authFile: undefined });
  assert.ok(args.includes("--tls-verify=true"));
  assert.not.ok(args.includes("--authfile"));
});

const dockerBuildArgumentsSuite = suite("dockerBuildArguments");

dockerBuildArgumentsSuite("pushes one manifest and writes metadata", () => {
  assert.equal(dockerBuildArguments(request, "/tmp/m.json"), [
    "buildx",
    "build",
    "--push",
    "--provenance=false",
    "--metadata-file",
    "/tmp/m.json",
    "--build-arg",
    "BASE_IMAGE=a@sha256:1",
    "--build-arg",
    "BUILD_IMAGE=b@sha256:2",
    "--label",
    "org.opencontainers.image.title=time",
    "--file",
    "/repo/services/time/Containerfile",
    "--tag",
    "localhost:5000/mooring/time:inputs-0123",
    "/tmp/context",
  ]);
});

const detectBuilderSuite = suite("detectBuilder");

detectBuilderSuite("rejects an unknown builder name", async () => {
  try {
    await detectBuilder("kaniko");
    assert.unreachable("detectBuilder resolved");
  } catch (error) {
    assert.is(
      (error as Error).message,
      "Unknown image builder 'kaniko': expected one of 'buildah', 'podman', 'docker'",
    );
  }
});

detectBuilderSuite("prefers buildah, then podman", async () => {
  const expected = (await commandExists("buildah"))
    ? "buildah"
    : (await commandExists("podman"))
      ? "podman"
      : undefined;
  if (expected === undefined) {
    try {
      await detectBuilder();
      assert.unreachable("detectBuilder resolved without buildah or podman");
    } catch (error) {
      assert.match(
        (error as Error).message,
        /^No image builder found \(buildah: 'buildah' is not on the PATH; /,
      );
    }
    return;
  }
  assert.is((await detectBuilder()).name, expected);
});

detectBuilderSuite("rejects a named builder that is missing", async () => {
  const path = process.env.PATH;
  process.env.PATH = "/nonexistent";
  try {
    await detectBuilder("podman");
    assert.unreachable("detectBuilder resolved");
  } catch (error) {
    assert.is((error as Error).message, "Image builder 'podman' is not usable: 'podman' is not on the PATH");
  } finally {
    process.env.PATH = path;
  }
});

buildahBuildArgumentsSuite.run();
dockerBuildArgumentsSuite.run();
detectBuilderSuite.run();
