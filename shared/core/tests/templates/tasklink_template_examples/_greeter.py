"""A single-operation connector using most field kinds."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Literal

from pydantic import Field, HttpUrl, SecretStr

from tasklink.core import Connector, InputModel, OutputModel, field


class Tone(enum.Enum):
    FRIENDLY = "friendly"
    FORMAL = "formal"


class Sender(InputModel):
    name: str = Field(description="Name shown as the sender", min_length=1)
    email_address: str = field(
        description="Reply address",
        alias="emailAddress",
        pattern=r"^[^@\s]+@[^@\s]+$",
        placeholder="someone@example.org",
    )


class GreetInput(InputModel):
    recipient: str = Field(description="Who is greeted", min_length=2, max_length=80)
    times: int = Field(3, description="How often to repeat the greeting", ge=1)
    ratio: float | None = Field(None, description="Optional weighting of the greeting")
    shout: bool = Field(False, description="Upper-case the greeting")
    tone: Tone = Field(Tone.FRIENDLY, description="Tone of voice")
    language: Literal["en", "de", "fr"] = Field(description="Language of the greeting")
    sender: Sender = Field(description="Who sends the greeting")
    tags: list[str] = Field(default_factory=list, description="Labels attached to the greeting")
    extra: dict[str, Any] | None = Field(None, description="Free JSON passed through")
    api_key: SecretStr = field(description="Key of the greeting service", group="authentication")
    body: str | None = field(None, description="A longer message", multiline=True)
    callback: HttpUrl | None = Field(None, description="URL notified afterwards")
    send_on: dt.date | None = Field(None, description="Day to send the greeting")
    channel: str = field("default", description="Internal routing channel", hidden=True)
    kind: Literal["greeting"] = Field("greeting", description="Fixed message kind")


class GreetOutput(OutputModel):
    text: str = Field(description="The greeting text")
    count: int = Field(description="How many greetings were made")


greeter = Connector(
    id="io.tasklink.examples.greeter",
    name="greeter",
    title="Greeter (example)",
    job_type="tasklink:examples-greeter:1",
    description="Greets someone; an example connector for template tests",
    package=__package__,
    template_version=2,
    documentation_url="https://example.org/docs/greeter",
    keywords=("greeting", "example"),
)


@greeter.operation(name="Greet", description="Make a greeting")
def greet(input: GreetInput) -> GreetOutput:
    text = f"Hello {input.recipient}"
    return GreetOutput(text=text.upper() if input.shout else text, count=input.times)
