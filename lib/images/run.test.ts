import { suite } from "uvu";
import * as assert from "uvu/assert";
import { BuilderCommandError, runStreaming, TAIL_LINES } from "./run.ts";

const runStreamingSuite = suite("runStreaming");

runStreamingSuite("passes each line, with secrets hidden", async () => {
  const lines: string[] = [];
  await runStreaming("sh", ["-c", "echo one; echo 'token hunter2' >&2; printf last"], {
    onLine: (line) => lines.push(line),
    secrets: ["hunter2"],
  });
  assert.equal([...lines].sort(), ["last", "one", "token ***"]);
});

runStreamingSuite("keeps the last lines of a failed command", async () => {
  try {
    await runStreaming("sh", ["-c", "for i in $(seq 1 30); do echo line $i; done; exit 3"]);
    assert.unreachable("runStreaming resolved");
  } catch (error) {
    assert.instance(error, BuilderCommandError);
    const failure = error as BuilderCommandError;
    assert.is(failure.message, "'sh -c' exited with status 3");
    assert.is(failure.tail.length, TAIL_LINES);
    assert.is(failure.tail.at(-1), "line 30");
  }
});

runStreamingSuite("reports a command that cannot start", async () => {
  try {
    await runStreaming("mooring-no-such-command", []);
    assert.unreachable("runStreaming resolved");
  } catch (error) {
    assert.match(
      (error as Error).message,
      /^Failed to start 'mooring-no-such-command': spawn mooring-no-such-command ENOENT/,
    );
  }
});

runStreamingSuite.run();
