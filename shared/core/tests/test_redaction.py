from __future__ import annotations

import json
import logging
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasklink.core import MASK, RedactingFilter, Redactor


def test_masks_value_and_its_encoded_forms() -> None:
    r = Redactor(['p@ss word"1'])
    assert r.redact('pw=p@ss word"1') == f"pw={MASK}"
    assert MASK in r.redact("https://h/?pw=p%40ss%20word%221")
    assert 'p@ss word\\"1' not in r.redact(json.dumps({"pw": 'p@ss word"1'}))


def test_longest_secret_is_masked_whole() -> None:
    r = Redactor(["abcd", "abcdefgh"])
    assert r.redact("xabcdefghx") == f"x{MASK}x"


def test_short_secrets_are_masked_only_as_whole_words(caplog: pytest.LogCaptureFixture) -> None:
    r = Redactor(["pw1"])
    assert "shorter than" in caplog.text
    assert r.redact("the pw1 is set") == f"the {MASK} is set"
    assert r.redact("pw1") == MASK
    assert r.redact("apw12") == "apw12", "inside another word the short value stays"
    assert r.redact_data({"password": "pw1"}) == {"password": MASK}


def test_redact_data_masks_keys_and_nested_values() -> None:
    r = Redactor(["s3cr3t-value"])
    data = {"a": ["x s3cr3t-value", {"s3cr3t-value": 1}], "n": 5, "b": None}
    assert r.redact_data(data) == {"a": [f"x {MASK}", {MASK: 1}], "n": 5, "b": None}


def test_empty_redactor_is_a_no_op() -> None:
    data = {"a": "b"}
    assert Redactor().redact_data(data) is data


def test_logging_filter_masks_message_args_and_traceback(caplog: pytest.LogCaptureFixture) -> None:
    r = Redactor(["tok-98765"])
    caplog.handler.addFilter(RedactingFilter(r))
    log = logging.getLogger("test.redaction")
    try:
        raise ValueError("bad tok-98765")
    except ValueError:
        log.exception("failed with %s", "tok-98765")
    assert "tok-98765" not in caplog.text
    assert f"failed with {MASK}" in caplog.text
    assert f"bad {MASK}" in caplog.text


def test_values_with_a_ttl_expire_and_permanent_ones_stay(monkeypatch: pytest.MonkeyPatch) -> None:
    import tasklink.core._redaction as module

    now = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: now[0])
    r = Redactor()
    r.add("access-token-1", ttl=60)
    r.add("client-secret-9")
    assert r.redact("access-token-1 client-secret-9") == f"{MASK} {MASK}"
    now[0] += 61
    assert r.redact("access-token-1 client-secret-9") == f"access-token-1 {MASK}"
    assert "access-token-1" not in r
    r.add("client-secret-9", ttl=1)  # a ttl never shortens a permanent registration
    now[0] += 5
    assert r.redact("client-secret-9") == MASK


def test_many_short_lived_tokens_do_not_accumulate(monkeypatch: pytest.MonkeyPatch) -> None:
    import tasklink.core._redaction as module

    now = [0.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: now[0])
    r = Redactor()
    for refresh in range(1000):
        r.add(f"token-{refresh:06d}", ttl=3600)
        now[0] += 600
        r.redact("x")
    assert len(r) <= 20


def test_form_encoded_secrets_are_masked() -> None:
    r = Redactor(["p@ss word!"])
    assert r.redact("?k=p%40ss+word%21&x=1") == f"?k={MASK}&x=1"


@pytest.mark.timeout(5)
def test_secrets_made_of_mask_characters_cannot_hang_redaction(
    caplog: pytest.LogCaptureFixture,
) -> None:
    r = Redactor(["*", "****", "s3cret-value"])
    assert r.redact("x * y **** s3cret-value") == f"x * y **** {MASK}"
    assert "cannot be masked" in caplog.text


def test_a_bad_log_call_does_not_raise_through_the_filter(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.handler.addFilter(RedactingFilter(Redactor(["tok-98765"])))
    logging.getLogger("test.redaction").warning("%s %s tok-98765", 1)  # noqa: PLE1206 - on purpose
    assert "tok-98765" not in caplog.text


def test_redact_data_handles_mappings_tuples_and_str_subclasses() -> None:
    from collections import OrderedDict

    class Text(str):
        pass

    r = Redactor(["s3cr3t-value"])
    data = {"a": OrderedDict(k="x s3cr3t-value"), "b": ("s3cr3t-value",), "c": Text("s3cr3t-value")}
    assert r.redact_data(data) == {"a": {"k": f"x {MASK}"}, "b": [MASK], "c": MASK}


def test_redact_data_finds_a_secret_containing_the_join_separator() -> None:
    r = Redactor(["ab\x00cd-1234"])
    assert r.redact_data({"k": "x ab\x00cd-1234"}) == {"k": f"x {MASK}"}
    untouched = ["ab", "cd-1234"]  # joined, these spell the secret: only the walk can tell
    assert r.redact_data(untouched) is untouched


json_data = st.recursive(
    st.one_of(st.text(max_size=12), st.integers(), st.floats(allow_nan=False), st.none()),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=300)
@given(data=json_data, secrets=st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=3))
def test_redact_data_equals_masking_each_string(data: object, secrets: list[str]) -> None:
    r = Redactor(secrets)

    def one_by_one(value: object) -> object:
        if isinstance(value, str):
            return r.redact(value)
        if isinstance(value, list):
            return [one_by_one(v) for v in value]
        if isinstance(value, dict):
            return {one_by_one(k): one_by_one(v) for k, v in value.items()}
        return value

    assert r.redact_data(data) == one_by_one(data)


