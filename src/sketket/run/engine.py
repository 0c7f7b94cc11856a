"""A papermill engine that keeps one kernel alive per process and runs successive notebooks in it.

Starting a kernel and importing pandas, matplotlib and seaborn costs about 1,5 s a notebook, more than most
packs take to compute. The warm engine pays it once per worker: before each notebook it resets the kernel
(user namespace, execution counter, working directory, matplotlib figures and rcParams) so a notebook sees
what a fresh kernel would show, except that modules already imported stay imported — that is the point.
Papermill still parameterises, records metadata and raises PapermillExecutionError with the cell; a kernel
that failed a cell, timed out or died is discarded and the next notebook gets a new one.

Use: `papermill.execute_notebook(..., engine_name=WARM_ENGINE, kernel_name="sketket")`.
"""

from __future__ import annotations

import os
from multiprocessing import util
from typing import Any

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine, NotebookExecutionManager, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

WARM_ENGINE = "sketket-warm"

# Run silently in the kernel before each notebook. reset(new_session=True) clears every user variable and
# In/Out history and restarts the execution counter at 1, as papermill's prompts in a fresh kernel.
# What survives the reset (imported modules, their caches) is then frozen out of the cyclic garbage collector:
# reset's own full collection, and those during the notebook, no longer walk pandas, matplotlib and the rest
# again (a reset took ~90 ms, ~6 ms so; objects are still freed when their last reference goes).
_RESET = """\
get_ipython().reset(new_session=True)
import gc as _gc, os as _os, sys as _sys
_os.chdir({cwd!r})
if "matplotlib.pyplot" in _sys.modules:
    _sys.modules["matplotlib.pyplot"].close("all")
if "matplotlib" in _sys.modules:
    _sys.modules["matplotlib"].rc_file_defaults()
_gc.freeze()
del _gc, _os, _sys
"""


class KernelResetError(RuntimeError):
    """The kernel could not be reset between notebooks (it is then discarded)."""


class WarmKernel:
    """The kernel of this process, started on first use and kept between notebooks."""

    def __init__(self) -> None:
        self._client: NotebookClient | None = None
        self._pid = 0  # the process that started the kernel: a forked child must not talk to its parent's
        self.kernel_name = ""
        self.starts = 0  # kernels this process started: 1 when every notebook reused the first

    def get(self, kernel_name: str, start_timeout: int) -> NotebookClient:
        """A live kernel of `kernel_name` (the client holding its manager and channels)."""
        if self._pid != os.getpid():  # forked after the parent started one: that kernel is not ours
            self._client = None
        client = self._client
        if client is not None and (self.kernel_name != kernel_name or not run_sync(client.km.is_alive)()):
            self.discard()
        if self._client is None:
            client = NotebookClient(nbformat.v4.new_notebook(), kernel_name=kernel_name, startup_timeout=start_timeout,
                                    shutdown_kernel="immediate")
            client.km = client.create_kernel_manager()
            client.start_new_kernel(cwd=os.getcwd())
            client.start_new_kernel_client()
            if self._pid != os.getpid():  # multiprocessing runs this at a worker's (or the main process's) exit
                util.Finalize(None, self.discard, exitpriority=10)
            self._client, self._pid, self.kernel_name = client, os.getpid(), kernel_name
            self.starts += 1
        return self._client

    def discard(self) -> None:
        """Shut the kernel down (nothing in it is worth keeping once a notebook failed in it)."""
        client, self._client = self._client, None
        if client is not None and client.km is not None:
            client._cleanup_kernel()

    def warm_up(self, kernel_name: str, start_timeout: int, code: str) -> bool:
        """Start the kernel before the first notebook and run `code` (the imports every notebook makes) in it,
        while the run still prepares its data. False, and no kernel kept, when that fails: the first notebook
        then starts its own, as without a warm-up."""
        try:
            client = self.get(kernel_name, start_timeout)
            assert client.kc is not None
            reply = client.wait_for_reply(client.kc.execute(code, silent=True, store_history=False))
            ok = bool(reply) and reply["content"]["status"] == "ok"
        except Exception:
            ok = False
        if not ok:
            self.discard()
        return ok

    def ready(self, kernel_name: str, start_timeout: int, cwd: str) -> NotebookClient:
        """A kernel in a fresh kernel's state, working in `cwd`: the live one reset, or a new one when a
        previous notebook left it unable to reset or it died since."""
        try:
            return self._reset(self.get(kernel_name, start_timeout), cwd)
        except (KernelResetError, DeadKernelError):
            self.discard()
            return self._reset(self.get(kernel_name, start_timeout), cwd)

    @staticmethod
    def _reset(client: NotebookClient, cwd: str) -> NotebookClient:
        assert client.kc is not None
        msg_id = client.kc.execute(_RESET.format(cwd=cwd), silent=True, store_history=False)
        reply = client.wait_for_reply(msg_id)
        if not reply or reply["content"]["status"] != "ok":
            content = reply["content"] if reply else {}
            raise KernelResetError(f"{content.get('ename', 'timeout')}: {content.get('evalue', '')}")
        return client


KERNEL = WarmKernel()


class WarmEngine(Engine):
    """papermill's nbclient engine, on this process's warm kernel instead of a new kernel per notebook."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: NotebookExecutionManager,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: int = 60,
        execution_timeout: int | None = None,
        **kwargs: Any,
    ) -> Any:
        # the same arguments as papermill's NBClientEngine gives its client
        kwargs = remove_args(["input_path"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs, timeout=execution_timeout or kwargs.get("timeout"), startup_timeout=start_timeout,
            kernel_name=kernel_name, log=logger, log_output=log_output, stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        try:
            warm = KERNEL.ready(kernel_name, start_timeout, os.getcwd())  # papermill moved us into the cwd
            client = PapermillNotebookClient(nb_man, km=warm.km, **final_kwargs)
            client.kc = warm.kc
            nb = client.execute()
        except BaseException:  # timeout, dead kernel, interrupted: never reuse that kernel
            KERNEL.discard()
            raise
        # a cell raised (papermill raises once the engine returns): the kernel's state is unknown
        if nb.metadata.papermill.get("exception"):
            KERNEL.discard()
        return nb


papermill_engines.register(WARM_ENGINE, WarmEngine)
