"""Checks a received file must pass before any parser sees it: size, password protection, and XML that
declares entities (an "XML bomb"). Only bytes are read; nothing is parsed or expanded, nothing written."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from sketket.clean import format_number

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"
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
    `data` is the file's content: its central directory is read once and plain members are inflated
    straight from it; anything unusual goes through zipfile, so that its errors stay the same."""
    entries = _central_directory(data)
    if entries is None:
        return _entity_member_zipfile(path)
    for name, method, size, body in entries:
        if name.endswith("/"):
            continue
        if _stream_has_dtd(_inflate(body) if method == zipfile.ZIP_DEFLATED else iter((body[:size],))):
            return name
    return ""


def _entity_member_zipfile(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not info.is_dir():
                with zf.open(info) as member:
                    if _stream_has_dtd(iter(lambda: member.read(_CHUNK), b"")):
                        return info.filename
    return ""


def _inflate(body: bytes) -> Iterator[bytes]:
    """A deflated member inflated a little at a time: the prolog is usually in the first few bytes."""
    inflater = zlib.decompressobj(-15)
    step = _FIRST_STEP
    while body:
        out = inflater.decompress(body, step)
        body = inflater.unconsumed_tail
        if not out:
            return
        yield out
        step = min(step * 2, _CHUNK)


def _stream_has_dtd(chunks: Iterator[bytes]) -> bool:
    """Whether the prolog of a member (given as chunks of its bytes) declares a DTD. Reading stops at the
    root element (no DTD can follow it) or at the first byte that cannot start XML markup."""
    seen = b""
    at = 0
    for chunk in chunks:
        seen += chunk
        verdict, at = _prolog_verdict(seen, at, final=False)
        if verdict is not None:
            return verdict
        if len(seen) > _PROLOG_LIMIT:
            return True  # a prolog this long is itself suspect
    return bool(_prolog_verdict(seen, at, final=True)[0])


def _prolog_verdict(seen: bytes, at: int, final: bool) -> tuple[bool | None, int]:
    """Walk the prolog from `at`, skipping whitespace, processing instructions and comments. True at a
    `<!` declaration (DOCTYPE, ENTITY …), False at the root element or at non-XML bytes, None (with where
    to resume) when more bytes are needed."""
    if at == 0:
        if len(seen) < 2 and not final:
            return None, 0
        # Office and LibreOffice write UTF-8; a UTF-16 part is refused rather than scanned byte-wise,
        # where a declaration would hide between the zero bytes.
        if seen[:2] in _UTF16_STARTS:
            return True, 0
        if seen.startswith(_BOM):
            at = len(_BOM)
    while True:
        at = _SPACE.match(seen, at).end()
        rest = seen[at:at + 4]
        if len(rest) < 4 and not final:
            return None, at
        if not rest.startswith(b"<"):
            return False, at
        opener = next((o for o in _SKIPPED if rest.startswith(o)), None)
        if opener is not None:
            close = _SKIPPED[opener]
            end = seen.find(close, at + len(opener))
            if end < 0:
                return (None if not final else False), at
            at = end + len(close)
        else:
            return rest.startswith(b"<!"), at


def _central_directory(data: bytes) -> list[tuple[str, int, int, bytes]] | None:
    """(name, method, uncompressed size, compressed bytes) of every member, or None when the package
    is not a plain single-disk, non-zip64 archive whose headers agree (zipfile then decides)."""
    eocd = data.rfind(_EOCD_SIG, max(0, len(data) - _EOCD.size - 0xFFFF))
    if eocd < 0 or len(data) < eocd + _EOCD.size:
        return None
    _, disk, cd_disk, here, count, cd_size, cd_at, _ = _EOCD.unpack_from(data, eocd)
    if disk or cd_disk or here != count or cd_at + cd_size != eocd:
        return None
    entries = []
    pos = cd_at
    for _ in range(count):
        if len(data) < pos + _CENTRAL.size:
            return None
        sig, flags, method, csize, size, nlen, elen, clen, offset = _CENTRAL.unpack_from(data, pos)
        raw_name = data[pos + _CENTRAL.size:pos + _CENTRAL.size + nlen]
        pos += _CENTRAL.size + nlen + elen + clen
        if sig != _CENTRAL_SIG or flags & _ODD_FLAGS or method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return None
        body = _local_body(data, offset, raw_name, csize)
        if body is None:
            return None
        try:
            name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
        except UnicodeDecodeError:
            return None
        entries.append((name, method, size, body))
    return entries if pos == eocd else None


def _local_body(data: bytes, at: int, raw_name: bytes, csize: int) -> bytes | None:
    """The compressed bytes of the member whose local header is at `at`, if that header names it."""
    if len(data) < at + _LOCAL_HEADER.size:
        return None
    signature, _, _, name_len, extra_len = _LOCAL_HEADER.unpack_from(data, at)
    name_at = at + _LOCAL_HEADER.size
    if signature != ZIP_MAGIC or data[name_at:name_at + name_len] != raw_name:
        return None
    start = name_at + name_len + extra_len
    if len(data) < start + csize:
        return None
    return data[start:start + csize]


_LOCAL_HEADER = struct.Struct("<4s2sH18xHH")  # signature, version, flags, …, name and extra lengths
_CENTRAL = struct.Struct("<4s4xHH8xLLHHH8xL")  # signature, flags, method, sizes, lengths, offset
_CENTRAL_SIG = b"PK\x01\x02"
_EOCD = struct.Struct("<4s4HLLH")  # signature, disks, entry counts, directory size and offset, comment
_EOCD_SIG = b"PK\x05\x06"
_ODD_FLAGS = 0x61  # encrypted, compressed patched data, strong encryption
_BOM = b"\xef\xbb\xbf"
_UTF16_STARTS = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")
_SPACE = re.compile(rb"[ \t\r\n]*")
_FIRST_STEP = 256
_SKIPPED = {b"<?": b"?>", b"<!--": b"-->"}  # prolog markup that may come before a DOCTYPE
