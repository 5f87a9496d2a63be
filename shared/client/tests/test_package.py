"""The package surface: every public name resolves, and importing it stays cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest

import tasklink.client as client
from tasklink.testing import check_package_exports

# What a connector's models import at discovery must not pull in the network stack.
HEAVY = ("httpx", "httpcore", "anyio", "certifi")


def test_the_exports_are_in_step() -> None:
    assert check_package_exports(client) == []


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
