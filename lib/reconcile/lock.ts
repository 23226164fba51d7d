import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { ApiException } from "@kubernetes/client-node";
import { isNotFound, type KubeClients } from "../kube/client.ts";
import { microTime, sendJson } from "../kube/raw.ts";

/** The Lease that serialises deploys of one environment. */
export const LOCK_NAME = "mooring-deploy";
const LEASE_SECONDS = 30;

/** The fields of a coordination.k8s.io/v1 Lease that the lock uses. */
interface Lease {
  apiVersion: "coordination.k8s.io/v1";
  kind: "Lease";
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string };
}

/** A held deploy lock; `release` ends it and stops its renewal. */
export interface DeployLock {
  holder: string;
  release(): Promise<void>;
}

/** Options for {@link acquireDeployLock}. */
export interface LockOptions {
  /** Give up after this many seconds of waiting for another holder. */
  timeoutSeconds: number;
  /** Receives one line when the lock is held by another deploy, and when it is taken. */
  print: (line: string) => void;
  /** Identity written into the Lease; defaults to host, PID and a random suffix. */
  holder?: string;
}

/**
 * Takes the environment's `coordination.k8s.io/v1` Lease, waiting while another
 * deploy holds it and has renewed it within its lease duration. The Lease is
 * renewed every 10 seconds until `release`. Fails after `timeoutSeconds`,
 * naming the holder.
 */
export async function acquireDeployLock(
  clients: KubeClients,
  namespace: string,
  options: LockOptions,
): Promise<DeployLock> {
  const holder = options.holder ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  let reportedHolder: string | undefined;

  for (;;) {
    const current = await readLease(clients, namespace);
    const now = new Date();
    if (current === undefined) {
      const created = await tryWrite(() =>
        sendJson(clients, "POST", leasesPath(namespace), leaseBody(holder, now)),
      );
      if (created) break;
    } else if (isFree(current, now)) {
      const body = { ...leaseBody(holder, now), metadata: { ...current.metadata, name: LOCK_NAME } };
      const taken = await tryWrite(() => sendJson(clients, "PUT", leasePath(namespace), body));
      if (taken) break;
    } else {
      const other = current.spec?.holderIdentity ?? "unknown";
      if (Date.now() > deadline) {
        throw new Error(
          `Timed out after ${options.timeoutSeconds}s waiting for the deploy lock of namespace '${namespace}', held by '${other}'; wait for that deploy, or delete Lease ${namespace}/${LOCK_NAME} if it is gone`,
        );
      }
      if (reportedHolder !== other) {
        options.print(`waiting for the deploy lock of ${namespace}, held by ${other}`);
        reportedHolder = other;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  options.print(`took the deploy lock of ${namespace} as ${holder}`);

  // Renew while held, so a long rollout wait keeps the lock.
  const renewal = setInterval(
    () => {
      void renew(clients, namespace, holder).catch(() => {});
    },
    (LEASE_SECONDS / 3) * 1000,
  );
  return {
    holder,
    async release() {
      clearInterval(renewal);
      await releaseLease(clients, namespace, holder);
    },
  };
}

function leasesPath(namespace: string): string {
  return `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`;
}

function leasePath(namespace: string): string {
  return `${leasesPath(namespace)}/${LOCK_NAME}`;
}

async function readLease(clients: KubeClients, namespace: string): Promise<Lease | undefined> {
  try {
    return await sendJson<Lease>(clients, "GET", leasePath(namespace));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

// A Lease is free when it has no holder or its holder stopped renewing it.
function isFree(lease: Lease, now: Date): boolean {
  const holder = lease.spec?.holderIdentity;
  if (holder === undefined || holder === "") return true;
  const renewed = lease.spec?.renewTime ?? lease.spec?.acquireTime;
  const duration = lease.spec?.leaseDurationSeconds ?? LEASE_SECONDS;
  return renewed === undefined || new Date(renewed).getTime() + duration * 1000 < now.getTime();
}

function leaseBody(holder: string, now: Date): Lease {
  const time = microTime(now);
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: LOCK_NAME },
    spec: { holderIdentity: holder, leaseDurationSeconds: LEASE_SECONDS, acquireTime: time, renewTime: time },
  };
}

// Runs a create or replace; a 409 means another deploy won the race, so the caller retries.
async function tryWrite(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (error instanceof ApiException && error.code === 409) return false;
    throw error;
  }
}

async function renew(clients: KubeClients, namespace: string, holder: string): Promise<void> {
  const lease = await readLease(clients, namespace);
  if (lease?.spec?.holderIdentity !== holder) return;
  lease.spec.renewTime = microTime(new Date());
  await sendJson(clients, "PUT", leasePath(namespace), lease);
}

async function releaseLease(clients: KubeClients, namespace: string, holder: string): Promise<void> {
  const lease = await readLease(clients, namespace);
  if (lease?.spec?.holderIdentity !== holder) return;
  lease.spec.holderIdentity = "";
  await tryWrite(() => sendJson(clients, "PUT", leasePath(namespace), lease));
}
