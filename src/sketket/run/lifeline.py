"""Processes of a run die with it, and two runs never write the same folders at once.

A worker (notebooks, ingest) asks the kernel to kill it when its parent dies (Linux PR_SET_PDEATHSIG), with a
watchdog thread as a fallback elsewhere; a Jupyter kernel started by a worker already exits when its parent
changes (ipykernel's parent poller), so a run killed with SIGKILL leaves nothing running. A run holds an
exclusive lock on its reports folder (fcntl.flock: released by the kernel when the process dies, so a killed
run never leaves a stale lock)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import IO

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child process: end when the process that started it ends, however it ended."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # the parent died before the request took effect
                    os._exit(1)
                return
        except OSError:
            pass
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="sketket-lifeline").start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


class RunLocked(RuntimeError):
    """Another run holds the reports folder."""


class RunLock:
    """An exclusive lock on a reports folder for the time of a run. `wait` seconds: how long to wait for another
    run to finish before refusing (0: refuse at once)."""

    def __init__(self, reports_dir: Path, wait: float = 0.0) -> None:
        self.path = Path(reports_dir) / ".sketket-run.lock"
        self.wait = wait
        self._file: IO[str] | None = None

    def __enter__(self) -> RunLock:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        f = open(self.path, "a+", encoding="utf-8")
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    f.seek(0)
                    holder = f.read().strip() or "?"
                    f.close()
                    raise RunLocked(f"Một lần chạy khác (tiến trình {holder}) đang ghi vào {self.path.parent}: "
                                    "chờ lần chạy đó xong rồi chạy lại") from None
                time.sleep(0.5)
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        self._file = f
        return self

    def __exit__(self, *exc: object) -> None:
        import fcntl

        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
