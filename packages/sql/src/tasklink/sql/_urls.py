"""Where a database is: URLs (``postgresql://user@host:5432/db``), JDBC URLs (for the
vendor contracts), and the :class:`Target` the engines are made for.

Nothing here imports SQLAlchemy or a driver: the models validate URLs with it at
discovery's cost. The connector never hands a URL to a driver: it passes host, port,
database, user and password one by one, with the few options listed here, so a URL
cannot switch on what a process must not reach (MySQL's ``local_infile``, an option file,
a Unix socket with the runtime's own identity, PostgreSQL's ``PGPASSWORD``).

SQLite opens files of the machine the runtime runs on, so a process may name only files
in the folders the operator lists in ``TASKLINK_SQL_SQLITE_DIRS`` (paths separated by
``os.pathsep``); ``:memory:`` databases need no setting.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args
from urllib.parse import parse_qsl, unquote, urlsplit

from tasklink.core import ErrorCode, InputError

__all__ = [
    "DEFAULT_PORTS",
    "DIALECTS",
    "DIALECT_NAMES",
    "MEMORY",
    "SQLITE_DIRS_VARIABLE",
    "Dialect",
    "ParsedUrl",
    "Target",
    "TlsMode",
    "UrlError",
    "allowed_sqlite_path",
    "check_host",
    "parse_jdbc_url",
    "parse_url",
]

Dialect = Literal["postgresql", "mysql", "mariadb", "sqlite", "mssql", "oracle"]
DIALECTS: tuple[str, ...] = get_args(Dialect)
TlsMode = Literal["default", "disable", "require", "verify"]

#: How people write each database's URL scheme.
_SCHEMES: Mapping[str, str] = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "pgsql": "postgresql",
    "mysql": "mysql",
    "mariadb": "mariadb",
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
    "mssql": "mssql",
    "sqlserver": "mssql",
    "oracle": "oracle",
}
#: The databases' names, for messages.
DIALECT_NAMES: Mapping[str, str] = {
    "postgresql": "PostgreSQL",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "sqlite": "SQLite",
    "mssql": "SQL Server",
    "oracle": "Oracle",
}
DEFAULT_PORTS: Mapping[str, int] = {
    "postgresql": 5432,
    "mysql": 3306,
    "mariadb": 3306,
    "mssql": 1433,
    "oracle": 1521,
}
#: URL query options passed on, per database, with the values they accept. Anything
#: else is refused: the connection's security settings are the connector's fields.
_OPTIONS: Mapping[str, Mapping[str, re.Pattern[str]]] = {
    "mysql": {"charset": re.compile(r"^[A-Za-z0-9_]{1,32}$")},
    "mariadb": {"charset": re.compile(r"^[A-Za-z0-9_]{1,32}$")},
    "mssql": {
        "driver": re.compile(r"^[A-Za-z0-9 ._+-]{1,100}$"),
        "TrustServerCertificate": re.compile(r"^(?i:yes|no)$"),
        "Encrypt": re.compile(r"^(?i:yes|no|mandatory|optional|strict)$"),
    },
    "oracle": {"service_name": re.compile(r"^[A-Za-z0-9_.$#-]{1,128}$")},
}
MEMORY = ":memory:"
SQLITE_DIRS_VARIABLE = "TASKLINK_SQL_SQLITE_DIRS"
_HOST = re.compile(r"^[A-Za-z0-9._-]{1,253}$|^\[[0-9A-Fa-f:.]+\]$|^[0-9A-Fa-f:]+$")


class UrlError(ValueError):
    """A URL the connector cannot use; the message never repeats the URL (it may hold a
    password)."""


@dataclass(frozen=True)
class ParsedUrl:
    """A database URL taken apart."""

    dialect: Dialect
    host: str | None = None
    port: int | None = None
    database: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    options: tuple[tuple[str, str], ...] = ()


def _dialect(scheme: str) -> Dialect:
    base = scheme.lower().split("+", 1)[0]
    found = _SCHEMES.get(base)
    if found is None:
        raise UrlError(
            "must start with postgresql://, mysql://, mariadb://, sqlite://, mssql:// or oracle://"
        )
    return found  # type: ignore[return-value]


def _options(dialect: str, query: str) -> tuple[tuple[str, str], ...]:
    allowed = _OPTIONS.get(dialect, {})
    options: list[tuple[str, str]] = []
    for name, value in parse_qsl(query, keep_blank_values=True):
        pattern = allowed.get(name)
        if pattern is None:
            if name.lower() in ("password", "pwd"):
                raise UrlError("holds a password option: give the password in its own field")
            listed = ", ".join(allowed) or "none"
            raise UrlError(
                f"option {name!r} is not supported here (supported: {listed}); TLS is set "
                "with the tls field"
            )
        if not pattern.match(value):
            raise UrlError(f"option {name!r} has a value the connector does not accept")
        options.append((name, value))
    return tuple(options)


def _port(text: str | None) -> int | None:
    if text is None or text == "":
        return None
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise UrlError("has a port that is not a number from 1 to 65535")
    return int(text)


def parse_url(url: str) -> ParsedUrl:
    """``postgresql://user:password@host:5432/db``, ``mysql://...``, ``mariadb://...``,
    ``sqlite:///relative.db``, ``sqlite:////absolute.db``, ``sqlite://`` (in memory),
    ``mssql://...?driver=...``, ``oracle://user@host:1521/?service_name=...``."""
    text = url.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        raise UrlError("must be a URL such as postgresql://user@host:5432/database")
    dialect = _dialect(scheme)
    if dialect == "sqlite":
        path, _, query = rest.partition("?")
        if query:
            raise UrlError("SQLite URLs take no options")
        if path in ("", "/", f"/{MEMORY}"):
            return ParsedUrl("sqlite", database=MEMORY)
        if not path.startswith("/"):
            raise UrlError("must be sqlite:///relative/path.db or sqlite:////absolute/path.db")
        return ParsedUrl("sqlite", database=unquote(path[1:]))
    try:
        parts = urlsplit(f"x://{rest}")
        host, port = parts.hostname, parts.port
    except ValueError:
        raise UrlError("has a host or port that is not valid") from None
    if port == 0:
        raise UrlError("has a port that is not a number from 1 to 65535")
    if parts.fragment:
        raise UrlError("must not have a fragment (#...)")
    database = unquote(parts.path.lstrip("/")) or None
    return ParsedUrl(
        dialect,
        host=host or None,
        port=port,
        database=database,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        options=_options(dialect, parts.query),
    )


