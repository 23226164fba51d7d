import { ApiException } from "@kubernetes/client-node";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { isRetryable, withRetry } from "./retry.ts";

const withRetrySuite = suite("withRetry");

function apiError(code: number): ApiException<string> {
  return new ApiException(code, `HTTP ${code}`, "{}", {});
}

withRetrySuite("retries a 503 until it passes", async () => {
  let calls = 0;
  const result = await withRetry(
    async () => {
      calls++;
      if (calls < 3) throw apiError(503);
      return "ok";
    },
    { minTimeoutMs: 1 },
  );
  assert.is(result, "ok");
  assert.is(calls, 3);
});

withRetrySuite("throws a 422 at once", async () => {
  let calls = 0;
  try {
    await withRetry(
      async () => {
        calls++;
        throw apiError(422);
      },
      { minTimeoutMs: 1 },
    );
    assert.unreachable("expected an error");
  } catch (error) {
    assert.instance(error, ApiException);
    assert.is((error as ApiException<string>).code, 422);
  }
  assert.is(calls, 1);
});

withRetrySuite("gives up after the retries", async () => {
  let calls = 0;
  try {
    await withRetry(
      async () => {
        calls++;
        throw apiError(429);
      },
      { retries: 2, minTimeoutMs: 1 },
    );
    assert.unreachable("expected an error");
  } catch (error) {
    assert.is((error as ApiException<string>).code, 429);
  }
  assert.is(calls, 3);
});

const isRetryableSuite = suite("isRetryable");

isRetryableSuite("classifies errors", () => {
  const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
  const wrapped = new TypeError("fetch failed", { cause: { code: "ECONNRESET" } });
  assert.ok(isRetryable(refused));
  assert.ok(isRetryable(wrapped));
  assert.ok(isRetryable(apiError(500)));
  assert.ok(isRetryable(apiError(429)));
  assert.not.ok(isRetryable(apiError(409)));
  assert.not.ok(isRetryable(apiError(404)));
  assert.not.ok(isRetryable(new Error("something else")));
});

withRetrySuite.run();
isRetryableSuite.run();
