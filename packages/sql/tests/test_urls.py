"""Database URLs and JDBC URLs taken apart (what the connection fields and the vendor
contracts accept)."""

from __future__ import annotations

import pytest

from tasklink.sql import UrlConnection
from tasklink.sql._urls import MEMORY, ParsedUrl, Target, UrlError, parse_jdbc_url, parse_url


@pytest.mark.parametrize(
    ("url", "parsed"),
    [
        (
            "postgresql://app@db.example.com:5433/orders",
            ParsedUrl("postgresql", "db.example.com", 5433, "orders", "app"),
        ),
        (
            "postgres://app:p%40ss@db/orders",
            ParsedUrl("postgresql", "db", None, "orders", "app", "p@ss"),
        ),
        ("postgresql+asyncpg://a@[::1]:5432/x", ParsedUrl("postgresql", "::1", 5432, "x", "a")),
        (
            "mysql://root@127.0.0.1/test?charset=utf8",
            ParsedUrl("mysql", "127.0.0.1", None, "test", "root", options=(("charset", "utf8"),)),
        ),
        ("mariadb://u@h:3307/", ParsedUrl("mariadb", "h", 3307, None, "u")),
        ("sqlite:///relative/shop.db", ParsedUrl("sqlite", database="relative/shop.db")),
        ("sqlite:////var/data/shop.db", ParsedUrl("sqlite", database="/var/data/shop.db")),
        ("sqlite://", ParsedUrl("sqlite", database=MEMORY)),
        ("sqlite:///:memory:", ParsedUrl("sqlite", database=MEMORY)),
        (
            "mssql://sa@sql:1433/db?driver=ODBC+Driver+18+for+SQL+Server",
            ParsedUrl(
                "mssql",
                "sql",
                1433,
                "db",
                "sa",
                options=(("driver", "ODBC Driver 18 for SQL Server"),),
            ),
        ),
        (
            "oracle://scott@ora:1521/?service_name=XEPDB1",
            ParsedUrl("oracle", "ora", 1521, None, "scott", options=(("service_name", "XEPDB1"),)),
        ),
    ],
)
def test_urls(url: str, parsed: ParsedUrl) -> None:
    assert parse_url(url) == parsed


@pytest.mark.parametrize(
    "url",
    [
        "db.example.com/orders",
        "http://h/x",
        "postgresql://h:0/x",
        "postgresql://h:x/y",
        "sqlite:relative.db",
    ],
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(UrlError):
        parse_url(url)


@pytest.mark.parametrize(
    ("url", "parsed", "properties"),
    [
        (
            "jdbc:postgresql://db:5432/orders?user=app&password=secret&sslmode=require",
            ParsedUrl("postgresql", "db", 5432, "orders"),
            {"user": "app", "password": "secret", "sslmode": "require"},
        ),
        (
            "jdbc:mysql://root:mypass@myhost1:3306/db_name",
            ParsedUrl("mysql", "myhost1", 3306, "db_name", "root", "mypass"),
            {},
        ),
        (
            "jdbc:mariadb://h/d?useSSL=false",
            ParsedUrl("mariadb", "h", None, "d"),
            {"useSSL": "false"},
        ),
        (
            "jdbc:sqlserver://sql:1433;databaseName=shop;encrypt=true",
            ParsedUrl("mssql", "sql", 1433, "shop"),
            {"databaseName": "shop", "encrypt": "true"},
        ),
        # APA's documented default for SQL Server.
        ("jdbc:sqlserver://sql:1433/shop", ParsedUrl("mssql", "sql", 1433, "shop"), {}),
        (
            "jdbc:oracle:thin:@//ora:1521/XEPDB1",
            ParsedUrl("oracle", "ora", 1521, options=(("service_name", "XEPDB1"),)),
            {},
        ),
        ("jdbc:oracle:thin:@ora:1521:XE", ParsedUrl("oracle", "ora", 1521, "XE"), {}),
        ("jdbc:postgresql://[::1]:5432/x", ParsedUrl("postgresql", "::1", 5432, "x"), {}),
    ],
)
def test_jdbc_urls(url: str, parsed: ParsedUrl, properties: dict[str, str]) -> None:
    assert parse_jdbc_url(url) == (parsed, properties)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://h/x",
        "jdbc:db2://h/x",
        "jdbc:mysql://h1,h2/x",
        "jdbc:sqlserver:h",
        "jdbc:oracle:thin:@x",
    ],
)
def test_bad_jdbc_urls(url: str) -> None:
    with pytest.raises(UrlError):
        parse_jdbc_url(url)


def test_a_url_password_moves_to_the_password_field() -> None:
    connection = UrlConnection.model_validate(
        {"type": "url", "url": "postgresql://app:s%3Acret@db:5432/x"}
    )
    assert connection.url == "postgresql://app@db:5432/x"
    assert connection.password == "s:cret"


def test_targets_show_no_password() -> None:
    target = Target("postgresql", "::1", 5432, "x", "app", "secret")
    assert target.where() == "postgresql://app@[::1]:5432/x"
    assert "secret" not in repr(target)
    assert Target("sqlite", None, None, MEMORY, None).where() == "sqlite://"
