"""The crash test's kill loop, run as its own process (`python crash_saver.py DIRECTORY MODE KILLS SEED`).

It forks savers and kills them with SIGKILL at random moments, checking after each kill that the latest
checkpoint restores completely and consistently. It runs in a fresh, single-threaded process because a
fork copies only the forking thread: forked from the test process, a saver could inherit a lock another
thread (a prefetching dataset, a compiler) happened to hold, and hang. Prints one JSON line with the steps
seen after each kill, or exits non-zero with the failure.
"""
import json
import os
import random
import signal
import sys
import time
import traceback

import numpy as np

import tracegraph as tg
import tracegraph.train as train

SIZES = (1, 1000, 60_000, 150_000)  # a few variables, ~0.8 MB per checkpoint


def state():
    step = tg.Variable(np.int64(0))
    values = [tg.Variable(np.zeros(n, np.float32)) for n in SIZES]
    return step, values, train.Checkpoint(step=step, values=values)


def save_forever(directory, mode):
    """The saver: resume from the latest checkpoint, then save step k with every value equal to k.

    `manager`: numbered saves through a CheckpointManager (new files, old ones deleted, the state
    file rewritten); `overwrite`: `write` over the same prefix again and again.
    """
    step, values, checkpoint = state()
    manager = train.CheckpointManager(checkpoint, directory, max_to_keep=2)
    if mode == "manager":
        manager.restore_or_initialize()
    elif os.path.exists(os.path.join(directory, "same.index")):
        checkpoint.read(os.path.join(directory, "same"))
    while True:
        k = int(step.numpy()) + 1
        step.assign(k)
        for v in values:
            v.assign(np.full(v.shape.as_list(), k, np.float32))
        if mode == "manager":
            manager.save()
        else:
            checkpoint.write(os.path.join(directory, "same"))


def latest_step(directory, mode):
    """The step the latest checkpoint holds, after checking it restores completely and consistently."""
    if mode == "manager":
        latest = train.latest_checkpoint(directory)
    else:
        latest = os.path.join(directory, "same")
        latest = latest if os.path.exists(latest + ".index") else None
    if latest is None:
        return 0
    step, values, checkpoint = state()
    checkpoint.restore(latest).assert_consumed()
    k = int(step.numpy())
    for v in values:
        np.testing.assert_array_equal(v.numpy(), np.full(v.shape.as_list(), k, np.float32))
    return k


def kill_loop(directory, mode, kills, seed):
    rng = random.Random(seed)
    steps = []
    for _ in range(kills):
        pid = os.fork()
        if pid == 0:
            try:
                save_forever(directory, mode)
            except BaseException:
                traceback.print_exc()
                sys.stderr.flush()
            os._exit(1)
        time.sleep(rng.uniform(0.0, 0.1))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        if not os.WIFSIGNALED(status):
            raise RuntimeError("the saver stopped by itself (its traceback is above)")
        steps.append(latest_step(directory, mode))
    return steps


if __name__ == "__main__":
    directory, mode, kills, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    print(json.dumps(kill_loop(directory, mode, kills, seed)))
