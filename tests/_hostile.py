"""Hostile files made at test time, small on disk: zip bombs (a part that inflates to a gigabyte from about
a megabyte) and packages with parts replaced.

A bomb's part is deflated once per megabyte of filler with a full flush, which resets the compressor's
window: the same piece, repeated, is a valid deflate stream of any length. Its CRC is not computed (3 s
per gigabyte): a reader would only find that out after inflating all of it, which is what must not happen.
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from pathlib import Path

_MB = 1 << 20


def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def bomb(prefix: bytes, megabytes: int, suffix: bytes, filler: bytes = b"A") -> tuple[bytes, int]:
    """A raw deflate stream of prefix + `megabytes` MB of filler + suffix, and its inflated size."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    piece = c.compress(filler * _MB) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.compress(suffix) + c.flush()
    return head + piece * megabytes + tail, len(prefix) + megabytes * _MB + len(suffix)


def write_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> Path:
    """A zip of (name, deflated body, inflated size, crc) members, written by hand: zipfile cannot take a
    body already compressed."""
    out, central = bytearray(), bytearray()
    for name, body, size, crc in members:
        raw = name.encode()
        offset = len(out)
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0x800, 8, 0, 0x21, crc, len(body), size,
                           len(raw), 0) + raw + body
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0x800, 8, 0, 0x21, crc,
                               len(body), size, len(raw), 0, 0, 0, 0, 0, offset) + raw
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(out), 0)
    path.write_bytes(bytes(out + central + eocd))
    return path


def replace_parts(source: Path, out: Path, parts: dict[str, tuple[bytes, int]]) -> Path:
    """A copy of a zip package with some parts replaced by (deflated body, inflated size), others kept."""
    members = []
    with zipfile.ZipFile(source) as zf:
        for info in zf.infolist():
            if info.filename in parts:
                body, size = parts.pop(info.filename)
                members.append((info.filename, body, size, 0))
            else:
                data = zf.read(info)
                members.append((info.filename, deflate(data), len(data), zlib.crc32(data)))
    members += [(name, body, size, 0) for name, (body, size) in parts.items()]
    return write_zip(out, members)


def with_part(source: Path, out: Path, name: str, data: bytes) -> Path:
    """A copy of a zip package with one part's content replaced by `data` (CRC correct)."""
    members = []
    with zipfile.ZipFile(source) as zf:
        for info in zf.infolist():
            content = data if info.filename == name else zf.read(info)
            members.append((info.filename, deflate(content), len(content), zlib.crc32(content)))
    return write_zip(out, members)


def remove_tree(top: Path) -> None:
    """Remove a folder tree without recursion (shutil.rmtree, and pytest's clean-up of old temporary folders
    with it, recurse once per level and fail on a tree a thousand levels deep)."""
    folders, stack = [], [str(top)]
    while stack:
        folder = stack.pop()
        folders.append(folder)
        with os.scandir(folder) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    os.unlink(entry.path)
    for folder in reversed(folders):
        os.rmdir(folder)
