"""safe_file_name: names from outside reduced to a safe base name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasklink.core import safe_file_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../../etc/passwd", "passwd"),
        ("/etc/passwd", "passwd"),
        ("C:\\Windows\\System32\\evil.exe", "evil.exe"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("evil\r\nSet-Cookie: x.txt", "evilSet-Cookie_ x.txt"),
        ("nul\x00byte.txt", "nulbyte.txt"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ('a<b>c:d|e?f*g".txt', "a_b_c_d_e_f_g_.txt"),
        ("  spaced name.txt  ", "spaced name.txt"),
        ("trailing.dots...", "trailing.dots"),
        ("résumé ✓.pdf", "résumé ✓.pdf"),
        (".bashrc", ".bashrc"),
        ("..", None),
        (".", None),
        ("/", None),
        ("dir/", None),
        ("", None),
        (None, None),
        ("\r\n\x00", None),
    ],
)
def test_safe_file_name(raw: str | None, expected: str | None) -> None:
    assert safe_file_name(raw) == expected


def test_long_names_keep_their_extension_within_255_bytes() -> None:
    name = safe_file_name("é" * 300 + ".pdf")
    assert name is not None
    assert name.endswith(".pdf")
    assert len(name.encode("utf-8")) <= 255
    assert set(name[:-4]) == {"é"}  # cut on a character boundary


@given(st.text())
def test_never_a_path_or_a_control_character(raw: str) -> None:
    name = safe_file_name(raw)
    if name is None:
        return
    assert name
    assert "/" not in name and "\\" not in name
    assert name not in (".", "..")
    assert not any(ord(c) < 32 or c == "\x7f" for c in name)
    assert len(name.encode("utf-8")) <= 255
