"""The limits of the Jinja2 sandbox: each runaway template is an input error naming the
field, and ordinary templates still render."""

from __future__ import annotations

from typing import Any

import pytest

from tasklink.core import InputError
from tasklink.email import _render
from tasklink.email._render import render

BIG = 10**9
DATA: dict[str, Any] = {"n": BIG, "name": "Ann", "items": ["a", "b"], "tab": "\t" * 1000}


@pytest.mark.parametrize(
    "template",
    [
        '{{ "a" * n }}',
        "{{ [1] * n }}",
        "{{ n * ('a' * 1000) }}",
        '{{ ("a" * 900000) + ("b" * 900000) }}',
        '{{ "a"|center(n)|length }}',
        '{{ "a\\n" * 100000 |indent(1000)|length }}',
        '{{ ("ab " * 300000)|wordwrap(1, wrapstring="-" * 100)|length }}',
        '{{ ("a" * 1000)|replace("", "x" * 1000)|length }}',
        "{{ (['x' * 100000] * 100)|join|length }}",
        '{{ "%0999999999d"|format(1) }}',
        '{{ "%0999999999d" % 1 }}',
        '{{ "%*d" % (n, 1) }}',
        '{{ "{:>999999999}".format(1) }}',
        '{{ "{:{}}".format(1, n) }}',
        '{{ "a".ljust(n) }}',
        '{{ "a".zfill(n) }}',
        "{{ tab.expandtabs(n)|length }}",
        "{{ [1]|batch(n, 0)|list|length }}",
        "{{ [1]|slice(n)|list|length }}",
        "{{ items|tojson(indent=n) }}",
        "{{ (n ** n) > 0 }}",
        "{{ (7 ** 1000000) > 0 }}",
        "{{ ((7 ** 50000) * (7 ** 50000)) > 0 }}",
        "{{ range(100000)|length }}",
        "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
        "{% for i in items * 1000 %}{% for j in items * 1000 %}{% endfor %}{% endfor %}",
        "{% macro f(k) %}{% if k %}{{ f(k - 1) }}{{ f(k - 1) }}{% endif %}{% endmacro %}"
        "{{ f(30) }}",
        "{% macro f(k) %}{% if k %}{% set x = f(k - 1) %}{{ x }}{{ x }}{% endif %}x"
        "{% endmacro %}{{ f(40)|length }}",
        '{% set a = "a" * 100000 %}{% set b = a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a %}'
        "{% set c = b ~ b ~ b ~ b ~ b ~ b ~ b ~ b ~ b ~ b %}{{ c|length }}",
        '{% set a %}{{ "a" * 600000 }}{{ "a" * 600000 }}{% endset %}{{ a|length }}',
        "{{ lipsum(n) }}",
    ],
)
def test_runaway_templates_are_input_errors(template: str) -> None:
    with pytest.raises(InputError) as caught:
        render("text", template, DATA)
    assert caught.value.field == "text"
    assert str(caught.value).startswith("text: "), caught.value


def test_every_limit_is_named() -> None:
    with pytest.raises(InputError, match=r"exceeds a limit.*larger than 1000000"):
        render("subject", '{{ "a" * n }}', DATA)
    with pytest.raises(InputError, match=r"exceeds a limit.*more than 1000000 steps"):
        render(
            "html",
            "{% for i in range(9999) %}{% for j in range(9999) %}{% endfor %}{% endfor %}",
            DATA,
            html=True,
        )
    with pytest.raises(InputError, match=r"range\(\) may yield at most 10000"):
        render("text", "{{ range(10001)|list }}", DATA)


def test_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # A deadline already past: the first step ends the rendering (no timing involved).
    monkeypatch.setattr(_render, "TIME_LIMIT", -1.0)
    with pytest.raises(InputError, match="takes longer than"):
        render("text", "{% for i in range(3) %}{{ i }}{% endfor %}", DATA)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Hello {{ name }}!", "Hello Ann!"),
        ('{{ "%s has %d items"|format(name, items|length) }}', "Ann has 2 items"),
        ('{{ "{} and {:>3}".format(name, 7) }}', "Ann and   7"),
        ("{{ items|join(', ') }}", "a, b"),
        ("{% for i in items %}{{ loop.index }}{{ i|upper }}{% endfor %}", "1A2B"),
        ("{{ range(3)|list }} {{ range(10000)|length }}", "[0, 1, 2] 10000"),
        ("{{ '-' * 20 }}", "-" * 20),
        ("{{ 2 ** 64 }} {{ 3 * 4 }} {{ 1.5 * 2 }} {{ 10 % 3 }}", "18446744073709551616 12 3.0 1"),
        ("{{ name ~ '!' ~ name }} {{ [1] + [2] }} {{ 'a' + 'b' }}", "Ann!Ann [1, 2] ab"),
        ("{{ name|center(9) }}|{{ 'x'|indent(2, true) }}", "   Ann   |  x"),
        ("{{ 'a b c'|wordwrap(1) }}", "a\nb\nc"),
        (
            "{{ 'aXa'|replace('X', 'yy') }} {{ 'long text'|truncate(7, end='', leeway=0) }}",
            "ayya long",
        ),
        ("{% macro hi(who) %}Hi {{ who }}{% endmacro %}{{ hi(name) }}", "Hi Ann"),
        ("{% set s %}{{ name }}{{ name }}{% endset %}{{ s }}", "AnnAnn"),
        (
            "{{ items|tojson(indent=2)|length > 0 }} {{ [1, 2, 3]|batch(2)|list }}",
            "True [[1, 2], [3]]",
        ),
        ("{% for row in items|slice(2) %}{{ row }}{% endfor %}", "['a']['b']"),
    ],
)
def test_ordinary_templates_still_render(template: str, expected: str) -> None:
    assert render("text", template, DATA) == expected
