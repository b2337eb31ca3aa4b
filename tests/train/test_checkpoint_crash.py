"""Nothing is lost on a crash: a process saving checkpoints in a loop is killed with SIGKILL at
random moments, many times; after every kill the latest checkpoint restores completely and
consistently, and the next process carries on from it (crash_saver.py runs the loop)."""
import json
import os
import subprocess
import sys

import pytest

KILLS = 20
SAVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "crash_saver.py")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.parametrize("mode", ["manager", "overwrite"])
def test_sigkill_at_random_moments_never_loses_the_last_complete_checkpoint(tmp_path, mode):
    done = subprocess.run([sys.executable, SAVER, str(tmp_path), mode, str(KILLS), "16"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    steps = json.loads(done.stdout.splitlines()[-1])
    assert len(steps) == KILLS
    assert steps == sorted(steps), f"the latest checkpoint went back in time: {steps}"
    assert steps[-1] >= KILLS // 2, f"too few saves completed for the kills to have hit saves: {steps}"
