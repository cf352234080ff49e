"""The zip container of PyTorch's checkpoint files, written and read byte for byte as torch does.

A file written by ``torch.save`` is an ordinary zip archive whose records are *stored* (not
compressed) under one folder (``archive/`` for file objects, the file's stem for paths):
``data.pkl`` (the pickle), ``.format_version``, ``.storage_alignment``, ``byteorder``, one
``data/<key>`` per storage, ``version`` and ``.data/serialization_id``.  torch's writer (miniz
with PyTorch's changes) pads each local header with an extra field (id ``FB``, filled with
``Z``) so that every record's bytes start on a 64-byte boundary — which lets ``torch.load(...,
mmap=True)`` map storages straight from the file — writes sizes and CRC-32 in a data descriptor
after the bytes (none for an empty record), and ends with zip64 end records.  This module does
the same, so the files are indistinguishable from torch's, and reads any such archive (also
deflate-compressed records of zip tools), checking each record's CRC-32.

Errors are torch's: ``RuntimeError("PytorchStreamReader failed reading zip archive: ...")``.
"""
from __future__ import annotations

import struct
import zlib
from typing import BinaryIO

_LOCAL = struct.Struct("<IHHHHHIIIHH")       # local file header (30 bytes)
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")  # central directory header (46 bytes)
_DESCRIPTOR = struct.Struct("<IIII")          # data descriptor with 32-bit sizes (16 bytes)
_END = struct.Struct("<IHHHHIIH")             # end of central directory (22 bytes)
_END64 = struct.Struct("<IQHHIIQQQQ")         # zip64 end of central directory (56 bytes)
_LOCATOR64 = struct.Struct("<IIQI")           # zip64 end locator (20 bytes)
_SIG_LOCAL, _SIG_CENTRAL, _SIG_DESCRIPTOR = 0x04034B50, 0x02014B50, 0x08074B50
_SIG_END, _SIG_END64, _SIG_LOCATOR64 = 0x06054B50, 0x06064B50, 0x07064B50

_UTF8 = 0x0800        # general-purpose flag: names are UTF-8
_HAS_DESCRIPTOR = 0x0008  # general-purpose flag: sizes and CRC follow the data
_MADE_BY_64 = 0x031E  # "version made by" / "needed" of torch's zip64 end record
_NEEDED_64 = 0x002D
_U32_MAX = 0xFFFFFFFF

_CORRUPTED = (" This is an internal miniz error. If you are seeing this error, there is a high "
              "likelihood that your checkpoint file is corrupted. This can happen if the "
              "checkpoint was not saved properly, was transferred incorrectly, or the file was "
              "modified after saving.")


def archive_error(what: str) -> RuntimeError:
    """torch's error for an archive that cannot be read (``what``: miniz's reason)."""
    return RuntimeError(f"PytorchStreamReader failed reading zip archive: {what}.{_CORRUPTED}")


def record_error(name: str, what: str) -> RuntimeError:
    """torch's error for one record that cannot be read."""
    return RuntimeError(f"PytorchStreamReader failed reading file {name}: {what}.{_CORRUPTED}")


