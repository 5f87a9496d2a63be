"""APA's ``template`` input: a file rendered with ``metadata`` into the body.

Which language renders it is told by its file name: ``.j2``, ``.jinja`` and ``.jinja2``
files are Jinja2, rendered in this connector's sandbox with its limits (the way to write
conditions and loops); any other file is a FreeMarker template, of which the
interpolations are rendered (core's ``render_freemarker``). The result is the HTML body,
unless the file is plain text (a ``.txt`` name, ``.txt.j2`` for Jinja2, or content type
``text/plain``): then it is the text body. Problems carry APA's codes:
``TEMPLATE_READ_ERROR`` (the file cannot be read or is not UTF-8 text),
``TEMPLATE_SYNTAX_ERROR``, ``TEMPLATE_METADATA_ERROR`` (a value the template uses is
missing from ``metadata``, or is not text).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tasklink.core import ConnectorError, Document, InputError, render_freemarker

SYNTAX = "TEMPLATE_SYNTAX_ERROR"
METADATA = "TEMPLATE_METADATA_ERROR"

__all__ = ["MAX_TEMPLATE_BYTES", "Rendered", "render_template"]

#: The largest template file read.
MAX_TEMPLATE_BYTES = 1024 * 1024
READ = "TEMPLATE_READ_ERROR"
_JINJA = (".j2", ".jinja", ".jinja2")


@dataclass(frozen=True, slots=True)
class Rendered:
    """The body a template rendered, and whether it is HTML."""

    body: str
    html: bool


async def _source(template: Document) -> str:
    data = b""
    try:
        async for chunk in template.chunks():
            data += chunk
            if len(data) > MAX_TEMPLATE_BYTES:
                raise InputError(
                    f"template: the template file is larger than {MAX_TEMPLATE_BYTES} bytes",
                    code=READ,
                    field="template",
                )
    except ConnectorError as exc:
        raise InputError(
            f"template: the template file cannot be read: {exc.message}",
            code=READ,
            field="template",
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            "template: the template file is not UTF-8 text", code=READ, field="template"
        ) from None


def _jinja(source: str, metadata: Mapping[str, Any], html: bool) -> str:
    from .._render import render

    try:
        return render("template", source, metadata, html=html)
    except InputError as exc:
        # The sandbox names what went wrong; APA's codes tell a missing value apart from
        # a broken template.
        code = METADATA if "does not have" in exc.message else SYNTAX
        message = exc.message.replace("templateData", "metadata")
        raise InputError(message, code=code, field="template") from None


async def render_template(template: Document, metadata: Mapping[str, Any]) -> Rendered:
    """Read and render ``template`` with ``metadata``."""
    name = (template.metadata.file_name or "").lower()
    jinja = name.endswith(_JINJA)
    base = name.rsplit(".", 1)[0] if jinja else name
    content_type = (template.metadata.content_type or "").lower()
    # A .j2 file's content type says Jinja2 at best: its name before .j2 tells the kind.
    plain = base.endswith(".txt") or (not jinja and content_type.startswith("text/plain"))
    html = not plain
    source = await _source(template)
    if jinja:
        # Rendering is CPU work of unknown size: keep it off the event loop.
        body = await asyncio.to_thread(_jinja, source, metadata, html)
    else:
        body = render_freemarker(
            source,
            metadata,
            html=html,
            field="template",
            directive_hint="Write the template as Jinja2 (a .j2 file) for conditions and loops",
        )
    return Rendered(body, html)
