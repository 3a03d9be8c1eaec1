"""Where an import's files come from: a zip archive, a folder, or memory.

A `Source` names its files and opens each as a fresh binary stream, as many
times as the import reads it (once to check, once to write): nothing is held
in memory but the chunk being read. Archives are measured by what they
unpack to, not by what their headers declare, and refused past explicit
limits (settings, defaults that fit a 2 GB host):

- IMPORT_MAX_ENTRIES: entries in the archive (default 200);
- IMPORT_MAX_UNPACKED_BYTES: all entries unpacked (default 1 GiB);
- IMPORT_MAX_RATIO: unpacked size of an entry over its packed size (default
  200: CSV packs 5 to 20 times; a "zip bomb" thousands of times).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from django.conf import settings

DAMAGED = "damaged in the archive (it cannot be unpacked)"
TOO_LARGE = "the archive is too large once unpacked"
# Below this packed size the ratio says nothing (a header row packs badly).
RATIO_FLOOR_BYTES = 64 * 1024


class ImportRejected(Exception):
    """Nothing was written; `errors` says why, one line per problem."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        shown = "\n".join(self.errors[:20])
        more = f"\n... and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
        super().__init__(f"Import refused, nothing was written:\n{shown}{more}")


def limit(name: str) -> int:
    """IMPORT_MAX_ENTRIES, IMPORT_MAX_UNPACKED_BYTES or IMPORT_MAX_RATIO."""
    return int(getattr(settings, name))


class _Bounded(io.RawIOBase):
    """A stream that refuses to give more than `room` bytes, and names a
    damaged entry instead of raising zlib's or zipfile's errors."""

    def __init__(self, stream: BinaryIO, room: int, name: str):
        self._stream, self._room, self._name, self.read_bytes = stream, room, name, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self._stream.read(len(buffer))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
            raise ImportRejected([f"{self._name}: {DAMAGED}"]) from None
        self.read_bytes += len(data)
        if self.read_bytes > self._room:
            raise ImportRejected([TOO_LARGE])
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()


@dataclass
class Entry:
    name: str
    opener: Callable[[], BinaryIO]

    def open(self) -> BinaryIO:
        return io.BufferedReader(self.opener(), buffer_size=256 * 1024)


class Source(Mapping):
    """{file name: Entry}; close() releases the archive."""

    def __init__(self, entries: dict[str, Entry], closing: Callable[[], None] = lambda: None):
        self._entries, self._closing = entries, closing

    def __getitem__(self, name: str) -> Entry:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def close(self) -> None:
        self._closing()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def source_from_memory(files: Mapping[str, bytes]) -> Source:
    return Source(
        {name: Entry(name, lambda data=data: io.BytesIO(data)) for name, data in files.items()}
    )


def as_source(files: Mapping[str, bytes] | Source) -> Source:
    return files if isinstance(files, Source) else source_from_memory(files)


def source_from_zip(archive: bytes | Path | str | BinaryIO) -> Source:
    """The files of a zip archive, read lazily.

    Files may sit in folders inside the archive (only their names count); an
    entry whose path climbs out ("..", absolute) is refused, as are two files
    of the same name, encrypted entries and archives past the limits. Mac
    resource folders (__MACOSX) and hidden files are skipped.
    """
    if isinstance(archive, bytes):
        stream: BinaryIO = io.BytesIO(archive)
    elif isinstance(archive, str | Path):
        stream = open(archive, "rb")  # noqa: SIM115 - closed with the Source
    else:
        stream = archive
    try:
        bundle = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        stream.close()
        raise ImportRejected(["the upload is not a zip archive"]) from None

    def closing() -> None:
        bundle.close()
        stream.close()

    try:
        entries = _zip_entries(bundle)
    except ImportRejected:
        closing()
        raise
    return Source(entries, closing)


def _zip_entries(bundle: zipfile.ZipFile) -> dict[str, Entry]:
    infos = bundle.infolist()
    if len(infos) > limit("IMPORT_MAX_ENTRIES"):
        raise ImportRejected(
            [f"the archive holds {len(infos)} entries; at most {limit('IMPORT_MAX_ENTRIES')}"]
        )
    total_room = limit("IMPORT_MAX_UNPACKED_BYTES")
    ratio = limit("IMPORT_MAX_RATIO")
    if sum(i.file_size for i in infos) > total_room:
        raise ImportRejected([TOO_LARGE])
    errors: list[str] = []
    entries: dict[str, Entry] = {}
    for info in infos:
        if info.is_dir():
            continue
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or re.match(r"[A-Za-z]:", info.filename):
            errors.append(f"{info.filename}: a path outside the archive is not allowed")
            continue
        if "__MACOSX" in path.parts or path.name.startswith("."):
            continue
        if path.name in entries:
            errors.append(f"{info.filename}: a second file named {path.name}")
            continue
        if info.flag_bits & 0x1:
            errors.append(f"{info.filename}: encrypted entries are not supported")
            continue
        if info.file_size > ratio * max(info.compress_size, RATIO_FLOOR_BYTES):
            errors.append(
                f"{info.filename}: unpacks to more than {ratio} times its packed size "
                "(a damaged or malicious archive)"
            )
            continue
        # What it really unpacks to is bounded while it is read: the header may lie.
        room = min(total_room, ratio * max(info.compress_size, RATIO_FLOOR_BYTES))
        entries[path.name] = Entry(path.name, _zip_opener(bundle, info, room, path.name))
    if errors:
        raise ImportRejected(errors)
    return entries


def _zip_opener(bundle: zipfile.ZipFile, info: zipfile.ZipInfo, room: int, name: str):
    def opener() -> BinaryIO:
        try:
            stream = bundle.open(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
            raise ImportRejected([f"{name}: {DAMAGED}"]) from None
        return _Bounded(stream, room, name)

    return opener


def source_from_folder(folder: Path | str) -> Source:
    """The files of a folder (hidden files are skipped)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportRejected([f"{folder}: not a folder"])
    paths = [p for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")]
    if sum(p.stat().st_size for p in paths) > limit("IMPORT_MAX_UNPACKED_BYTES"):
        raise ImportRejected(["the folder is too large to import at once"])
    return Source({p.name: Entry(p.name, lambda p=p: open(p, "rb")) for p in paths})  # noqa: SIM115


def source_from_path(path: Path | str) -> Source:
    """A folder or a .zip file."""
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".zip":
        return source_from_zip(path)
    if not path.exists():
        raise ImportRejected([f"{path}: no such folder or zip file"])
    return source_from_folder(path)


def read_all(source: Source) -> dict[str, bytes]:
    """Every file's content (small archives, tests): the limits still apply."""
    files = {}
    with source:
        for name, entry in source.items():
            with entry.open() as stream:
                files[name] = stream.read()
    return files


def files_from_zip(archive: bytes | Path | str | BinaryIO) -> dict[str, bytes]:
    return read_all(source_from_zip(archive))


def files_from_folder(folder: Path | str) -> dict[str, bytes]:
    return read_all(source_from_folder(folder))


def files_from_path(path: Path | str) -> dict[str, bytes]:
    return read_all(source_from_path(path))
