// Security rules for the GitHub workflows that actionlint does not check.
// They cover least-privilege GITHUB_TOKEN permissions, actions pinned by
// commit SHA, expressions inside `run:` scripts, fork pull requests on the
// self-hosted runner, and deploys to production outside the GitHub
// environment of that name. actions/workflows.test.ts applies them to
// .github/workflows.

/** The `permissions` of a workflow or job: scope → level, or a shorthand such as `read-all`. */
export type Permissions = Record<string, string> | string;

/** A workflow step, with only the keys the rules read. */
export interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

/** A workflow job, with only the keys the rules read. */
export interface Job {
  if?: string;
  "runs-on"?: string | string[];
  permissions?: Permissions;
  environment?: string | { name: string; url?: string };
  /** A reusable workflow, `owner/repo/.github/workflows/file.yml@ref`. */
  uses?: string;
  steps?: Step[];
}

/** A workflow file as parsed from YAML, with only the keys the rules read. */
export interface Workflow {
  on?: string | string[] | Record<string, unknown>;
  permissions?: Permissions;
  jobs: Record<string, Job>;
}

/** The rules' names, which each violation carries. */
export const RULES = [
  "permissions",
  "pinned-actions",
  "run-expressions",
  "fork-guard",
  "production-environment",
] as const;
/** One of {@link RULES}. */
export type Rule = (typeof RULES)[number];

/** One broken rule in one workflow, and the job it is in. */
export interface Violation {
  rule: Rule;
  workflow: string;
  job?: string;
  message: string;
}

/** The condition that keeps a pull request from a fork off a job. */
export const FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository";

const PULL_REQUEST_EVENTS = ["pull_request", "pull_request_target"];
const LEVELS = ["none", "read", "write"];
/** Local actions that change an environment's cluster or machines; their `environment` input names it. */
const DEPLOYING_ACTIONS = ["./actions/deploy", "./actions/scale", "./actions/bootstrap"];

/** Checks `workflow` (named `name`, such as `deploy.yml`) against every rule. */
export function checkWorkflow(name: string, workflow: Workflow): Violation[] {
  return [
    ...checkPermissions(name, workflow),
    ...checkPinnedActions(name, workflow),
    ...checkRunExpressions(name, workflow),
    ...checkForkGuard(name, workflow),
    ...checkProductionEnvironment(name, workflow),
  ];
}

/**
 * Checks that the workflow's token is read-only unless a job raises it, and
 * that each job grants exactly the scopes its steps need (`contents: read`
 * is always allowed, for the checkout). A job with no `permissions` gets the
 * workflow's.
 */
export function checkPermissions(name: string, workflow: Workflow): Violation[] {
  const violations: Violation[] = [];
  const report = (message: string, job?: string) =>
    violations.push({ rule: "permissions", workflow: name, ...(job === undefined ? {} : { job }), message });

  // 1. The workflow's default for every job.
  if (workflow.permissions === undefined) {
    report("sets no top-level 'permissions', so every job gets the repository's default token permissions");
  } else if (typeof workflow.permissions === "string") {
    report(`sets top-level 'permissions: ${workflow.permissions}'; expected a map such as 'contents: read'`);
  } else {
    for (const [scope, level] of Object.entries(workflow.permissions)) {
      if (level === "write")
        report(`grants '${scope}: write' to every job; grant it in the job that needs it`);
    }
  }

  // 2. Each job against what its steps need.
  for (const [jobName, job] of Object.entries(workflow.jobs)) {
    const granted = job.permissions ?? workflow.permissions;
    if (granted === undefined) continue;
    if (typeof granted === "string") {
      report(`sets 'permissions: ${granted}'; expected a map of the scopes its steps need`, jobName);
      continue;
    }
    const needed = neededPermissions(workflow, job);
    for (const [scope, level] of Object.entries(granted)) {
      const allowed = scope === "contents" ? "read" : "none";
      if (rank(level) > Math.max(rank(needed[scope] ?? "none"), rank(allowed))) {
        report(`grants '${scope}: ${level}', but its steps need '${needed[scope] ?? "none"}'`, jobName);
      }
    }
    for (const [scope, level] of Object.entries(needed)) {
      if (rank(granted[scope] ?? "none") < rank(level)) {
        report(`needs '${scope}: ${level}' for its steps, but grants '${granted[scope] ?? "none"}'`, jobName);
      }
    }
  }
  return violations;
}

/**
 * Checks that every action and reusable workflow from another repository is
 * pinned by a full commit SHA (or a Docker image by digest), because a tag or
 * branch can be moved to other code.
 */
export function checkPinnedActions(name: string, workflow: Workflow): Violation[] {
  const violations: Violation[] = [];
  for (const [jobName, job] of Object.entries(workflow.jobs)) {
    const references = [job.uses, ...(job.steps ?? []).map((step) => step.uses)];
    for (const reference of references) {
      if (reference === undefined || reference.startsWith("./") || isPinned(reference)) continue;
      violations.push({
        rule: "pinned-actions",
        workflow: name,
        job: jobName,
        message: `uses '${reference}'; expected a full 40-character commit SHA after '@'`,
      });
    }
  }
  return violations;
}

/**
 * Checks that no `run:` script (nor an `actions/github-script` script)
 * contains a `${{ }}` expression. The runner pastes an expression's value
 * into the script before the shell reads it, so a pull request title, branch
 * name or workflow input could run as code. Values go through `env:` instead.
 */
