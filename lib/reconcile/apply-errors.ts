import { ApiException } from "@kubernetes/client-node";
import { describeApiError } from "../kube/client.ts";

/** Returns the immutable field an apply error names (such as `spec.selector`), or undefined for other errors. */
export function immutableFieldOf(error: unknown): string | undefined {
  if (!(error instanceof ApiException) || error.code !== 422) return undefined;
  const message = describeApiError(error);
  if (!/immutable|may not change/i.test(message)) return undefined;
  return /(spec\.[A-Za-z.[\]0-9]+): (?:Invalid value|Forbidden)/.exec(message)?.[1] ?? "a field";
}

/** Explains that an object cannot be updated in place, and how to replace it. */
export function immutableFieldError(object: string, field: string, cause?: unknown): Error {
  return new Error(
    `Applying ${object} failed: ${field} is immutable, so the object cannot be updated in place. Run the deploy with --replace ${object} to delete and recreate it`,
    cause === undefined ? undefined : { cause },
  );
}

/** Wraps an apply error with the object's name, explaining immutable fields. */
export function explainApplyError(object: string, error: unknown): Error {
  const field = immutableFieldOf(error);
  if (field !== undefined) return immutableFieldError(object, field, error);
  return new Error(`Applying ${object} failed: ${describeApiError(error)}`, { cause: error });
}