class ArchiveWriter:
    """Append stored records to a binary stream, then ``finish()`` with the central directory.

    ``alignment``: every record's bytes start at a multiple of it (torch: 64), counted from the
    archive's first byte.
    """

    def __init__(self, stream: BinaryIO, archive_name: str, alignment: int = 64) -> None:
        self._stream = stream
        self._prefix = archive_name + "/"
        self._alignment = alignment
        self._position = 0
        self._entries: list[tuple[bytes, int, int, int, int]] = []  # name, flags, crc, size, offset

    def _write(self, data) -> None:
        self._stream.write(data)
        self._position += len(data) if isinstance(data, bytes) else memoryview(data).nbytes

    def write_record(self, name: str, data) -> None:
        """Store ``data`` (bytes or any contiguous buffer) as ``<archive>/<name>``."""
        data = memoryview(data).cast("B")
        size = data.nbytes
        if size >= _U32_MAX or self._position >= _U32_MAX:
            raise RuntimeError("tapegrad.save: records and archives of 4 GiB or more (zip64 "
                               "records) are not supported")
        full_name = (self._prefix + name).encode("utf-8")
        offset = self._position
        # Pad the extra field so the data starts on an alignment boundary (the 4 bytes are the
        # extra field's own id and length).
        start = offset + _LOCAL.size + len(full_name) + 4
        padding = -start % self._alignment
        extra = b"FB" + struct.pack("<H", padding) + b"Z" * padding
        flags = _UTF8 | (_HAS_DESCRIPTOR if size else 0)
        self._write(_LOCAL.pack(_SIG_LOCAL, 0, flags, 0, 0, 0, 0, 0, 0, len(full_name),
                                len(extra)))
        self._write(full_name)
        self._write(extra)
        crc = zlib.crc32(data) if size else 0
        if size:
            self._write(data)
            self._write(_DESCRIPTOR.pack(_SIG_DESCRIPTOR, crc, size, size))
        self._entries.append((full_name, flags, crc, size, offset))

    def finish(self) -> None:
        """Write the central directory and the (zip64 and classic) end records."""
        directory_start = self._position
        for name, flags, crc, size, offset in self._entries:
            self._write(_CENTRAL.pack(_SIG_CENTRAL, 0, 0, flags, 0, 0, 0, crc, size, size,
                                      len(name), 0, 0, 0, 0, 0, offset))
            self._write(name)
        directory_size = self._position - directory_start
        count = len(self._entries)
        end64 = self._position
        self._write(_END64.pack(_SIG_END64, _END64.size - 12, _MADE_BY_64, _NEEDED_64, 0, 0,
                                count, count, directory_size, directory_start))
        self._write(_LOCATOR64.pack(_SIG_LOCATOR64, 0, end64, 1))
        self._write(_END.pack(_SIG_END, 0, 0, count, count, directory_size, directory_start, 0))


