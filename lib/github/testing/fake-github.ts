import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { checkRequestBody, type ShapedOperation } from "./request-shapes.ts";

/** A comment stored by the fake. */
export interface FakeComment {
  id: number;
  issueNumber: number;
  body: string;
  user: { login: string };
  created_at: string;
  updated_at: string;
}

/** A deployment stored by the fake, with its statuses newest first. */
export interface FakeDeployment {
  id: number;
  ref: string;
  sha: string;
  environment: string;
  transient_environment: boolean;
  production_environment: boolean;
  description: string | null;
  statuses: Array<{
    id: number;
    state: string;
    environment_url: string;
    log_url: string;
    description: string;
  }>;
}

/** Everything the fake holds; tests read and seed it directly. */
export interface FakeState {
  comments: FakeComment[];
  deployments: FakeDeployment[];
  commitStatuses: Array<{
    sha: string;
    state: string;
    context: string;
    target_url: string | null;
    description: string | null;
  }>;
  pulls: Array<{ number: number; state: "open" | "closed"; head: string; base: string; title: string }>;
  /** Every request received, as `METHOD path`. */
  requests: string[];
  /** Requests rejected with 422, with the reasons. */
  rejected: string[];
}

/** A running fake GitHub REST API. */
export interface FakeGitHub {
  url: string;
  state: FakeState;
  /** The login that the token authenticates as; comments it creates carry it. */
  login: string;
  /**
   * Makes the next `count` requests fail with `status` (such as 502),
   * `headers` and a body whose `message` is `message`, to exercise retries.
   */
  failNext(count: number, status: number, headers?: Record<string, string>, message?: string): void;
  /** Makes the next `count` requests get no response until the fake closes, to exercise timeouts. */
  hangNext(count: number): void;
  close(): Promise<void>;
}

/**
 * Starts a fake of the part of GitHub's REST API that Mooring calls, on
 * 127.0.0.1 and a free port, for one repository. Every JSON body is checked
 * against the operation's shape from `@octokit/openapi-types`, and a body that
 * does not match is rejected with 422 as GitHub does.
 */
