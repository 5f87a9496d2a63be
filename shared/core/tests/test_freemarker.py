"""APA's FreeMarker interpolations, as the vendor contracts render them."""

from __future__ import annotations

import pytest

from tasklink.core import InputError, render_freemarker

DATA = {"who": {"name": "Ada", "tags": ["x"]}, "n": 1042, "ok": True}


def test_values_defaults_and_built_ins() -> None:
    text = '${who.name?upper_case} ${n} ${ok} ${who["name"]} ${gone!}|${missing!"none"}'
    assert render_freemarker(text, DATA, field="text") == "ADA 1042 true Ada |none"
    assert render_freemarker("<#-- gone -->${who.name}", DATA, field="text") == "Ada"
    # Values escaped for HTML unless ?no_esc.
    html = render_freemarker("${x} ${x?no_esc}", {"x": "<b>"}, field="t", html=True)
    assert html == "&lt;b&gt; <b>"


@pytest.mark.parametrize(
    ("source", "code", "problem"),
    [
        ("${missing}", "TEMPLATE_METADATA_ERROR", "metadata has no value missing"),
        ("${who.tags}", "TEMPLATE_METADATA_ERROR", "is a list in metadata"),
        ("<#if x>y</#if>", "TEMPLATE_SYNTAX_ERROR", "the FreeMarker directive '<#if x>'"),
        ("${who.name?url}", "TEMPLATE_SYNTAX_ERROR", "the built-in ?url is not supported"),
        ("${who", "TEMPLATE_SYNTAX_ERROR", "is not closed"),
    ],
)
def test_problems_name_the_field_with_the_callers_codes(
    source: str, code: str, problem: str
) -> None:
    with pytest.raises(InputError) as caught:
        render_freemarker(source, DATA, field="template")
    assert (caught.value.code, caught.value.field) == (code, "template")
    assert caught.value.message.startswith("template: ") and problem in caught.value.message
    with pytest.raises(InputError) as plain:
        render_freemarker(
            source, DATA, field="text", syntax_code="INVALID_INPUT", metadata_code="INVALID_INPUT"
        )
    assert plain.value.code == "INVALID_INPUT"


def test_a_directive_names_where_to_write_it_and_output_is_bounded() -> None:
    with pytest.raises(InputError, match=r"only \$\{\.\.\.\} values are rendered\. Use Jinja2"):
        render_freemarker("<#list xs as x>", DATA, field="t", directive_hint="Use Jinja2")
    with pytest.raises(InputError, match="exceeds 10 characters"):
        render_freemarker("${who.name}" * 5, DATA, field="t", max_output=10)
