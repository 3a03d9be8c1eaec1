"""Files encrypted at rest under the field keys, read back without unpacking.

An uploaded archive holds names: it is written sealed, in chunks of
CHUNK_BYTES, each encrypted with AES-256-GCM under a key derived (HKDF) from
the first of FIELD_ENCRYPTION_KEYS, so rotating the field keys rotates these
too. A chunk's nonce is the file's random prefix and the chunk's number, and
the last chunk is marked, so chunks cannot be reordered, dropped or cut off
unnoticed. `SealedReader` is a seekable binary file over the clear text that
decrypts one chunk at a time: zipfile reads the archive through it and the
clear text never touches the disk nor sits whole in memory.

Layout: MAGIC, key id (8 bytes), nonce prefix (7 bytes), then the chunks,
each CHUNK_BYTES of clear text (the last one shorter or empty) plus a 16-byte
tag.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

MAGIC = b"SMFSEAL1"
CHUNK_BYTES = 64 * 1024
TAG_BYTES = 16
KEY_ID_BYTES = 8
PREFIX_BYTES = 7
HEADER_BYTES = len(MAGIC) + KEY_ID_BYTES + PREFIX_BYTES
SEALED_CHUNK = CHUNK_BYTES + TAG_BYTES


class SealBroken(ValueError):
    """The file is not sealed, was changed, or no configured key opens it."""


def _derived(field_key: str) -> tuple[bytes, bytes]:
    """(key id, AES key) derived from one field key."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"smf sealed file v1").derive(
        field_key.encode()
    )
    key_id = hmac.new(key, b"key id", hashlib.sha256).digest()[:KEY_ID_BYTES]
    return key_id, key


def _keys() -> list[tuple[bytes, bytes]]:
    return [_derived(k) for k in settings.FIELD_ENCRYPTION_KEYS]


def _nonce(prefix: bytes, number: int, last: bool) -> bytes:
    return prefix + number.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def seal(chunks: Iterable[bytes], target: BinaryIO) -> int:
    """Write `chunks` (any sizes) sealed to `target`; returns the clear size."""
    key_id, key = _keys()[0]
    aead = AESGCM(key)
    prefix = os.urandom(PREFIX_BYTES)
    target.write(MAGIC + key_id + prefix)
    pending = bytearray()
    number = size = 0
    for chunk in chunks:
        pending += chunk
        size += len(chunk)
        # Keep at least one byte back: the last chunk is sealed as the last.
        while len(pending) > CHUNK_BYTES:
            part = bytes(pending[:CHUNK_BYTES])
            del pending[:CHUNK_BYTES]
            target.write(aead.encrypt(_nonce(prefix, number, False), part, None))
            number += 1
    target.write(aead.encrypt(_nonce(prefix, number, True), bytes(pending), None))
    return size


def seal_file(source: BinaryIO, path: Path) -> int:
    """Seal a readable binary stream into a new file at `path` (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as target:
        return seal(iter(lambda: source.read(CHUNK_BYTES), b""), target)


class SealedReader(io.RawIOBase):
    """A seekable, read-only binary file over a sealed file's clear text."""

    def __init__(self, path: Path | str):
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
        header = self._file.read(HEADER_BYTES)
        if len(header) != HEADER_BYTES or not header.startswith(MAGIC):
            self._file.close()
            raise SealBroken("not a sealed file")
        key_id = header[len(MAGIC) : len(MAGIC) + KEY_ID_BYTES]
        self._prefix = header[len(MAGIC) + KEY_ID_BYTES :]
        key = next((k for i, k in _keys() if hmac.compare_digest(i, key_id)), None)
        if key is None:
            self._file.close()
            raise SealBroken("no configured key opens this file")
        self._aead = AESGCM(key)
        sealed = os.fstat(self._file.fileno()).st_size - HEADER_BYTES
        self._chunks = max(1, -(-sealed // SEALED_CHUNK))
        last_sealed = sealed - (self._chunks - 1) * SEALED_CHUNK
        self._size = (self._chunks - 1) * CHUNK_BYTES + max(0, last_sealed - TAG_BYTES)
        self._position = 0
        self._cached: tuple[int, bytes] | None = None

    @property
    def size(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def _chunk(self, number: int) -> bytes:
        if self._cached is not None and self._cached[0] == number:
            return self._cached[1]
        self._file.seek(HEADER_BYTES + number * SEALED_CHUNK)
        sealed = self._file.read(SEALED_CHUNK)
        last = number == self._chunks - 1
        try:
            clear = self._aead.decrypt(_nonce(self._prefix, number, last), sealed, None)
        except InvalidTag:
            raise SealBroken("the sealed file was changed or cut off") from None
        self._cached = (number, clear)
        return clear

    def readinto(self, buffer) -> int:
        if self._position >= self._size:
            return 0
        number, offset = divmod(self._position, CHUNK_BYTES)
        data = self._chunk(number)[offset : offset + len(buffer)]
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._file.close()
            self._cached = None
        super().close()


def sealed_open(path: Path | str) -> BinaryIO:
    """A buffered, seekable reader of a sealed file's clear text."""
    return io.BufferedReader(SealedReader(path), buffer_size=CHUNK_BYTES)