export async function startFakeGitHub(
  repository: string,
  login = "github-actions[bot]",
): Promise<FakeGitHub> {
  const state: FakeState = {
    comments: [],
    deployments: [],
    commitStatuses: [],
    pulls: [],
    requests: [],
    rejected: [],
  };
  const failures = { count: 0, status: 500, headers: {} as Record<string, string>, message: "" };
  let hangs = 0;
  // Resolves the requests left hanging, so that `close` does not wait for them.
  const releaseHung: Array<() => void> = [];
  let nextId = 1000;
  const now = () => new Date().toISOString();
  const app = new Hono();

  // 1. Bookkeeping, injected failures, authentication and the repository.
  app.use("*", async (c, next) => {
    state.requests.push(`${c.req.method} ${new URL(c.req.url).pathname}`);
    if (hangs > 0) {
      hangs--;
      await new Promise<void>((resolve) => releaseHung.push(resolve));
      return c.body(null, 504);
    }
    if (failures.count > 0) {
      failures.count--;
      return c.json({ message: failures.message }, failures.status as 500, failures.headers);
    }
    if (!/^(token|bearer) \S+$/i.test(c.req.header("authorization") ?? "")) {
      return c.json({ message: "Requires authentication" }, 401);
    }
    await next();
  });
  const repo = new Hono();
  repo.use("*", async (c, next) => {
    if (`${c.req.param("owner")}/${c.req.param("repo")}` !== repository)
      return c.json({ message: "Not Found" }, 404);
    await next();
  });

  // 2. Issue comments.
  repo.get("/issues/:number/comments", (c) =>
    c.json(
      page(
        c,
        state.comments.filter((comment) => comment.issueNumber === Number(c.req.param("number"))),
      ),
    ),
  );
  repo.post("/issues/:number/comments", async (c) => {
    const body = await shapedBody(c, "issues/create-comment");
    if (body instanceof Response) return body;
    const comment = {
      id: nextId++,
      issueNumber: Number(c.req.param("number")),
      body: body.body as string,
      user: { login },
      created_at: now(),
      updated_at: now(),
    };
    state.comments.push(comment);
    return c.json(comment, 201);
  });
  repo.patch("/issues/comments/:id", async (c) => {
    const body = await shapedBody(c, "issues/update-comment");
    if (body instanceof Response) return body;
    const comment = state.comments.find((candidate) => candidate.id === Number(c.req.param("id")));
    if (comment === undefined) return c.json({ message: "Not Found" }, 404);
    if (comment.user.login !== login)
      return c.json({ message: "Must have admin rights to Repository." }, 403);
    comment.body = body.body as string;
    comment.updated_at = now();
    return c.json(comment);
  });
  repo.delete("/issues/comments/:id", (c) => {
    const index = state.comments.findIndex((candidate) => candidate.id === Number(c.req.param("id")));
    if (index < 0) return c.json({ message: "Not Found" }, 404);
    state.comments.splice(index, 1);
    return c.body(null, 204);
  });

  // 3. Deployments and their statuses.
  repo.post("/deployments", async (c) => {
    const body = await shapedBody(c, "repos/create-deployment");
    if (body instanceof Response) return body;
    const deployment: FakeDeployment = {
      id: nextId++,
      ref: body.ref as string,
      sha: body.ref as string,
      environment: (body.environment as string | undefined) ?? "production",
      transient_environment: (body.transient_environment as boolean | undefined) ?? false,
      production_environment: (body.production_environment as boolean | undefined) ?? false,
      description: (body.description as string | null | undefined) ?? null,
      statuses: [],
    };
    state.deployments.push(deployment);
    return c.json(deploymentJson(deployment), 201);
  });
  repo.get("/deployments", (c) => {
    const environment = c.req.query("environment");
    const matching = state.deployments.filter(
      (d) => environment === undefined || d.environment === environment,
    );
    return c.json(page(c, [...matching].reverse().map(deploymentJson)));
  });
  repo.post("/deployments/:id/statuses", async (c) => {
    const body = await shapedBody(c, "repos/create-deployment-status");
    if (body instanceof Response) return body;
    const deployment = state.deployments.find((candidate) => candidate.id === Number(c.req.param("id")));
    if (deployment === undefined) return c.json({ message: "Not Found" }, 404);
    const status = {
      id: nextId++,
      state: body.state as string,
      environment_url: (body.environment_url as string | undefined) ?? "",
      log_url: (body.log_url as string | undefined) ?? "",
      description: (body.description as string | undefined) ?? "",
    };
    deployment.statuses.unshift(status);
    return c.json({ ...status, created_at: now(), updated_at: now() }, 201);
  });
  repo.get("/deployments/:id/statuses", (c) => {
    const deployment = state.deployments.find((candidate) => candidate.id === Number(c.req.param("id")));
    if (deployment === undefined) return c.json({ message: "Not Found" }, 404);
    return c.json(page(c, deployment.statuses));
  });

  // 4. Commit statuses and pull requests.
  repo.post("/statuses/:sha", async (c) => {
    const body = await shapedBody(c, "repos/create-commit-status");
    if (body instanceof Response) return body;
    const status = {
      sha: c.req.param("sha"),
      state: body.state as string,
      context: (body.context as string | undefined) ?? "default",
      target_url: (body.target_url as string | null | undefined) ?? null,
      description: (body.description as string | null | undefined) ?? null,
    };
    state.commitStatuses.push(status);
    return c.json({ id: nextId++, ...status }, 201);
  });
  repo.get("/pulls", (c) => {
    const wanted = c.req.query("state") ?? "open";
    return c.json(
      page(
        c,
        state.pulls.filter((pull) => wanted === "all" || pull.state === wanted),
      ),
    );
  });
  repo.get("/pulls/:number", (c) => {
    const pull = state.pulls.find((candidate) => candidate.number === Number(c.req.param("number")));
    return pull === undefined ? c.json({ message: "Not Found" }, 404) : c.json(pull);
  });
  repo.post("/pulls", async (c) => {
    const body = await shapedBody(c, "pulls/create");
    if (body instanceof Response) return body;
    const pull = {
      number: state.pulls.reduce((max, candidate) => Math.max(max, candidate.number), 0) + 1,
      state: "open" as const,
      head: body.head as string,
      base: body.base as string,
      title: (body.title as string | undefined) ?? "",
    };
    state.pulls.push(pull);
    return c.json({ ...pull, html_url: `https://github.com/${repository}/pull/${pull.number}` }, 201);
  });
  app.route("/repos/:owner/:repo", repo);
  app.all("*", (c) =>
    c.json({ message: `Not Found: the fake has no route for ${c.req.method} ${c.req.path}` }, 404),
  );

  // 5. Start.
  const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    login,
    failNext(count, status, headers = {}, message = "injected failure") {
      Object.assign(failures, { count, status, headers, message });
    },
    hangNext(count) {
      hangs = count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const release of releaseHung.splice(0)) release();
        server.close(() => resolve());
        // Keep-alive connections would hold `close` open until they time out.
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };

  async function shapedBody(
    c: Context,
    operation: ShapedOperation,
  ): Promise<Record<string, unknown> | Response> {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      body = undefined;
    }
    const problems = checkRequestBody(operation, body);
    if (problems.length > 0) {
      state.rejected.push(...problems);
      return c.json({ message: "Validation Failed", errors: problems }, 422);
    }
    return body as Record<string, unknown>;
  }
}

function deploymentJson(deployment: FakeDeployment) {
  const { statuses: _statuses, ...fields } = deployment;
  return { ...fields, url: `deployments/${deployment.id}`, created_at: new Date().toISOString() };
}

// Serves `per_page` and `page` like GitHub; octokit's paginate stops at a short page.
function page<T>(c: Context, items: T[]): T[] {
  const size = Math.min(Number(c.req.query("per_page") ?? 30), 100);
  const number = Number(c.req.query("page") ?? 1);
  return items.slice((number - 1) * size, number * size);
}
