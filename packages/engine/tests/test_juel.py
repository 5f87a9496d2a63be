"""Activiti's JUEL conditions translated to FEEL, and what the translation refuses."""

from __future__ import annotations

import pytest

from tasklink.engine._juel import JuelError, juel_to_feel
from tasklink.feel import evaluate


@pytest.mark.parametrize(
    ("juel", "variables", "expected"),
    [
        ("${approved}", {"approved": True}, True),
        ("${!approved}", {"approved": True}, False),
        ("${not approved}", {"approved": False}, True),
        ("${amount > 100 && region == 'EU'}", {"amount": 150, "region": "EU"}, True),
        ("${amount gt 100 and region eq 'EU'}", {"amount": 50, "region": "EU"}, False),
        ("${amount >= 100 || vip}", {"amount": 1, "vip": True}, True),
        ("${amount le 10 or amount ge 90}", {"amount": 95}, True),
        ('${order.customer.name != "Ada"}', {"order": {"customer": {"name": "Bo"}}}, True),
        ("${items[0].price * 2 == 10}", {"items": [{"price": 5}, {"price": 1}]}, True),
        ("${items[i] == 'b'}", {"items": ["a", "b"], "i": 1}, True),
        ("${order['status'] == 'open'}", {"order": {"status": "open"}}, True),
        ("${!(a && b)}", {"a": True, "b": False}, True),
        ("${status ne null}", {"status": "x"}, True),
        ("${(a + b) / 2 lt 3}", {"a": 1, "b": 2}, True),
        ("${name == 'it\\'s'}", {"name": "it's"}, True),
    ],
)
def test_translated_conditions_mean_the_same(
    juel: str, variables: dict[str, object], expected: bool
) -> None:
    feel = juel_to_feel(juel)
    assert feel is not None
    assert evaluate(feel, variables) is expected


def test_text_without_an_expression_is_static() -> None:
    assert juel_to_feel("PT5M") is None


@pytest.mark.parametrize(
    ("juel", "refused"),
    [
        ("${list.size() > 0}", "method and function calls"),
        ("${empty list}", "'empty' is not supported"),
        ("${a % 2 == 0}", "operator '%'"),
        ("${a ? b : c}", "operator '?'"),
        ("total: ${a}", "mixes text and an expression"),
        ("${a} and ${b}", "more than one expression"),
        ("${ }", "empty expression"),
        ("${a @ b}", "cannot read"),
        ("${order['two words']}", "not a name"),
    ],
)
def test_what_has_no_faithful_feel_form_is_refused(juel: str, refused: str) -> None:
    with pytest.raises(JuelError, match=refused):
        juel_to_feel(juel)
