"""What the actions share: opening the repository for a job, the selectors of the input
mixins, and APA's ``response`` with ``underscoreMetadata``."""

from __future__ import annotations

from typing import Any

from tasklink.core import Context

from .._inputs import ActionInput, NodeInput
from .._metadata import properties_out
from .._nodes import Selector, choose
from .._repository import Repository, connection_of

__all__ = ["node_selector", "open_repository", "response", "target_selector"]


def open_repository(input: ActionInput, ctx: Context, action: str) -> Repository:
    """The repository of the task's connection (or of the connection secret)."""
    return Repository(connection_of(input.connection, ctx), ctx, action)


def node_selector(input: NodeInput) -> Selector:
    """``nodeId``, else ``file``, else ``folder``, else ``path`` (APA's order)."""
    selector = choose(
        [
            ("nodeId", "id", input.node_id),
            ("file", "nodes", input.file),
            ("folder", "nodes", input.folder),
            ("path", "path", input.path),
        ]
    )
    assert selector is not None
    return selector


def target_selector(input: Any, *, required: bool = True) -> Selector | None:
    """``targetFolderId``, else ``targetFolder``, else ``targetFolderPath``."""
    return choose(
        [
            ("targetFolderId", "id", input.target_folder_id),
            ("targetFolder", "nodes", input.target_folder),
            ("targetFolderPath", "path", input.target_folder_path),
        ],
        noun="target folder",
        required=required,
    )


def response(data: Any, *, underscore: bool) -> Any:
    """APA's ``response``: the repository's answer, its nodes' ``properties`` keyed with
    ``_`` when ``underscoreMetadata`` is set."""
    if not underscore:
        return data
    return _underscored(data)


def _underscored(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: properties_out(item, underscore=True)
            if key == "properties"
            else _underscored(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_underscored(item) for item in value]
    return value
