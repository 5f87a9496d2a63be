"""Dropdown choice names: ``field(choice_labels=...)`` and humanized values."""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field
from tasklink_template_examples import shop

from tasklink.core import Connector, InputModel, field
from tasklink.core._fields import TEMPLATE_KEY
from tasklink.core.templates import TemplateError, camunda_template
from tasklink.core.templates._types import humanize

SECURITY_LABELS = {"none": "None", "starttls": "STARTTLS", "tls": "TLS (implicit)"}


def _connector(model: type[InputModel]) -> Connector:
    connector = Connector(
        id="io.tasklink.tests.labels",
        name="labels",
        title="Labels",
        job_type="tasklink:labels:1",
        description="A connector with dropdowns",
        package="tasklink_template_examples",
    )

    def run(input: InputModel) -> None:
        return None

    run.__annotations__ = {"input": model, "return": None}
    connector.operation(name="Run", description="Run it")(run)
    return connector


def _choices(model: type[InputModel], prop_id: str) -> list[dict[str, str]]:
    template = camunda_template(_connector(model))
    prop = next(p for p in template["properties"] if p.get("id") == prop_id)
    assert prop["type"] == "Dropdown"
    return list(prop["choices"])


def test_field_stores_choice_labels_with_the_template_options() -> None:
    class Input(InputModel):
        security: Literal["none", "starttls", "tls"] = field(
            "tls", description="Transport security", choice_labels=SECURITY_LABELS, group="conn"
        )

    extra = Input.model_fields["security"].json_schema_extra
    assert isinstance(extra, dict)
    assert extra[TEMPLATE_KEY] == {"group": "conn", "choice_labels": SECURITY_LABELS}
    # the JSON schema keeps working (the labels are plain JSON)
    schema = Input.model_json_schema()
    assert schema["properties"]["security"][TEMPLATE_KEY]["choice_labels"] == SECURITY_LABELS


@pytest.mark.parametrize(
    "labels", [{"tls": 3}, {1: "One"}, {"tls": "  "}, ["tls"]], ids=["int", "key", "blank", "list"]
)
def test_field_rejects_labels_that_are_not_text(labels: Any) -> None:
    with pytest.raises(TypeError, match="choice_labels"):
        field("tls", description="Transport security", choice_labels=labels)


def test_literal_choices_use_the_labels_and_humanize_the_rest() -> None:
    class Input(InputModel):
        security: Literal["none", "starttls", "tls"] = field(
            "tls", description="Transport security", choice_labels={"tls": "TLS (implicit)"}
        )

    assert _choices(Input, "security") == [
        {"name": "None", "value": "none"},
        {"name": "STARTTLS", "value": "starttls"},
        {"name": "TLS (implicit)", "value": "tls"},
    ]


def test_an_optional_dropdown_keeps_its_empty_choice_first() -> None:
    class Input(InputModel):
        security: Literal["starttls", "tls"] | None = field(
            None, description="Transport security", choice_labels={"starttls": "STARTTLS"}
        )

    assert _choices(Input, "security") == [
        {"name": "(not set)", "value": ""},
        {"name": "STARTTLS", "value": "starttls"},
        {"name": "TLS", "value": "tls"},
    ]


class Method(enum.Enum):
    PLAIN = "plain"
    OAUTH = "xoauth2"


def test_enum_choices_use_the_labels() -> None:
    class Input(InputModel):
        method: Method = field(
            Method.PLAIN, description="Login method", choice_labels={"plain": "PLAIN (RFC 4616)"}
        )

    assert _choices(Input, "method") == [
        {"name": "PLAIN (RFC 4616)", "value": "plain"},
        {"name": "OAuth", "value": "xoauth2"},
    ]


class NoAuth(BaseModel):
    type: Literal["none"] = "none"


class TokenAuth(BaseModel):
    type: Literal["token"]
    token: str = field(description="API token", secret=True)


def test_union_selector_choices_use_the_labels() -> None:
    class Input(InputModel):
        auth: Annotated[NoAuth | TokenAuth, Field(discriminator="type")] = field(
            NoAuth(), description="How to log in", choice_labels={"none": "Anonymous"}
        )

    assert _choices(Input, "auth.type") == [
        {"name": "Anonymous", "value": "none"},
        {"name": "Token", "value": "token"},
    ]


def test_a_label_for_an_unknown_value_names_the_field() -> None:
    class Input(InputModel):
        security: Literal["none", "tls"] = field(
            "tls", description="Transport security", choice_labels={"ssl": "SSL"}
        )

    with pytest.raises(TemplateError, match=r"field 'security'.*\['ssl'\].*not choices"):
        camunda_template(_connector(Input))


def test_labels_on_a_field_without_choices_are_rejected() -> None:
    class Input(InputModel):
        host: str = field(description="Server", choice_labels={"a": "A"})

    with pytest.raises(TemplateError, match=r"field 'host'.*choice_labels only apply to dropdown"):
        camunda_template(_connector(Input))


def test_the_shop_example_labels_one_priority() -> None:
    template = camunda_template(shop)
    priority = next(p for p in template["properties"] if p.get("id") == "create_order.priority")
    assert [c["name"] for c in priority["choices"]] == ["Low", "Normal", "High (same day)"]


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("tls", "TLS"),
        ("starttls", "STARTTLS"),
        ("ssl_mode", "SSL mode"),
        ("http", "HTTP"),
        ("https_proxy", "HTTPS proxy"),
        ("base_url", "Base URL"),
        ("api_key", "API key"),
        ("imapHost", "IMAP host"),
        ("pop3", "POP3"),
        ("smtp_server", "SMTP server"),
        ("json_body", "JSON body"),
        ("xml", "XML"),
        ("oauth", "OAuth"),
        ("oauth2_token", "OAuth2 token"),
        ("message_id", "Message ID"),
        ("uid", "UID"),
        ("ca_certificate", "CA certificate"),
        ("pem", "PEM"),
        ("friendly", "Friendly"),
        ("cache_control", "Cache control"),
    ],
)
def test_humanize_spells_well_known_acronyms(name: str, label: str) -> None:
    assert humanize(name) == label


def test_short_and_upper_case_values_stay_as_they_are() -> None:
    class Input(InputModel):
        language: Literal["en", "de"] = Field("en", description="Language")
        method: Literal["GET", "POST"] = Field("GET", description="HTTP method")

    assert [c["name"] for c in _choices(Input, "language")] == ["en", "de"]
    assert [c["name"] for c in _choices(Input, "method")] == ["GET", "POST"]
