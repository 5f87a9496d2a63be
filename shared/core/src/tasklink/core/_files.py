"""File names that came from outside (a server's ``Content-Disposition``, an e-mail
attachment): reduced to a base name that is safe to show, store or write."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_FILE_NAME_BYTES", "safe_file_name"]

#: The longest name most file systems accept (ext4, NTFS, APFS count about 255 bytes).
MAX_FILE_NAME_BYTES = 255

# Characters Windows refuses in names (and ':' starts an alternate data stream there).
_RESERVED = re.compile(r'[<>:"|?*]')


def _visible(char: str) -> bool:
    # Control characters (CR, LF, NUL...) and format characters (bidi overrides that make
    # "invoice\u202efdp.exe" read as "invoiceexe.pdf") never belong in a name.
    return unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp")


def safe_file_name(name: str | None) -> str | None:
    """The last path component of ``name`` with control and format characters removed,
    characters Windows refuses replaced by ``_``, surrounding blanks and trailing dots
    dropped, and at most 255 UTF-8 bytes (the extension kept); ``None`` when nothing
    usable is left (``..``, ``/``, an empty name).

    ``../../etc/passwd`` becomes ``passwd``, ``C:\\Windows\\evil.exe`` becomes
    ``evil.exe``.
    """
    if not name:
        return None
    text = "".join(char for char in name if _visible(char))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = _RESERVED.sub("_", text).strip().rstrip(". ")
    if not text or set(text) <= {"."}:
        return None
    return _truncate(text)


def _truncate(name: str) -> str:
    if len(name.encode("utf-8")) <= MAX_FILE_NAME_BYTES:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension.encode("utf-8")) > 32:
        stem, extension = name, ""
    suffix = f".{extension}" if extension else ""
    budget = MAX_FILE_NAME_BYTES - len(suffix.encode("utf-8"))
    # Cut on a character boundary: decode what fits and drop a split last character.
    cut = stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return cut.rstrip(". ") + suffix
