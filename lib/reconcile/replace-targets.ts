// An object named the way plan entries name it: `Kind/namespace/name`, or
// `Kind/name` for a cluster-scoped object such as a Namespace.
const OBJECT_REFERENCE =
  /^[A-Z][A-Za-z0-9]*\/(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?\/)?[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?$/;

/**
 * Checks the objects to delete and create again (`--replace`, or the deploy
 * action's `replace` input) before anything is built or applied: each must be
 * `Kind/namespace/name` or `Kind/name`. `source` names the option in the message.
 */
export function checkReplaceTargets(values: string[], source: string): void {
  const invalid = values.filter((value) => value.length > 400 || !OBJECT_REFERENCE.test(value));
  if (invalid.length === 0) return;
  const list = invalid.map((value) => `'${value}'`).join(", ");
  throw new Error(
    `Invalid ${source}: ${list}; expected 'Kind/namespace/name' of a rendered object, such as 'Deployment/staging/time'`,
  );
}
