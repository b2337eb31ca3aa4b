"""Nothing is lost on a crash: a process saving checkpoints in a loop is killed with SIGKILL at
random moments, many times; after every kill the latest checkpoint restores completely and
consistently, and the next process carries on from it. Two loops: numbered saves through a
CheckpointManager (new files, old ones deleted, the state file rewritten), and `write` over the
same prefix again and again (each file replaced in place)."""
import os
import random
import signal
import sys
import time
import traceback

import numpy as np
import pytest

import tracegraph as tg
import tracegraph.train

train = tracegraph.train
SIZES = (1, 1000, 60_000, 150_000)  # a few variables, ~0.8 MB per checkpoint
KILLS = 20


def state():
    step = tg.Variable(np.int64(0))
    values = [tg.Variable(np.zeros(n, np.float32)) for n in SIZES]
    return step, values, train.Checkpoint(step=step, values=values)


def save_forever(directory, mode):
    """The child: resume from the latest checkpoint, then save step k with every value equal to k."""
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


def run_child(directory, mode):
    pid = os.fork()  # fork, not a new interpreter: a kill costs milliseconds, not an import of tracegraph
    if pid == 0:
        try:
            save_forever(directory, mode)
        except BaseException:
            traceback.print_exc()
            sys.stderr.flush()
        os._exit(1)
    return pid


def check_latest(directory, mode):
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


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.parametrize("mode", ["manager", "overwrite"])
def test_sigkill_at_random_moments_never_loses_the_last_complete_checkpoint(tmp_path, mode):
    directory = str(tmp_path)
    rng = random.Random(16)
    last = 0
    for _ in range(KILLS):
        pid = run_child(directory, mode)
        time.sleep(rng.uniform(0.0, 0.1))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status), "the saving process stopped by itself (see its traceback above)"
        step = check_latest(directory, mode)
        assert step >= last, "the latest checkpoint went back in time"
        last = step
    assert last >= KILLS // 2, "too few saves completed for the kills to have hit saves"
