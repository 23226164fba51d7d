import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createGitHubClient } from "./client.ts";
import { setCommitStatus } from "./commit-status.ts";
import { createDeployment, deactivateDeployments, setDeploymentState } from "./deployments.ts";
import { type FakeGitHub, startFakeGitHub } from "./testing/fake-github.ts";

const deployments = suite<{ github: FakeGitHub }>("deployments");
const repository = { owner: "acme", repo: "shop" };

deployments.before.each(async (context) => {
  context.github = await startFakeGitHub("acme/shop");
});
deployments.after.each(async (context) => {
  await context.github.close();
});

function client(github: FakeGitHub) {
  return createGitHubClient("test-token", { baseUrl: github.url, retries: 0, throttle: false });
}

deployments("createDeployment records a transient preview", async ({ github }) => {
  const id = await createDeployment(client(github), {
    ...repository,
    ref: "abc123",
    environment: "pr-7",
    transient: true,
    production: false,
  });
  const [deployment] = github.state.deployments;
  assert.is(deployment?.id, id);
  assert.is(deployment?.environment, "pr-7");
  assert.is(deployment?.transient_environment, true);
  assert.equal(github.state.rejected, []);
});

deployments("setDeploymentState carries the environment URL", async ({ github }) => {
  const octokit = client(github);
  const deploymentId = await createDeployment(octokit, {
    ...repository,
    ref: "abc123",
    environment: "staging",
    transient: false,
    production: false,
  });
  await setDeploymentState(octokit, { ...repository, deploymentId }, "success", {
    environmentUrl: "http://staging.example.com/",
    logUrl: "https://github.com/acme/shop/actions/runs/1",
  });
  const status = github.state.deployments[0]?.statuses[0];
  assert.is(status?.state, "success");
  assert.is(status?.environment_url, "http://staging.example.com/");
});

deployments("deactivateDeployments marks each one inactive once", async ({ github }) => {
  const octokit = client(github);
  for (const ref of ["a1", "b2"]) {
    const deploymentId = await createDeployment(octokit, {
      ...repository,
      ref,
      environment: "pr-7",
      transient: true,
      production: false,
    });
    await setDeploymentState(octokit, { ...repository, deploymentId }, "success");
  }
  assert.is((await deactivateDeployments(octokit, { ...repository, environment: "pr-7" })).length, 2);
  assert.is((await deactivateDeployments(octokit, { ...repository, environment: "pr-7" })).length, 0);
  for (const deployment of github.state.deployments) assert.is(deployment.statuses[0]?.state, "inactive");
});

deployments("setCommitStatus names the environment in the context", async ({ github }) => {
  await setCommitStatus(client(github), {
    ...repository,
    sha: "abc123",
    environment: "production",
    state: "success",
  });
  assert.is(github.state.commitStatuses[0]?.context, "mooring/production");
  assert.is(github.state.commitStatuses[0]?.sha, "abc123");
});

deployments.run();
