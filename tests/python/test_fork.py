"""fork() and flagos: a child forked while other threads use the runtime must not inherit a held
runtime lock (it used to hang on the caching allocator's mutex in about 1 fork in 40); on the host
platform the child works, and ``torch.flagos._is_in_bad_fork()`` says whether it can use flagos.
Each child runs under a timeout, so a hang fails the test instead of stalling it.
"""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest
import torch

import flagos
from flagos import _runtime
from flagos.device import _fork
from testing import DEVICE

CHILD_TIMEOUT_S = 60.0


def _wait(pid: int) -> int | None:
    """The child's exit code, or None if it had to be killed after CHILD_TIMEOUT_S."""
    deadline = time.monotonic() + CHILD_TIMEOUT_S
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def _child_work() -> int:
    """Exit code of a child's use of flagos: 0 when it allocates, draws and computes as the CPU does."""
    a = torch.randn(64, 64, generator=torch.Generator().manual_seed(1))
    got = (a.to(DEVICE) @ a.to(DEVICE)).cpu()
    torch.empty(12345, device=DEVICE)
    torch.randn(100, device=DEVICE)
    if not torch.allclose(got, a @ a, rtol=1e-5, atol=1e-5):
        return 2
    if torch.flagos._is_in_bad_fork() or _runtime.forks_in_ancestry() < 1:
        return 4
    return 0


def _fork_and_run() -> int | None:
    pid = os.fork()
    if pid == 0:
        code = 3
        try:
            code = _child_work()
        finally:
            os._exit(code)
    return _wait(pid)


@pytest.mark.skipif(flagos.platform != "host", reason="a forked child can use the device only on the host platform")
def test_forks_while_another_thread_uses_flagos_never_hang() -> None:
    torch.randn(8, device=DEVICE)  # the runtime is initialised before the first fork
    stop = threading.Event()

    def churn() -> None:
        while not stop.is_set():
            held = [torch.empty(1000 + 37 * i, device=DEVICE) for i in range(16)]
            y = torch.randn(32, 32, device=DEVICE)
            (y @ y).sum()
            del held

    threads = [threading.Thread(target=churn, daemon=True) for _ in range(2)]
    for t in threads:
        t.start()
    forks = 100
    try:
        codes = []
        for _ in range(forks):
            time.sleep(0.003)
            codes.append(_fork_and_run())
    finally:
        stop.set()
        for t in threads:
            t.join()
    hangs = codes.count(None)
    assert hangs == 0, f"{hangs} of {forks} forked children hung"
    assert codes == [0] * forks, f"child exit codes: {codes}"


def test_host_child_is_not_in_bad_fork() -> None:
    if flagos.platform != "host":
        pytest.skip("host policy")
    assert not torch.flagos._is_in_bad_fork()
    assert _fork_and_run() == 0


def test_bad_fork_policy_of_device_runtimes(monkeypatch: pytest.MonkeyPatch) -> None:
    # What a child of an initialised process gets on a platform whose device runtime does not
    # survive fork (ascend, metax): run in a child, with the platform name of such a platform.
    torch.flagos.init()
    pid = os.fork()
    if pid == 0:
        code = 3
        try:
            monkeypatch.setattr(_runtime, "platform", lambda: "ascend")
            monkeypatch.setattr(_fork, "_BAD_FORK", False)
            _fork._after_fork_in_child()
            try:
                torch.flagos.init()
                code = 5
            except RuntimeError as e:
                code = 0 if "forked subprocess" in str(e) and "'spawn'" in str(e) and torch.flagos._is_in_bad_fork() else 6
        finally:
            os._exit(code)
    assert _wait(pid) == 0