_JDBC_SUBPROTOCOLS: Mapping[str, Dialect] = {
    "postgresql": "postgresql",
    "mysql": "mysql",
    "mariadb": "mariadb",
    "sqlserver": "mssql",
    "oracle": "oracle",
    "sqlite": "sqlite",
}


def _jdbc_properties(text: str, separator: str) -> dict[str, str]:
    properties: dict[str, str] = {}
    for item in text.split(separator):
        name, eq, value = item.partition("=")
        if eq and name.strip():
            properties[name.strip()] = unquote(value.strip())
    return properties


def parse_jdbc_url(url: str) -> tuple[ParsedUrl, dict[str, str]]:
    """A JDBC URL (``jdbc:postgresql://host:5432/db?user=u``,
    ``jdbc:mysql://user:pw@host/db``, ``jdbc:sqlserver://host:1433;databaseName=db``,
    ``jdbc:oracle:thin:@//host:1521/service``): where it points, and its properties
    (``user``, ``password`` and the driver's own, which the caller reads or ignores)."""
    text = url.strip()
    if not text.lower().startswith("jdbc:"):
        raise UrlError("must be a JDBC URL starting with jdbc:")
    body = text[5:]
    sub = body.split(":", 1)[0].lower()
    dialect = _JDBC_SUBPROTOCOLS.get(sub)
    if dialect is None:
        raise UrlError(
            "must be a JDBC URL of PostgreSQL, MySQL, MariaDB, SQL Server or Oracle "
            "(jdbc:postgresql://..., jdbc:mysql://..., jdbc:mariadb://..., "
            "jdbc:sqlserver://..., jdbc:oracle:thin:@...)"
        )
    if dialect == "sqlite":  # jdbc:sqlite:/path/db.sqlite (xerial's driver)
        path = body.split(":", 1)[1]
        if path in ("", MEMORY):
            return ParsedUrl("sqlite", database=MEMORY), {}
        return ParsedUrl("sqlite", database=path), {}
    if dialect == "oracle":
        return _oracle_jdbc(body)
    if dialect == "mssql":
        rest = body.split(":", 1)[1]
        if not rest.startswith("//"):
            raise UrlError("must be jdbc:sqlserver://host:port;property=value...")
        address, _, props = rest[2:].partition(";")
        properties = _jdbc_properties(props, ";")
        # APA writes its default as host:port/database; Microsoft's driver wants
        # ;databaseName=database.
        address, _, path = address.partition("/")
        host, _, port = address.partition(":")
        host = host.split("\\", 1)[0]  # a named instance: its port must be given
        database = properties.get("databaseName") or properties.get("database") or path
        return ParsedUrl(
            "mssql", host=host or None, port=_port(port or None), database=database or None
        ), properties
    rest = body.split(":", 1)[1]
    if not rest.startswith("//"):
        raise UrlError(f"must be jdbc:{sub}://host:port/database")
    address, _, query = rest[2:].partition("?")
    authority, _, path = address.partition("/")
    # One host: the drivers' fail-over lists (host1,host2) are not served.
    if "," in authority:
        raise UrlError("names several hosts; the connector connects to one")
    user: str | None = None
    password: str | None = None
    if "@" in authority:
        userinfo, _, authority = authority.rpartition("@")
        name, colon, secret = userinfo.partition(":")
        user = unquote(name) or None
        password = unquote(secret) if colon else None
    server, number = authority, None
    if authority.startswith("["):
        server, _, tail = authority[1:].partition("]")
        number = _port(tail.lstrip(":") or None)
    elif ":" in authority:
        server, _, port_text = authority.rpartition(":")
        number = _port(port_text)
    properties = _jdbc_properties(query, "&")
    return ParsedUrl(
        dialect,
        host=server or None,
        port=number,
        database=unquote(path) or None,
        username=user,
        password=password,
    ), properties