# A secret with characters every encoder treats differently: '/' (left as is by most), '"'
# and '\' (escaped by JSON and, in a URL, by httpx), '<' ("\u003c" in Go's JSON), a space,
# '+', a non-ASCII letter and one outside the Basic Multilingual Plane (a surrogate pair).
AWKWARD = 'k3y/with "quote" <tag> back\\slash +plus é-end 😀'


@pytest.mark.parametrize(
    "echoed",
    [
        # A server's JSON echo of the path httpx sent (issue 12, item 3).
        "abc%22def\\\\ghi",
        "k3y/with%20%22quote%22%20%3Ctag%3E%20back\\\\slash%20+plus%20%C3%A9-end%20%F0%9F%98%80",
        # The same with lower-case hex, form-encoded, and JSON with every escape it may use.
        "k3y/with+%22quote%22+%3ctag%3e+back%5cslash+%2Bplus+%c3%a9-end+%f0%9f%98%80",
        'k3y\\/with \\"quote\\" \\u003Ctag\\u003e back\\\\slash +plus \\u00E9-end \\ud83d\\ude00',
        # A JSON document in a URL query, and a URL encoded twice.
        "k3y%2Fwith%20%5C%22quote%5C%22%20<tag>%20back%5C%5Cslash%20%2Bplus%20\\u00e9-end%20😀",
        "k3y/with%2520%2522quote%2522%2520%253Ctag%253E%2520back%255Cslash%2520%252Bplus%2520"
        "%25C3%25A9-end%2520%25F0%259F%2598%2580",
    ],
)
def test_mixed_percent_and_json_encodings_are_masked(echoed: str) -> None:
    r = Redactor(['abc"def\\ghi', AWKWARD])
    assert r.redact(f'{{"path": "/p/{echoed}"}}') == f'{{"path": "/p/{MASK}"}}'


def test_control_characters_are_masked_in_every_json_escape() -> None:
    r = Redactor(["line\none\ttab"])
    for echoed in ("line\\none\\ttab", "line\\u000aone\\u0009tab", "line%0Aone%09tab"):
        assert r.redact(f"[{echoed}]") == f"[{MASK}]", echoed


@pytest.mark.timeout(5)
def test_runs_of_backslashes_take_linear_time() -> None:
    # One form of a backslash begins another ("\\" is one escaped or two as written): a
    # pattern letting each choose on its own took minutes on this text.
    secret = "\\" * 40 + "x"
    r = Redactor([secret])
    assert r.redact("\\" * 20_000) == "\\" * 20_000
    assert r.redact(json.dumps(secret)) == f'"{MASK}"'


def _percent_encoded(data: st.DataObject, value: str) -> str:
    """``value`` with each reserved character as it is or percent-encoded as some encoder
    would write it."""
    out = []
    for char in value:
        if char.isascii() and (char.isalnum() or char in "-._~"):
            out.append(char)
            continue
        encoded = quote(char, safe="")
        forms = [char, encoded, encoded.lower(), encoded.replace("%", "%25")]
        out.append(data.draw(st.sampled_from([*forms, "+"] if char == " " else forms)))
    return "".join(out)


def _json_escaped(data: st.DataObject, value: str) -> str:
    """``value`` JSON-escaped, each character as some JSON encoder would write it."""
    out = []
    for char in value:
        short = json.dumps(char)[1:-1]
        units = char.encode("utf-16-be")
        long = "".join(f"\\u{units[i : i + 2].hex()}" for i in range(0, len(units), 2))
        if short != char or char in "/<>" or not char.isascii():
            forms = [short, long, long.upper().replace("\\U", "\\u")]
            if char == "/":
                forms.append("\\/")
            out.append(data.draw(st.sampled_from(forms)))
        else:
            out.append(char)
    return "".join(out)


@settings(max_examples=500)
@given(
    secret=st.text(alphabet='ab1-_\\"/<> %+é😀\n', min_size=4, max_size=10),
    layers=st.sampled_from(["percent", "json", "percent, then json", "json, then percent"]),
    data=st.data(),
)
def test_every_mix_of_percent_and_json_encoding_is_masked(
    secret: str, layers: str, data: st.DataObject
) -> None:
    encoded = secret
    for layer in layers.split(", then "):
        encode = _percent_encoded if layer == "percent" else _json_escaped
        encoded = encode(data, encoded)
    assert Redactor([secret]).redact(f"[{encoded}]") == f"[{MASK}]"
