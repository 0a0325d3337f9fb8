"""Deflate and CRC-32 for the workbook's parts: ISA-L where it is installed, zlib else.

A first sync of 10,000 responses writes 15 MB of sheet XML, and a mailing run
on a year of history writes its Sent and Runs sheets twice: zlib's fastest
level spent 20 ms on each 7 MB sheet. ISA-L (the `isal` package: Intel's
library, wheels for Linux, macOS and Windows) makes the same standard deflate
streams four times faster and a little smaller, and its CRC-32 six times
faster. Where it is missing, zlib does the same work at its level 1.

A workbook is saved by writing each zip member raw: a part written anew
deflated here, every other part's compressed bytes copied as they are.
"""

from __future__ import annotations

import copy
import io
import struct
import zipfile
import zlib
from types import ModuleType

_zlib: ModuleType
try:
    from isal import isal_zlib as _zlib
except ImportError:  # pragma: no cover - isal is a dependency; a platform without its wheel
    _zlib = zlib

#: the level a part written anew gets: the fastest (1 in zlib and ISA-L alike); LibreOffice
#: or Excel pack it at their own level when they next save the file
LEVEL = 1


def deflate(data: bytes) -> bytes:
    """A raw deflate stream of `data`, as a zip member stores it."""
    packer = _zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return bytes(packer.compress(data) + packer.flush())


def crc32(data: bytes, value: int = 0) -> int:
    """The CRC-32 of `data` (continued from `value`), as zip and zlib give it."""
    return int(_zlib.crc32(data, value)) & 0xFFFFFFFF


def copy_member(zout: zipfile.ZipFile, source: io.BytesIO, info: zipfile.ZipInfo) -> None:
    """One member's local header and compressed bytes, as they are, into `zout`."""
    source.seek(info.header_offset)
    header = source.read(30)
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    _put(zout, copy.copy(info), header + source.read(name_len + extra_len + info.compress_size))


def write_member(zout: zipfile.ZipFile, was: zipfile.ZipInfo, data: bytes) -> None:
    """A part written anew: deflated here, then stored raw (zipfile would deflate it with zlib)."""
    packed = deflate(data)
    info = zipfile.ZipInfo(was.filename, was.date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = was.external_attr
    info.CRC, info.file_size, info.compress_size = crc32(data), len(data), len(packed)
    _put(zout, info, info.FileHeader() + packed)


def _put(zout: zipfile.ZipFile, info: zipfile.ZipInfo, raw: bytes) -> None:
    """A member's local header and data, written as they are, and listed in `zout`."""
    fp = zout.fp
    assert fp is not None
    info.header_offset = fp.tell()
    fp.write(raw)
    zout.filelist.append(info)
    zout.NameToInfo[info.filename] = info
    zout.start_dir = fp.tell()
    zout._didModify = True  # type: ignore[attr-defined]
