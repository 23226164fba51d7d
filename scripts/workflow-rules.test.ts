// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are GitHub Actions expressions, not JavaScript templates.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "yaml";
import {
  checkForkGuard,
  checkPermissions,
  checkPinnedActions,
  checkProductionEnvironment,
  checkRunExpressions,
  type Violation,
  type Workflow,
} from "./workflow-rules.ts";

const CHECKOUT = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683";

/** Parses a workflow written as YAML lines. */
function workflow(...lines: string[]): Workflow {
  return parse(lines.join("\n")) as Workflow;
}

function messages(violations: Violation[]): string[] {
  return violations.map((violation) => `${violation.job ?? "-"}: ${violation.message}`);
}

const permissions = suite("checkPermissions");

permissions("accepts the scopes the steps need", () => {
  const file = workflow(
    "on: push",
    "permissions:",
    "  contents: read",
    "jobs:",
    "  deploy:",
    "    runs-on: ubuntu-24.04",
    "    permissions: { contents: read, deployments: write, statuses: write }",
    "    steps:",
    `      - uses: ${CHECKOUT}`,
    "      - uses: ./actions/report",
    "        with: { stage: start, environment: staging }",
  );
  assert.equal(checkPermissions("ok.yml", file), []);
});

permissions("reports a missing top-level block", () => {
  const file = workflow("on: push", "jobs:", "  a:", "    runs-on: ubuntu-24.04", "    steps: []");
  assert.equal(messages(checkPermissions("bad.yml", file)), [
    "-: sets no top-level 'permissions', so every job gets the repository's default token permissions",
  ]);
});

permissions("reports write-all and a top-level write", () => {
  const shorthand = workflow("on: push", "permissions: write-all", "jobs: {}");
  assert.equal(messages(checkPermissions("bad.yml", shorthand)), [
    "-: sets top-level 'permissions: write-all'; expected a map such as 'contents: read'",
  ]);
  const write = workflow("on: push", "permissions: { contents: read, statuses: write }", "jobs: {}");
  assert.equal(messages(checkPermissions("bad.yml", write)), [
    "-: grants 'statuses: write' to every job; grant it in the job that needs it",
  ]);
});

permissions("reports a scope no step needs", () => {
  const file = workflow(
    "on: push",
    "permissions: { contents: read }",
    "jobs:",
    "  production:",
    "    runs-on: ubuntu-24.04",
    "    permissions: { contents: read, deployments: write, statuses: write, issues: read }",
    "    steps:",
    "      - uses: ./actions/report",
    "        with: { stage: finish, environment: production }",
  );
  assert.equal(messages(checkPermissions("bad.yml", file)), [
    "production: grants 'deployments: write', but its steps need 'none'",
    "production: grants 'issues: read', but its steps need 'none'",
  ]);
});

permissions("reports a scope a step needs but lacks", () => {
  const file = workflow(
    "on: pull_request",
    "permissions: { contents: read }",
    "jobs:",
    "  preview:",
    "    if: github.event.pull_request.head.repo.full_name == github.repository",
    "    runs-on: ubuntu-24.04",
    "    permissions: { contents: read, deployments: write, statuses: write }",
    "    steps:",
    "      - uses: ./actions/report",
    "        with: { stage: start, environment: preview }",
  );
  assert.equal(messages(checkPermissions("bad.yml", file)), [
    "preview: needs 'pull-requests: write' for its steps, but grants 'none'",
  ]);
});

permissions.run();

const pins = suite("checkPinnedActions");

pins("reports a tag, a branch and a short SHA", () => {
  const file = workflow(
    "on: push",
    "jobs:",
    "  a:",
    "    runs-on: ubuntu-24.04",
    "    steps:",
    `      - uses: ${CHECKOUT}`,
    "      - uses: ./actions/build",
    "      - uses: actions/setup-node@v4",
    "      - uses: actions/cache@main",
    "      - uses: actions/upload-artifact@ea165f8",
    "  b:",
    "    uses: acme/workflows/.github/workflows/deploy.yml@v1",
  );
  assert.equal(messages(checkPinnedActions("bad.yml", file)), [
    "a: uses 'actions/setup-node@v4'; expected a full 40-character commit SHA after '@'",
    "a: uses 'actions/cache@main'; expected a full 40-character commit SHA after '@'",
    "a: uses 'actions/upload-artifact@ea165f8'; expected a full 40-character commit SHA after '@'",
    "b: uses 'acme/workflows/.github/workflows/deploy.yml@v1'; expected a full 40-character commit SHA after '@'",
  ]);
});

pins("accepts a Docker image by digest only", () => {
  const file = workflow(
    "on: push",
    "jobs:",
    "  a:",
    "    runs-on: ubuntu-24.04",
    "    steps:",
    `      - uses: docker://alpine@sha256:${"a".repeat(64)}`,
    "      - uses: docker://alpine:3.20",
  );
  assert.equal(messages(checkPinnedActions("bad.yml", file)), [
    "a: uses 'docker://alpine:3.20'; expected a full 40-character commit SHA after '@'",
  ]);
});

pins.run();

const expressions = suite("checkRunExpressions");

