import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { isStuck } from "./health.ts";
import { rolloutState } from "./rollout.ts";

const rolloutStateSuite = suite("rolloutState");

function deployment(status: NonNullable<V1Deployment["status"]>, generation = 2): V1Deployment {
  return {
    metadata: { name: "time", generation },
    spec: { replicas: 2, selector: {}, template: {} },
    status,
  };
}

const complete = {
  observedGeneration: 2,
  replicas: 2,
  updatedReplicas: 2,
  availableReplicas: 2,
  readyReplicas: 2,
};

rolloutStateSuite("done when all replicas are new and ready", () => {
  assert.equal(rolloutState(deployment(complete)), { done: true });
});

rolloutStateSuite("waits for the controller to observe", () => {
  assert.equal(rolloutState(deployment({ ...complete, observedGeneration: 1 })), {
    done: false,
    waitingFor: "the controller to observe the new generation",
  });
});

rolloutStateSuite("waits for old replicas to go", () => {
  assert.equal(rolloutState(deployment({ ...complete, replicas: 3 })), {
    done: false,
    waitingFor: "1 old replicas to terminate",
  });
});

rolloutStateSuite("waits for updated and available replicas", () => {
  assert.is(
    rolloutState(deployment({ ...complete, updatedReplicas: 1 })).waitingFor,
    "1 of 2 replicas updated",
  );
  assert.is(
    rolloutState(deployment({ ...complete, availableReplicas: 0 })).waitingFor,
    "0 of 2 updated replicas available",
  );
});

rolloutStateSuite("fails on an exceeded progress deadline", () => {
  const conditions = [
    {
      type: "Progressing",
      status: "False",
      reason: "ProgressDeadlineExceeded",
      message: "ReplicaSet has timed out",
    },
  ];
  assert.equal(rolloutState(deployment({ ...complete, updatedReplicas: 1, conditions })), {
    done: false,
    failure: "progress deadline exceeded: ReplicaSet has timed out",
  });
});

const isStuckSuite = suite("isStuck");

isStuckSuite("flags an image pull failure", () => {
  const pod: V1Pod = {
    metadata: { name: "time-1" },
    status: {
      containerStatuses: [
        {
          name: "time",
          image: "x",
          imageID: "",
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: "ImagePullBackOff", message: "not found" } },
        },
      ],
    },
  };
  assert.ok(isStuck(pod));
});

isStuckSuite("flags an unschedulable pod", () => {
  const pod: V1Pod = {
    metadata: { name: "time-2" },
    status: {
      conditions: [
        { type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes available" },
      ],
    },
  };
  assert.ok(isStuck(pod));
});

isStuckSuite("ignores a pod still creating", () => {
  const pod: V1Pod = {
    metadata: { name: "time-3" },
    status: {
      containerStatuses: [
        {
          name: "time",
          image: "x",
          imageID: "",
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: "ContainerCreating" } },
        },
      ],
    },
  };
  assert.not.ok(isStuck(pod));
});

rolloutStateSuite.run();
isStuckSuite.run();
