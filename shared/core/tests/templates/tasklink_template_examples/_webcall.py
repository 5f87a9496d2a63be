"""Discriminated unions (authentication) in a multi-operation connector."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from tasklink.core import Connector, InputModel, field


class NoAuth(BaseModel):
    model_config = {"title": "None"}
    type: Literal["none"] = "none"


class BasicAuth(BaseModel):
    type: Literal["basic"]
    username: str = field(description="User name", group="authentication")
    password: str = field(description="Password", secret=True, group="authentication")


class BearerAuth(BaseModel):
    model_config = {"title": "Bearer token"}
    type: Literal["bearer"]
    token: str = field(description="Bearer token", secret=True, group="authentication")


Auth = Annotated[NoAuth | BasicAuth | BearerAuth, Field(discriminator="type")]


class Call(InputModel):
    method: Literal["GET", "POST", "PUT", "DELETE"] = Field("GET", description="HTTP method")
    url: str = Field(description="Address to call")
    authentication: Auth = field(
        NoAuth(), description="How to authenticate", group="authentication"
    )
    headers: dict[str, str] | None = Field(None, description="Extra request headers")
    body: Any = Field(None, description="JSON body to send")
    timeout: float = Field(20.0, description="Seconds to wait for the answer")


class Ping(InputModel):
    url: str = Field(description="Address to ping")
    authentication: Auth | None = field(
        None, description="How to authenticate", group="authentication"
    )


webcall = Connector(
    id="io.tasklink.examples.webcall",
    name="webcall",
    title="Web call (example)",
    job_type="tasklink:examples-webcall:1",
    description="Calls a web address; an example with authentication choices",
    package=__package__,
)


@webcall.operation(name="Call", description="Send one request")
def call(input: Call) -> dict[str, Any]:
    return {"url": input.url}


@webcall.operation(name="Ping", description="Check the address answers")
def ping(input: Ping) -> dict[str, Any]:
    return {"url": input.url}