export function checkRunExpressions(name: string, workflow: Workflow): Violation[] {
  const violations: Violation[] = [];
  for (const [jobName, job] of Object.entries(workflow.jobs)) {
    for (const [index, step] of (job.steps ?? []).entries()) {
      const scripts = [
        step.run,
        step.uses?.startsWith("actions/github-script@") ? step.with?.script : undefined,
      ];
      for (const script of scripts) {
        const expression = typeof script === "string" ? /\$\{\{[^}]*\}\}/.exec(script)?.[0] : undefined;
        if (expression === undefined) continue;
        violations.push({
          rule: "run-expressions",
          workflow: name,
          job: jobName,
          message: `step '${step.name ?? index + 1}' puts '${expression}' inside its script; pass the value through 'env:'`,
        });
      }
    }
  }
  return violations;
}

/**
 * Checks that in a workflow triggered by pull requests, every job that may
 * run on the self-hosted runner either never runs for a pull request event
 * or has the fork guard in its `if:`, joined by `&&` only. The self-hosted
 * runner has the cluster's credentials, and a fork's code must not reach them.
 */
export function checkForkGuard(name: string, workflow: Workflow): Violation[] {
  const events = triggers(workflow);
  if (!PULL_REQUEST_EVENTS.some((event) => events.includes(event))) return [];
  const violations: Violation[] = [];
  for (const [jobName, job] of Object.entries(workflow.jobs)) {
    if (!mayRunSelfHosted(job)) continue;
    const condition = job.if ?? "";
    if (excludesPullRequests(condition, events)) continue;
    if (condition.includes(FORK_GUARD) && !condition.includes("||")) continue;
    violations.push({
      rule: "fork-guard",
      workflow: name,
      job: jobName,
      message: `may run on the self-hosted runner for a pull request from a fork; add 'if: ${FORK_GUARD}'`,
    });
  }
  return violations;
}

/**
 * Checks that a job whose step deploys, scales or bootstraps an environment
 * that may be `production` runs in the GitHub environment of the same name,
 * so the environment's protection rules (required reviewers, wait timer)
 * apply before it starts.
 */
export function checkProductionEnvironment(name: string, workflow: Workflow): Violation[] {
  const violations: Violation[] = [];
  for (const [jobName, job] of Object.entries(workflow.jobs)) {
    const jobEnvironment = typeof job.environment === "string" ? job.environment : job.environment?.name;
    for (const step of job.steps ?? []) {
      if (step.uses === undefined || !DEPLOYING_ACTIONS.includes(step.uses)) continue;
      const target = String(step.with?.environment ?? "");
      const mayBeProduction = target === "production" || target.includes("${{");
      if (!mayBeProduction || jobEnvironment === target) continue;
      violations.push({
        rule: "production-environment",
        workflow: name,
        job: jobName,
        message: `runs '${step.uses}' for environment '${target}' without 'environment: ${target}', so production's protection rules would not apply`,
      });
    }
  }
  return violations;
}

// The GITHUB_TOKEN scopes a job's steps need, from the actions they use and their inputs.
function neededPermissions(workflow: Workflow, job: Job): Record<string, string> {
  const needed: Record<string, string> = {};
  const need = (scope: string, level: string) => {
    if (rank(level) > rank(needed[scope] ?? "none")) needed[scope] = level;
  };
  const events = triggers(workflow);
  const forPullRequest =
    PULL_REQUEST_EVENTS.some((event) => events.includes(event)) &&
    !excludesPullRequests(job.if ?? "", events);
  for (const step of job.steps ?? []) {
    const uses = step.uses?.replace(/@.*$/, "") ?? "";
    const input = (key: string) => String(step.with?.[key] ?? "");
    const commentsOnPullRequest = forPullRequest || input("pull-request") !== "";
    if (uses === "actions/checkout") need("contents", "read");
    if (uses === "./actions/scale") {
      // Pushes the count, or opens a pull request with it when the branch is protected.
      need("contents", "write");
      need("pull-requests", "write");
    }
    if (uses === "./actions/preview" && input("mode") === "sweep") {
      // Reads the open pull requests, marks Deployments inactive and writes the final comments.
      need("deployments", "write");
      need("pull-requests", "write");
    }
    if (uses === "./actions/report") {
      const stage = input("stage");
      if (stage === "start" || stage === "teardown" || input("deployment-id") !== "")
        need("deployments", "write");
      if (stage === "start" || stage === "finish") need("statuses", "write");
      if (commentsOnPullRequest) need("pull-requests", "write");
    }
  }
  return needed;
}

function rank(level: string): number {
  const index = LEVELS.indexOf(level);
  return index < 0 ? LEVELS.length : index;
}

function isPinned(reference: string): boolean {
  if (reference.startsWith("docker://")) return /@sha256:[0-9a-f]{64}$/.test(reference);
  return /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(reference);
}

function triggers(workflow: Workflow): string[] {
  const on = workflow.on;
  if (on === undefined) return [];
  if (typeof on === "string") return [on];
  return Array.isArray(on) ? on : Object.keys(on);
}

// A runs-on that is an expression might name the self-hosted runner, so it counts as one.
function mayRunSelfHosted(job: Job): boolean {
  const labels = [job["runs-on"] ?? []].flat();
  return labels.some((label) => label === "self-hosted" || label.includes("${{"));
}

// True when the condition keeps the job off every pull request event the workflow has.
function excludesPullRequests(condition: string, events: string[]): boolean {
  if (condition.includes("||")) return false;
  return PULL_REQUEST_EVENTS.filter((event) => events.includes(event)).every((event) =>
    new RegExp(`github\\.event_name\\s*!=\\s*'${event}'`).test(condition),
  );
}
