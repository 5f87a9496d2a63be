from __future__ import annotations

import json
import logging

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