class ArchiveReader:
    """Read the records of a zip archive from a seekable binary stream (or a buffer, for mmap).

    The central directory is parsed and checked when the reader is made; ``read(name)`` returns
    a record's bytes (a fresh ``bytearray``, or a view into ``buffer`` when one was given),
    after checking its CRC-32.  Names are relative to the archive's one top folder.
    """

    def __init__(self, stream: BinaryIO, buffer: "memoryview | None" = None) -> None:
        self._stream = stream
        self._buffer = buffer
        self._base = stream.tell()
        stream.seek(0, 2)
        self._size = stream.tell() - self._base
        self._records: dict[str, tuple[int, int, int, int, int]] = {}
        self._parse_directory()

    # -- low level -------------------------------------------------------------------------------
    def _read_at(self, position: int, size: int) -> bytes:
        if position < 0 or position + size > self._size:
            return b""
        self._stream.seek(self._base + position)
        return self._stream.read(size)

    def _find_end(self) -> int:
        """Position of the classic end record: searched from the end (a comment may follow)."""
        tail_start = max(0, self._size - (_END.size + 0xFFFF))
        tail = self._read_at(tail_start, self._size - tail_start)
        at = tail.rfind(struct.pack("<I", _SIG_END))
        while at >= 0 and len(tail) - at < _END.size:
            at = tail.rfind(struct.pack("<I", _SIG_END), 0, at)
        if at < 0:
            raise archive_error("failed finding central directory")
        return tail_start + at

    def _parse_directory(self) -> None:
        if self._size < _END.size:
            raise archive_error("not a ZIP archive")
        end = self._find_end()
        (_, _, _, _, count, directory_size, directory_start, _) = _END.unpack(
            self._read_at(end, _END.size))
        if _U32_MAX in (directory_size, directory_start) or count == 0xFFFF:
            locator = self._read_at(end - _LOCATOR64.size, _LOCATOR64.size)
            if len(locator) != _LOCATOR64.size or _LOCATOR64.unpack(locator)[0] != _SIG_LOCATOR64:
                raise archive_error("failed finding central directory")
            end64 = self._read_at(_LOCATOR64.unpack(locator)[2], _END64.size)
            if len(end64) != _END64.size or _END64.unpack(end64)[0] != _SIG_END64:
                raise archive_error("failed finding central directory")
            count, directory_size, directory_start = _END64.unpack(end64)[7:10]
        directory = self._read_at(directory_start, directory_size)
        if len(directory) != directory_size or directory_size < count * _CENTRAL.size:
            raise archive_error("invalid central directory")
        at = 0
        for _ in range(count):
            if at + _CENTRAL.size > len(directory):
                raise archive_error("invalid central directory")
            fields = _CENTRAL.unpack_from(directory, at)
            if fields[0] != _SIG_CENTRAL:
                raise archive_error("invalid central directory")
            method, crc, packed, size = fields[4], fields[7], fields[8], fields[9]
            name_len, extra_len, comment_len, offset = fields[10], fields[11], fields[12], fields[16]
            name = bytes(directory[at + _CENTRAL.size:at + _CENTRAL.size + name_len])
            extra = directory[at + _CENTRAL.size + name_len:
                              at + _CENTRAL.size + name_len + extra_len]
            size, packed, offset = _zip64_values(extra, size, packed, offset)
            if method not in (0, 8) or offset + _LOCAL.size > self._size:
                raise archive_error("invalid central directory")
            short = name.decode("utf-8", "replace").split("/", 1)[-1]
            self._records[short] = (offset, method, crc, packed, size)
            at += _CENTRAL.size + name_len + extra_len + comment_len

    # -- records ---------------------------------------------------------------------------------
    def names(self) -> list[str]:
        """The record names, without the archive folder (``data.pkl``, ``data/0``, ...)."""
        return list(self._records)

    def has_record(self, name: str) -> bool:
        return name in self._records

    def read(self, name: str, check_crc: bool = True):
        """The bytes of record ``name`` (CRC-checked unless told not to, e.g. for a memory map
        whose pages should be read only when used); RuntimeError when it is damaged."""
        if name not in self._records:
            raise RuntimeError(f"PytorchStreamReader failed locating file {name}: file not found")
        offset, method, crc, packed, size = self._records[name]
        header = self._read_at(offset, _LOCAL.size)
        if len(header) != _LOCAL.size or _LOCAL.unpack(header)[0] != _SIG_LOCAL:
            raise record_error(name, "invalid header or archive is corrupted")
        name_len, extra_len = _LOCAL.unpack(header)[9:11]
        start = offset + _LOCAL.size + name_len + extra_len
        if start + packed > self._size:
            raise record_error(name, "invalid header or archive is corrupted")
        if self._buffer is not None and method == 0:
            data = self._buffer[self._base + start:self._base + start + size]
        else:
            self._stream.seek(self._base + start)
            data = bytearray(packed)
            if self._stream.readinto(data) != packed:
                raise record_error(name, "invalid header or archive is corrupted")
            if method == 8:
                try:
                    data = bytearray(zlib.decompress(data, -15))
                except zlib.error:
                    raise record_error(name, "decompression failed or archive is corrupted") from None
        if len(data) != size:
            raise record_error(name, "decompression failed or archive is corrupted")
        if check_crc and zlib.crc32(data) != crc:
            raise record_error(name, "CRC-32 check failed")
        return data


def _zip64_values(extra, size: int, packed: int, offset: int) -> tuple[int, int, int]:
    """Replace 0xFFFFFFFF sizes and offset by their 64-bit values from the zip64 extra field."""
    if _U32_MAX not in (size, packed, offset):
        return size, packed, offset
    at = 0
    while at + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, at)
        if tag == 0x0001:
            if at + 4 + length > len(extra):
                break
            values = list(struct.unpack_from(f"<{length // 8}Q", extra, at + 4))
            if size == _U32_MAX and values:
                size = values.pop(0)
            if packed == _U32_MAX and values:
                packed = values.pop(0)
            if offset == _U32_MAX and values:
                offset = values.pop(0)
            break
        at += 4 + length
    return size, packed, offset