def _oracle_jdbc(body: str) -> tuple[ParsedUrl, dict[str, str]]:
    # jdbc:oracle:thin:@//host:port/service  or  jdbc:oracle:thin:@host:port:SID
    _, _, target = body.partition("@")
    target = target.strip()
    if target.startswith("//"):
        address, _, service = target[2:].partition("/")
        host, _, port = address.partition(":")
        return ParsedUrl(
            "oracle",
            host=host or None,
            port=_port(port or None),
            options=(("service_name", service),) if service else (),
        ), {}
    parts = target.split(":")
    if len(parts) == 3:
        return ParsedUrl("oracle", host=parts[0], port=_port(parts[1]), database=parts[2]), {}
    raise UrlError("must be jdbc:oracle:thin:@//host:port/service or @host:port:SID")


@dataclass(frozen=True)
class Target:
    """One database and how to reach it: what an engine (a connection pool) is kept
    for. Equal targets share the pool; the password is part of the key (two jobs with
    different credentials never share connections) but of no message."""

    dialect: Dialect
    host: str | None
    port: int | None
    database: str | None
    username: str | None
    password: str | None = field(default=None, repr=False)
    options: tuple[tuple[str, str], ...] = ()
    tls: TlsMode = "default"
    ca_certificate: str | None = field(default=None, repr=False)
    connect_timeout: float = 10.0

    @property
    def name(self) -> str:
        """The database's product name (``PostgreSQL``)."""
        return DIALECT_NAMES[self.dialect]

    def where(self) -> str:
        """The database as messages show it: its URL without a password."""
        if self.dialect == "sqlite":
            return f"sqlite:///{self.database}" if self.database != MEMORY else "sqlite://"
        user = f"{self.username}@" if self.username else ""
        host = self.host or ""
        host = f"[{host}]" if ":" in host else host
        port = f":{self.port}" if self.port else ""
        return f"{self.dialect}://{user}{host}{port}/{self.database or ''}"


def check_host(host: str | None, dialect: str, field: str) -> str:
    """A host name or address to connect to over TCP (no Unix socket path)."""
    if not host:
        raise InputError(
            f"{field}: required for {DIALECT_NAMES[dialect]}",
            code=ErrorCode.MISSING_INPUT,
            field=field,
        )
    if not _HOST.match(host):
        raise InputError(
            f"{field}: must be a host name or IP address (the connector connects over TCP)",
            field=field,
        )
    return host.strip("[]")


def _sqlite_dirs() -> list[Path]:
    value = os.environ.get(SQLITE_DIRS_VARIABLE, "")
    return [Path(p).expanduser().resolve() for p in value.split(os.pathsep) if p.strip()]


def allowed_sqlite_path(path: str, field: str) -> str:
    """``path`` resolved (symbolic links followed), when it lies in a folder the operator
    allows in ``TASKLINK_SQL_SQLITE_DIRS``; ``:memory:`` as it is."""
    if path == MEMORY:
        return path
    if not path or "\x00" in path or path.startswith("file:"):
        raise InputError(f"{field}: must be the path of a SQLite database file", field=field)
    resolved = Path(path).expanduser().resolve()
    dirs = _sqlite_dirs()
    if not any(resolved == d or resolved.is_relative_to(d) for d in dirs):
        where = "no folder is allowed" if not dirs else "the file is outside them"
        raise InputError(
            f"{field}: the runtime opens SQLite files only in the folders the operator lists "
            f"in {SQLITE_DIRS_VARIABLE} ({where}); use sqlite:// for an in-memory database",
            field=field,
        )
    if resolved.is_dir():
        raise InputError(f"{field}: {resolved} is a folder, not a database file", field=field)
    return str(resolved)
