"""Test support of tasklink-alfresco: a stateful fake Alfresco Content Services repository
(:class:`FakeRepository`) that checks every exchange against the vendor's OpenAPI documents.

Start it with the ``acs`` fixture (``tests/conftest.py``), or directly::

    with FakeRepository(kit / "specs/alfresco") as acs:
        httpx.get(f"{acs.core_url}/nodes/-root-", auth=(acs.username, acs.password))
"""

from __future__ import annotations

from .acs_model import AcsError, Lock, Node, Permission, SecurityGroup, User, Version
from .acs_store import Blob
from .fake_acs import FakeRepository, Fault, RecordedRequest

__all__ = [
    "AcsError",
    "Blob",
    "FakeRepository",
    "Fault",
    "Lock",
    "Node",
    "Permission",
    "RecordedRequest",
    "SecurityGroup",
    "User",
    "Version",
]
