"""Helpers shared by request encoding, checks, authentication and responses (one of each)."""

from __future__ import annotations

import pytest

from tasklink.http import _body, _checks, _response
from tasklink.http._body import BodyError, charset, encode_body
from tasklink.http._checks import normalize_headers, normalize_query, scalar_text


def test_one_charset_one_scalar() -> None:
    assert not hasattr(_response, "_charset") and not hasattr(_body, "_charset")
    assert not hasattr(_checks, "_text")


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        (None, None),
        ("text/plain", None),
        ("text/plain; charset=ISO-8859-1", "ISO-8859-1"),
        ('text/plain; Charset="utf-8" ', "utf-8"),
        ('text/plain; charset=""', None),
        ("text/plain; charset=", None),
    ],
)
def test_charset(content_type: str | None, expected: str | None) -> None:
    assert charset(content_type) == expected


def test_scalars_are_spelled_alike_in_headers_query_and_form() -> None:
    values = {"a": True, "b": 1.5, "c": 2, "d": "x"}
    expected = {"a": "true", "b": "1.5", "c": "2", "d": "x"}
    assert normalize_headers(values) == expected
    assert dict(normalize_query(values)) == expected
    form = encode_body("form", values, None)
    assert form is not None and form.content == b"a=true&b=1.5&c=2&d=x"
    with pytest.raises(TypeError):
        scalar_text({"nested": 1})  # type: ignore[arg-type]
    with pytest.raises(BodyError, match="a form value must be a string, number or boolean"):
        encode_body("form", {"a": {"nested": 1}}, None)
