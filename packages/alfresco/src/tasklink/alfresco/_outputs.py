"""The outputs of the actions: APA's ``response`` (the reply of the repository call that
did the work) and each action's own (``file``, ``folder``, ``metadata``,
``securityMarks``), plus those of the actions beyond APA."""

from __future__ import annotations

from typing import Any

from pydantic import SerializerFunctionWrapHandler, model_serializer

from tasklink.core import CamelOutputModel, Document, field

__all__ = [
    "ActionResult",
    "ContentResult",
    "FileResult",
    "FolderResult",
    "MetadataResult",
    "NodesResult",
    "SecurityMarksResult",
    "SharedLinkResult",
    "VersionResult",
    "VersionsResult",
]


class ActionResult(CamelOutputModel):
    """What every action returns."""

    response: Any = field(
        None, description="The repository's reply to the call that did the work (JSON)"
    )


class FileResult(ActionResult):
    """A file action's result."""

    file: list[dict[str, Any]] = field(
        description="File variable: the file(s) as an array of ACS nodes", activiti_type="file"
    )


class FolderResult(ActionResult):
    """A folder action's result."""

    folder: list[dict[str, Any]] = field(
        description="Folder variable: the folder(s) as an array of ACS nodes",
        activiti_type="folder",
    )


class MetadataResult(ActionResult):
    """SELECT_METADATA's result."""

    metadata: dict[str, Any] = field(
        description="The node's properties by prefixed name (cm:title, or cm_title with "
        "underscoreMetadata)"
    )


class SecurityMarksResult(ActionResult):
    """GET_SECURITY_MARKS's result."""

    security_marks: list[str] = field(description="Names of the node's marks in the security group")


class NodesResult(ActionResult):
    """A page of nodes (SEARCH, LIST_CHILDREN)."""

    nodes: list[dict[str, Any]] = field(description="The nodes of this page (ACS node objects)")
    total_items: int | None = field(
        None, description="How many nodes there are in all, when the repository says"
    )
    has_more_items: bool = field(description="Whether more nodes follow this page")


class ContentResult(ActionResult):
    """DOWNLOAD_CONTENT's result: one of ``document``, ``text`` and ``json``."""

    document: Document | None = field(None, description="The content as a document")
    text: str | None = field(None, description="The content as text (outputFormat text)")
    json_value: Any = field(
        None, alias="json", description="The content parsed as JSON (outputFormat json)"
    )

    @model_serializer(mode="wrap")
    def _only_given(self, handler: SerializerFunctionWrapHandler) -> Any:
        # Only the output that was asked for: a null document or text would overwrite a
        # process variable of that name under "map all outputs".
        data = handler(self)
        return {key: value for key, value in data.items() if key == "response" or value is not None}


class VersionsResult(ActionResult):
    """LIST_VERSIONS's result."""

    versions: list[dict[str, Any]] = field(
        description="The versions, newest first (id, versionComment, modifiedAt...)"
    )


class VersionResult(ActionResult):
    """REVERT_VERSION's result."""

    version: dict[str, Any] = field(description="The version the revert created")


class SharedLinkResult(ActionResult):
    """CREATE_SHARED_LINK's result."""

    shared_link_id: str = field(title="Shared link ID", description="ID of the shared link")
    content_url: str = field(description="URL that downloads the content without logging in")
