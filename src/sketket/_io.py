"""Checks a received file must pass before any parser sees it: size, password protection, and XML that
declares entities (an "XML bomb"). Only bytes are read; nothing is parsed or expanded, nothing written."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from sketket.clean import format_number

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT = re.compile(rb"<[A-Za-z_]")  # the first start tag: a DOCTYPE can only come before it
_CHUNK = 1 << 12
_PROLOG_LIMIT = 1 << 23  # a prolog longer than this is itself suspect
# BIFF8 BOF of the workbook globals (record 0x0809, 16 bytes, version 0x0600, type 0x0005): FILEPASS
# (record 0x002F), when the workbook has a password, is the record right after it.
_XLS_BOF = bytes.fromhex("0908100000060500")
_FILEPASS = 0x002F


def screen(path: Path, max_bytes: float) -> tuple[str, dict[str, str]] | None:
    """The rule (and its message fields) a file breaks before it may be opened, or None."""
    size = path.stat().st_size
    if size > max_bytes:
        return "file_too_large", {"size": format_number(size / 2**20, 1), "limit": format_number(max_bytes / 2**20, 1)}
    with path.open("rb") as f:
        head = f.read(8)
    if head == OLE_MAGIC:
        return ("file_encrypted", {}) if _ole_encrypted(path.read_bytes()) else None
    if head[:4] == ZIP_MAGIC:
        try:
            member = _entity_member(path)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            return "file_corrupt", {"detail": f"gói nén hỏng: {type(exc).__name__}"}
        if member:
            return "unsafe_xml", {"member": member}
    return None


def _ole_encrypted(data: bytes) -> bool:
    """An OLE2 file holding an encrypted OOXML package (what Excel or Word saves with a password), or a
    BIFF8 workbook whose globals start with FILEPASS."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return True
    at = data.find(_XLS_BOF)
    if at < 0:
        return False
    nxt = at + len(_XLS_BOF) + 12  # BOF data is 16 bytes: 4 read above, 12 more
    return int.from_bytes(data[nxt:nxt + 2], "little") == _FILEPASS


def _entity_member(path: Path) -> str:
    """The first member of a zip package (.xlsx, .ods, .docx …) whose XML prolog has a DOCTYPE or ENTITY."""
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            with zf.open(info) as member:
                seen = b""
                while len(seen) < _PROLOG_LIMIT:
                    chunk = member.read(_CHUNK)
                    if not chunk:
                        break
                    seen += chunk
                    root = _ROOT.search(seen)
                    prolog = seen if root is None else seen[:root.start()]
                    if _DTD.search(prolog):
                        return info.filename
                    if root is not None:
                        break
    return ""