expressions("reports untrusted values pasted into scripts", () => {
  const file = workflow(
    "on: [pull_request, workflow_dispatch]",
    "jobs:",
    "  a:",
    "    runs-on: ubuntu-24.04",
    "    steps:",
    "      - name: Title",
    '        run: echo "${{ github.event.pull_request.title }}"',
    "      - name: Branch",
    "        run: git push origin ${{ github.head_ref }}",
    "      - name: Input",
    "        run: |",
    "          echo start",
    "          ./scale.sh ${{ inputs.replicas }}",
    "      - uses: actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea",
    "        with:",
    "          script: console.log('${{ github.event.issue.body }}')",
    "      - name: Through env",
    "        env:",
    "          TITLE: ${{ github.event.pull_request.title }}",
    '        run: echo "$TITLE"',
  );
  assert.equal(messages(checkRunExpressions("bad.yml", file)), [
    "a: step 'Title' puts '${{ github.event.pull_request.title }}' inside its script; pass the value through 'env:'",
    "a: step 'Branch' puts '${{ github.head_ref }}' inside its script; pass the value through 'env:'",
    "a: step 'Input' puts '${{ inputs.replicas }}' inside its script; pass the value through 'env:'",
    "a: step '4' puts '${{ github.event.issue.body }}' inside its script; pass the value through 'env:'",
  ]);
});

expressions.run();

const forks = suite("checkForkGuard");

forks("reports a self-hosted job without the guard", () => {
  const file = workflow(
    "on: pull_request",
    "jobs:",
    "  unguarded:",
    "    runs-on: [self-hosted, linux, mooring]",
    "    steps: []",
    "  bypassed:",
    "    if: github.event.pull_request.head.repo.full_name == github.repository || github.actor == 'me'",
    "    runs-on: [self-hosted, linux, mooring]",
    "    steps: []",
    "  dynamic:",
    "    runs-on: ${{ vars.RUNNER }}",
    "    steps: []",
    "  guarded:",
    "    if: github.event.pull_request.head.repo.full_name == github.repository && github.event.action != 'closed'",
    "    runs-on: [self-hosted, linux, mooring]",
    "    steps: []",
    "  hosted:",
    "    runs-on: ubuntu-24.04",
    "    steps: []",
  );
  const guard = "add 'if: github.event.pull_request.head.repo.full_name == github.repository'";
  assert.equal(messages(checkForkGuard("bad.yml", file)), [
    `unguarded: may run on the self-hosted runner for a pull request from a fork; ${guard}`,
    `bypassed: may run on the self-hosted runner for a pull request from a fork; ${guard}`,
    `dynamic: may run on the self-hosted runner for a pull request from a fork; ${guard}`,
  ]);
});

forks("covers pull_request_target and jobs kept off pull requests", () => {
  const file = workflow(
    "on:",
    "  pull_request_target:",
    "  schedule:",
    "    - cron: '0 * * * *'",
    "jobs:",
    "  sweep:",
    "    if: github.event_name != 'pull_request_target'",
    "    runs-on: [self-hosted, linux, mooring]",
    "    steps: []",
    "  wrong-event:",
    "    if: github.event_name != 'pull_request'",
    "    runs-on: [self-hosted, linux, mooring]",
    "    steps: []",
  );
  assert.equal(messages(checkForkGuard("bad.yml", file)), [
    "wrong-event: may run on the self-hosted runner for a pull request from a fork; add 'if: github.event.pull_request.head.repo.full_name == github.repository'",
  ]);
});

forks("ignores workflows without pull request triggers", () => {
  const file = workflow("on: push", "jobs:", "  a:", "    runs-on: [self-hosted]", "    steps: []");
  assert.equal(checkForkGuard("push.yml", file), []);
});

forks.run();

const production = suite("checkProductionEnvironment");

production("reports a production deploy outside its environment", () => {
  const file = workflow(
    "on:",
    "  workflow_dispatch:",
    "    inputs:",
    "      environment: { type: choice, options: [staging, production] }",
    "jobs:",
    "  missing:",
    "    runs-on: [self-hosted]",
    "    steps:",
    "      - uses: ./actions/deploy",
    "        with: { environment: production }",
    "  other:",
    "    runs-on: [self-hosted]",
    "    environment: staging",
    "    steps:",
    "      - uses: ./actions/scale",
    "        with: { environment: '${{ inputs.environment }}' }",
    "  staging:",
    "    runs-on: [self-hosted]",
    "    steps:",
    "      - uses: ./actions/deploy",
    "        with: { environment: staging }",
    "  chosen:",
    "    runs-on: [self-hosted]",
    "    environment: ${{ inputs.environment }}",
    "    steps:",
    "      - uses: ./actions/bootstrap",
    "        with: { environment: '${{ inputs.environment }}' }",
    "  named:",
    "    runs-on: [self-hosted]",
    "    environment: { name: production, url: 'https://example.com' }",
    "    steps:",
    "      - uses: ./actions/deploy",
    "        with: { environment: production }",
  );
  assert.equal(messages(checkProductionEnvironment("bad.yml", file)), [
    "missing: runs './actions/deploy' for environment 'production' without 'environment: production', so production's protection rules would not apply",
    "other: runs './actions/scale' for environment '${{ inputs.environment }}' without 'environment: ${{ inputs.environment }}', so production's protection rules would not apply",
  ]);
});

production.run();
