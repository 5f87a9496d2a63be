"""The package surface: every public name resolves, and importing it stays cheap."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import tasklink.client as client

# What a connector's models import at discovery must not pull in the network stack.
HEAVY = ("httpx", "httpcore", "anyio", "certifi")


def test_every_public_name_resolves() -> None:
    for name in client.__all__:
        getattr(client, name)  # raises for a name that does not resolve
    assert set(client.__all__) <= set(dir(client))


def test_deferred_names_match_the_type_checking_imports() -> None:
    tree = ast.parse(Path(client.__file__).read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    imported = {
        f"_{node.module.lstrip('_')}": tuple(alias.name for alias in node.names)
        for node in block.body
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported == client._DEFERRED
    # A deferred name is public, and not imported eagerly as well.
    deferred = {name for names in client._DEFERRED.values() for name in names}
    assert deferred <= set(client.__all__)
    eager = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert not deferred & eager


def test_importing_the_package_leaves_httpx_unloaded() -> None:
    unloaded = [*HEAVY, *(f"tasklink.client.{module}" for module in client._DEFERRED)]
    code = (
        "import sys\n"
        "from tasklink.client import OAuth2ClientCredentials, TlsConfig, Timeouts\n"
        f"print([m for m in {unloaded!r} if m in sys.modules])\n"
        "from tasklink.client import send\n"
        "print('httpx' in sys.modules, 'tasklink.client._send' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["[]", "True True"]


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        client.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
