"""The received folder, walked: every regular file to read, and every entry that is not one (a link out
of the folder, a dangling link, a FIFO, a folder that cannot be opened) with the reason it is not read.

Iterative (a tree a thousand levels deep is walked like any other), never follows a link out of the
folder, and never opens anything: a FIFO would block the reader for ever."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sketket.config import load_yaml


@dataclass(frozen=True)
class Entry:
    """One entry of the folder. `path` is set for a file to read; otherwise `status` and `reason` say
    why it is not read, and `error` is set when it could not be read at all (an OSError's text)."""

    rel: str  # path under the folder, with "/" (a folder's ends with "/")
    path: Path | None = None
    status: str = ""  # "skipped" | "rejected" when not read
    reason: str = ""
    error: str = ""


@lru_cache(maxsize=1)
def _messages() -> dict:
    return load_yaml("ingest.yml")["walk"]


def walk(root: Path) -> list[Entry]:
    """Every entry under `root`, sorted by its path under the folder."""
    root = Path(root)
    real_root = root.resolve()
    out: list[Entry] = []
    stack = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as it:
                children = list(it)
        except OSError as exc:
            out.append(Entry(prefix or "./", status="rejected", error=os_error_text(exc)))
            continue
        for child in children:
            rel = prefix + child.name
            try:
                entry = _entry(Path(child.path), rel, child, real_root)
            except OSError as exc:  # the entry vanished or cannot be examined
                out.append(Entry(rel, status="rejected", error=os_error_text(exc)))
                continue
            if entry is None:
                stack.append((Path(child.path), rel + "/"))
            else:
                out.append(entry)
    out.sort(key=lambda e: e.rel)
    return out


def _entry(path: Path, rel: str, child: os.DirEntry, real_root: Path) -> Entry | None:
    """What a directory entry is (None: a folder to walk into)."""
    msg = _messages()
    if child.is_symlink():
        target = os.readlink(path)
        try:
            real = path.resolve()
        except RuntimeError:  # a loop of links (Python 3.11 raises; later versions return a path)
            return Entry(rel, status="skipped", reason=msg["link_loop"].format(target=target))
        if not real.exists():
            return Entry(rel, status="skipped", reason=msg["link_dangling"].format(target=target))
        if real != real_root and real_root not in real.parents:
            return Entry(rel, status="skipped", reason=msg["link_outside"].format(target=target))
        if real.is_dir():  # inside the folder: walked where it is, never twice (nor in a loop)
            return Entry(rel, status="skipped", reason=msg["link_folder"].format(target=target))
        mode = real.stat().st_mode
    else:
        mode = child.stat(follow_symlinks=False).st_mode
    if stat.S_ISDIR(mode):
        return None
    if stat.S_ISREG(mode):
        return Entry(rel, path=path)
    kind = ("fifo" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode)
            else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "other")
    return Entry(rel, status="skipped", reason=msg["not_regular"].format(kind=msg["kinds"][kind]))


def os_error_text(exc: OSError) -> str:
    """An OSError in Vietnamese, as a files.csv reason's detail."""
    if isinstance(exc, PermissionError):
        return "không có quyền đọc"
    if isinstance(exc, FileNotFoundError):
        return "không còn trên đĩa"
    return f"lỗi đọc đĩa: {exc.strerror or type(exc).__name__}"
