"""Checks a received file must pass before any parser sees it: size, password protection, and XML that
declares entities (an "XML bomb"). Only bytes are read; nothing is parsed or expanded, nothing written."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
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
    data = path.read_bytes()  # at most max_bytes; read once for every check below
    head = data[:8]
    if head == OLE_MAGIC:
        return ("file_encrypted", {}) if _ole_encrypted(data) else None
    if head[:4] == ZIP_MAGIC:
        try:
            member = _entity_member(path, data)
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


def _entity_member(path: Path, data: bytes) -> str:
    """The first member of a zip package (.xlsx, .ods, .docx …) whose XML prolog has a DOCTYPE or ENTITY.
    `data` is the file's content, from which plain members are read directly."""
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            head = _member_head(data, info)
            if head is not None and (len(head) == info.file_size or _ROOT.search(head)):
                unsafe = _prolog_has_dtd(head)  # the whole prolog is in the first chunk
            else:
                unsafe = _member_has_dtd(zf, info)
            if unsafe:
                return info.filename
    return ""


def _prolog_has_dtd(seen: bytes) -> bool:
    root = _ROOT.search(seen)
    return bool(_DTD.search(seen if root is None else seen[:root.start()]))


def _member_has_dtd(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """The prolog of a member read chunk by chunk through zipfile, up to its first start tag."""
    with zf.open(info) as member:
        seen = b""
        while len(seen) < _PROLOG_LIMIT:
            chunk = member.read(_CHUNK)
            if not chunk:
                break
            seen += chunk
            if _prolog_has_dtd(seen):
                return True
            if _ROOT.search(seen) is not None:
                break
    return False


_LOCAL_HEADER = struct.Struct("<4s2sH18xHH")  # signature, version, flags, …, name and extra lengths
_ODD_FLAGS = 0x61  # encrypted, compressed patched data, strong encryption


def _member_head(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """The first _CHUNK bytes of a plain member (stored or deflated, not encrypted), taken straight from
    the package's bytes: opening every member through zipfile costs more than the check itself. None for
    anything else or anything zipfile would object to (header, name, data, CRC of a member read to its
    end), which is then read through zipfile, so that its errors stay the same."""
    if info.flag_bits & _ODD_FLAGS or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    at = info.header_offset
    if at < 0 or len(data) < at + _LOCAL_HEADER.size:
        return None
    signature, _, flags, name_len, extra_len = _LOCAL_HEADER.unpack_from(data, at)
    name_at = at + _LOCAL_HEADER.size
    try:
        name = data[name_at:name_at + name_len].decode("utf-8" if flags & 0x800 else "cp437")
    except UnicodeDecodeError:
        return None
    if signature != ZIP_MAGIC or name != info.orig_filename:
        return None
    start = name_at + name_len + extra_len
    body = data[start:start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        head = body[:_CHUNK]
    else:
        try:
            head = zlib.decompressobj(-15).decompress(body, _CHUNK)
        except zlib.error:
            return None
    if info.file_size <= _CHUNK and (len(head) != info.file_size or zlib.crc32(head) != info.CRC):
        return None
    if len(head) < min(_CHUNK, info.file_size):
        return None
    return head
