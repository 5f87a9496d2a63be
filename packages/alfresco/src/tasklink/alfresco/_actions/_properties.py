"""Metadata: UPDATE_METADATA, ADD_ASPECT, REMOVE_ASPECT, SET_TYPE and UPDATE_TAG.

``PUT /nodes/{nodeId}`` replaces ``aspectNames`` whole, so the aspect actions read the
node's aspects first and send the list with one added or removed.
"""

from __future__ import annotations

from typing import Any

from tasklink.core import Context

from .._inputs import AddAspect, RemoveAspect, SetType, UpdateMetadata, UpdateTag
from .._metadata import properties_in, rest_properties
from .._nodes import fetch, locate
from .._outputs import ActionResult
from ._common import node_selector, open_repository, response

__all__ = ["add_aspect", "remove_aspect", "set_type", "update_metadata", "update_tag"]


async def update_metadata(input: UpdateMetadata, ctx: Context) -> ActionResult:
    """UPDATE_METADATA: ``PUT /nodes/{nodeId}`` with ``properties``."""
    repo = open_repository(input, ctx, "UPDATE_METADATA")
    selector = node_selector(input)
    properties = properties_in(
        input.metadata, underscore=input.underscore_metadata, field="metadata"
    )
    node_id, _ = await locate(repo, selector)
    data = await repo.call(
        "PUT",
        repo.url("core", "nodes", node_id),
        selector.subject(),
        body={"properties": rest_properties(properties)},
    )
    return ActionResult(response=response(data, underscore=input.underscore_metadata))


async def add_aspect(input: AddAspect, ctx: Context) -> ActionResult:
    """ADD_ASPECT: the node's aspects plus ``aspect``, with ``nodeMetadata``."""
    repo = open_repository(input, ctx, "ADD_ASPECT")
    selector = node_selector(input)
    properties = properties_in(
        input.node_metadata, underscore=input.underscore_metadata, field="nodeMetadata"
    )
    node_id, node, _ = await fetch(repo, selector)
    aspects = [str(a) for a in node.get("aspectNames") or []]
    if input.aspect not in aspects:
        aspects.append(input.aspect)
    body: dict[str, Any] = {"aspectNames": aspects}
    if properties:
        body["properties"] = rest_properties(properties)
    data = await repo.call("PUT", repo.url("core", "nodes", node_id), selector.subject(), body=body)
    return ActionResult(response=response(data, underscore=input.underscore_metadata))


async def remove_aspect(input: RemoveAspect, ctx: Context) -> ActionResult:
    """REMOVE_ASPECT: the node's aspects less ``aspect`` (nothing is sent when it has
    none such; ``response`` is then the node as read)."""
    repo = open_repository(input, ctx, "REMOVE_ASPECT")
    selector = node_selector(input)
    node_id, node, data = await fetch(repo, selector)
    aspects = [str(a) for a in node.get("aspectNames") or []]
    if input.aspect in aspects:
        data = await repo.call(
            "PUT",
            repo.url("core", "nodes", node_id),
            selector.subject(),
            body={"aspectNames": [a for a in aspects if a != input.aspect]},
        )
    return ActionResult(response=data)


async def set_type(input: SetType, ctx: Context) -> ActionResult:
    """SET_TYPE: ``PUT /nodes/{nodeId}`` with ``nodeType`` and ``nodeMetadata``."""
    repo = open_repository(input, ctx, "SET_TYPE")
    selector = node_selector(input)
    properties = properties_in(
        input.node_metadata, underscore=input.underscore_metadata, field="nodeMetadata"
    )
    node_id, _ = await locate(repo, selector)
    body: dict[str, Any] = {"nodeType": input.node_type}
    if properties:
        body["properties"] = rest_properties(properties)
    data = await repo.call("PUT", repo.url("core", "nodes", node_id), selector.subject(), body=body)
    return ActionResult(response=response(data, underscore=input.underscore_metadata))


async def update_tag(input: UpdateTag, ctx: Context) -> ActionResult:
    """UPDATE_TAG: ``POST /nodes/{nodeId}/tags`` for each tag (added; tags already there
    stay). ``response`` lists the tag entries the repository answered."""
    repo = open_repository(input, ctx, "UPDATE_TAG")
    selector = node_selector(input)
    node_id, _ = await locate(repo, selector)
    url = repo.url("core", "nodes", node_id, "tags")
    answers = []
    for tag in dict.fromkeys(input.tags):  # once each, in the order given
        answers.append(await repo.call("POST", url, selector.subject(), body={"tag": tag}))
    return ActionResult(response=answers)
