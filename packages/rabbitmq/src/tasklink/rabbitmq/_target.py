"""Where a message goes: a broker (host, port, virtual host, credentials, TLS), read from
an ``amqp://`` / ``amqps://`` URL or from separate fields.

URLs follow RabbitMQ's URI specification (https://www.rabbitmq.com/docs/uri-spec): the
user name and password are percent-decoded; without them the broker's defaults
``guest`` / ``guest`` apply; the path is the virtual host, one percent-decoded segment
(``/`` is written ``%2F``), ``/`` when the path is empty; ``heartbeat`` (seconds) and
``connection_timeout`` (milliseconds) are the query parameters read.

Pure Python: discovery imports the models that use it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlsplit

__all__ = ["DEFAULT_PORTS", "QUERY_PARAMETERS", "Target", "parse_url"]

#: The IANA ports of AMQP and AMQPS.
DEFAULT_PORTS = {"amqp": 5672, "amqps": 5671}
#: The URL query parameters read (RabbitMQ's URI specification names more: TLS ones have
#: fields of their own here, and the rest concern no publisher).
QUERY_PARAMETERS = ("heartbeat", "connection_timeout")


@dataclass(frozen=True, slots=True)
class Target:
    """A broker and the credentials to log in with."""

    host: str
    port: int
    virtual_host: str
    username: str
    password: str = field(repr=False)
    tls: bool = False
    #: Seconds between heartbeats the client proposes (None: the library's default).
    heartbeat: int | None = None
    #: Seconds to wait for a connection, from the URL's ``connection_timeout``.
    connect_timeout: float | None = None

    @property
    def display(self) -> str:
        """The broker for messages: scheme, host, port and virtual host, no credentials."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "amqps" if self.tls else "amqp"
        return f"{scheme}://{host}:{self.port}/{quote(self.virtual_host, safe='')}"

    @property
    def identity(self) -> tuple[object, ...]:
        """What tells pooled connections apart: everything but the connect timeout, with
        the password as a digest (a key need not hold the secret itself)."""
        digest = hashlib.sha256(self.password.encode("utf-8")).hexdigest()
        return (
            self.tls,
            self.host.lower(),
            self.port,
            self.virtual_host,
            self.username,
            digest,
            self.heartbeat,
        )


def _number(name: str, text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"the query parameter {name} must be a whole number, not {text!r}")
    return int(text)


def parse_url(url: str, *, strict: bool = True) -> Target:
    """The target of an ``amqp://`` or ``amqps://`` URL; a :class:`ValueError` saying what
    is wrong otherwise (never quoting the URL: it may hold a password). ``strict`` refuses
    query parameters other than :data:`QUERY_PARAMETERS` (else they are ignored)."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        host = parts.hostname
        port = parts.port
    except ValueError:
        # urlsplit's own messages may quote the URL.
        raise ValueError("is not a valid URL: check the host and the port") from None
    if scheme not in DEFAULT_PORTS:
        raise ValueError("must start with amqp:// or amqps://")
    if not host:
        raise ValueError("names no host: amqp://user:password@host:5672/vhost")
    if port == 0:
        raise ValueError("port must be from 1 to 65535")
    path = parts.path
    if path in ("", "/"):
        virtual_host = "/"
    else:
        segment = path[1:]
        if "/" in segment:
            raise ValueError(
                "the path is the virtual host, one segment: write a '/' in its name as %2F"
            )
        virtual_host = unquote(segment)
        if not virtual_host:
            raise ValueError("names an empty virtual host")
    heartbeat: int | None = None
    connect_timeout: float | None = None
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name == "heartbeat":
            heartbeat = _number(name, value)
        elif name == "connection_timeout":
            connect_timeout = _number(name, value) / 1000
        elif strict:
            raise ValueError(
                f"the query parameter {name!r} is not supported (only "
                f"{', '.join(QUERY_PARAMETERS)}); TLS has fields of its own"
            )
    return Target(
        host=host,
        port=port or DEFAULT_PORTS[scheme],
        virtual_host=virtual_host,
        username=unquote(parts.username) if parts.username else "guest",
        password=unquote(parts.password) if parts.password else "guest",
        tls=scheme == "amqps",
        heartbeat=heartbeat,
        connect_timeout=connect_timeout,
    )
