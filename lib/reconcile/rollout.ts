import { type V1Deployment, type V1Pod, Watch } from "@kubernetes/client-node";
import type { KubeClients } from "../kube/client.ts";
import { diagnosePod, isStuck, newPodsOf } from "./health.ts";

/** The progress of a Deployment's rollout. */
export interface RolloutState {
  done: boolean;
  /** The reason the rollout cannot finish, when it has failed for good. */
  failure?: string;
  /** The condition the rollout is waiting for, when it is not done. */
  waitingFor?: string;
}

/**
 * Reads a Deployment's rollout state the way `kubectl rollout status` does:
 * done once the controller has observed the latest generation, every replica
 * is updated, available and ready, and no old replica is left.
 * `ProgressDeadlineExceeded` is a failure.
 */
export function rolloutState(deployment: V1Deployment): RolloutState {
  const desired = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const progressing = status.conditions?.find((condition) => condition.type === "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") {
    return { done: false, failure: `progress deadline exceeded: ${progressing.message ?? ""}`.trim() };
  }
  if ((status.observedGeneration ?? 0) < (deployment.metadata?.generation ?? 0)) {
    return { done: false, waitingFor: "the controller to observe the new generation" };
  }
  const updated = status.updatedReplicas ?? 0;
  if (updated < desired) return { done: false, waitingFor: `${updated} of ${desired} replicas updated` };
  const total = status.replicas ?? 0;
  if (total > updated) return { done: false, waitingFor: `${total - updated} old replicas to terminate` };
  const available = status.availableReplicas ?? 0;
  if (available < desired)
    return { done: false, waitingFor: `${available} of ${desired} updated replicas available` };
  const ready = status.readyReplicas ?? 0;
  if (ready < desired) return { done: false, waitingFor: `${ready} of ${desired} replicas ready` };
  return { done: true };
}

/** A rollout that failed or timed out, with the reasons per pod. */
export class RolloutError extends Error {
  readonly reasons: string[];

  constructor(message: string, reasons: string[]) {
    super(reasons.length === 0 ? message : `${message}:\n  ${reasons.join("\n  ")}`);
    this.name = "RolloutError";
    this.reasons = reasons;
  }
}

/**
 * Watches the named Deployments in `namespace` and their pods until every
 * Deployment has rolled out. Fails at once on ProgressDeadlineExceeded or a
 * pod of the new ReplicaSet that is stuck (image pull, crash loop,
 * unschedulable), and after `timeoutSeconds`, explaining each unready pod.
 */
export function waitForRollouts(
  clients: KubeClients,
  namespace: string,
  names: string[],
  timeoutSeconds: number,
): Promise<void> {
  const deployments = new Map<string, V1Deployment>();
  const pods = new Map<string, V1Pod>();
  const controllers: AbortController[] = [];
  let finished = false;
  let checking = false;
  let checkAgain = false;

  return new Promise<void>((resolve, reject) => {
    const finish = (error?: Error) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      for (const controller of controllers) controller.abort();
      if (error) reject(error);
      else resolve();
    };

    // 1. Decide on every event; one check at a time, repeated if events came meanwhile.
    const check = async () => {
      if (checking) {
        checkAgain = true;
        return;
      }
      checking = true;
      try {
        do {
          checkAgain = false;
          const failure = await findFailure(clients, names, deployments, [...pods.values()]);
          if (failure !== undefined) return finish(failure);
          if (
            names.every(
              (name) => deployments.has(name) && rolloutState(deployments.get(name) as V1Deployment).done,
            )
          ) {
            return finish();
          }
        } while (checkAgain && !finished);
      } catch (error) {
        finish(error as Error);
      } finally {
        checking = false;
      }
    };

    // 2. The deadline: explain every pod that is not ready.
    const timer = setTimeout(() => {
      void explainTimeout(clients, names, deployments, [...pods.values()], timeoutSeconds).then(
        finish,
        finish,
      );
    }, timeoutSeconds * 1000);

    // 3. Watches on Deployments and pods, restarted when the server closes them.
    const watch = new Watch(clients.config);
    const start = (path: string, store: Map<string, V1Deployment | V1Pod>) => {
      if (finished) return;
      watch
        .watch(
          path,
          {},
          (phase, object: V1Deployment | V1Pod) => {
            const name = object.metadata?.name ?? "";
            if (phase === "DELETED") store.delete(name);
            else store.set(name, object);
            void check();
          },
          (error) => {
            if (finished) return;
            if (error && (error as Error).name !== "AbortError") {
              setTimeout(() => start(path, store), 1000);
            } else {
              start(path, store);
            }
          },
        )
        .then(
          (controller) => {
            // A watch that connects after the wait ended would otherwise stay open.
            if (finished) controller.abort();
            else controllers.push(controller);
          },
          (error) => finish(error as Error),
        );
    };
    start(
      `/apis/apps/v1/namespaces/${namespace}/deployments`,
      deployments as Map<string, V1Deployment | V1Pod>,
    );
    start(`/api/v1/namespaces/${namespace}/pods`, pods as Map<string, V1Deployment | V1Pod>);
  });
}

async function findFailure(
  clients: KubeClients,
  names: string[],
  deployments: Map<string, V1Deployment>,
  pods: V1Pod[],
): Promise<RolloutError | undefined> {
  for (const name of names) {
    const deployment = deployments.get(name);
    if (deployment === undefined) continue;
    const state = rolloutState(deployment);
    if (state.done) continue;
    const stuck = (await newPodsOf(clients, deployment, pods)).filter(isStuck);
    if (state.failure === undefined && stuck.length === 0) continue;
    const reasons = state.failure === undefined ? [] : [state.failure];
    for (const pod of stuck) reasons.push(...(await diagnosePod(clients, pod, false)));
    return new RolloutError(
      `Rollout of Deployment ${deployment.metadata?.namespace}/${name} failed`,
      reasons,
    );
  }
  return undefined;
}

async function explainTimeout(
  clients: KubeClients,
  names: string[],
  deployments: Map<string, V1Deployment>,
  pods: V1Pod[],
  timeoutSeconds: number,
): Promise<RolloutError> {
  const reasons: string[] = [];
  for (const name of names) {
    const deployment = deployments.get(name);
    if (deployment === undefined) {
      reasons.push(`Deployment ${name} was not found`);
      continue;
    }
    const state = rolloutState(deployment);
    if (state.done) continue;
    reasons.push(`Deployment ${name} is waiting for ${state.waitingFor}`);
    for (const pod of await newPodsOf(clients, deployment, pods)) {
      reasons.push(...(await diagnosePod(clients, pod, true)));
    }
  }
  return new RolloutError(`Rollout timed out after ${timeoutSeconds}s`, reasons);
}
