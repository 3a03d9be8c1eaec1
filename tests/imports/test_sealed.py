"""Sealed files: encrypted at rest under the field keys, read back seekably."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from cryptography.fernet import Fernet

from smf.core import sealed
from smf.core.sealed import CHUNK_BYTES, SealBroken, seal_file, sealed_open


@pytest.mark.parametrize(
    "size", [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES + 17]
)
def test_what_is_sealed_reads_back_whole_and_from_anywhere(tmp_path, size):
    clear = os.urandom(size)
    path = tmp_path / "a.sealed"
    assert seal_file(io.BytesIO(clear), path) == size
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with sealed_open(path) as reader:
        assert reader.read() == clear
        for offset in {0, size // 2, max(size - 5, 0), size}:
            reader.seek(offset)
            assert reader.read(7) == clear[offset : offset + 7]


def test_the_clear_text_is_not_on_disk_and_a_zip_reads_through_it(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as bundle:
        bundle.writestr("cases.csv", "case_code,given_name\nA,Chenda\n")
    path = tmp_path / "upload.sealed"
    seal_file(io.BytesIO(buffer.getvalue()), path)
    stored = path.read_bytes()
    assert b"Chenda" not in stored and b"cases.csv" not in stored
    with sealed_open(path) as reader, zipfile.ZipFile(reader) as bundle:
        assert bundle.read("cases.csv") == b"case_code,given_name\nA,Chenda\n"


def test_a_changed_or_cut_file_is_refused(tmp_path):
    path = tmp_path / "a.sealed"
    seal_file(io.BytesIO(b"x" * (2 * CHUNK_BYTES + 10)), path)
    data = bytearray(path.read_bytes())
    flipped = bytes(data[:100]) + bytes([data[100] ^ 1]) + bytes(data[101:])
    (tmp_path / "flipped").write_bytes(flipped)
    with pytest.raises(SealBroken), sealed_open(tmp_path / "flipped") as reader:
        reader.read()
    # Cut at a chunk boundary: the new last chunk was not sealed as the last.
    cut = bytes(data[: sealed.HEADER_BYTES + sealed.SEALED_CHUNK])
    (tmp_path / "cut").write_bytes(cut)
    with pytest.raises(SealBroken), sealed_open(tmp_path / "cut") as reader:
        reader.read()


def test_rotated_keys_still_open_old_files_and_unknown_keys_do_not(tmp_path, settings):
    path = tmp_path / "a.sealed"
    seal_file(io.BytesIO(b"names"), path)
    old = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *old]
    with sealed_open(path) as reader:
        assert reader.read() == b"names"
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(SealBroken, match="no configured key"):
        sealed_open(path)
