"""The inputs of Alfresco Process Automation's e-mail connector, action ``SEND``.

APA documents them (``process-automation/latest/model/connectors/email.md``): ``to`` and
``from`` (required), ``cc``, ``bcc`` (addresses, comma-separated), ``subject``, ``html``,
``text``, ``attachments`` (a file variable), ``charset``, ``template`` (a file) and
``metadata`` (JSON: the template's data). The connection is not an input: APA configures
it per connector instance (:mod:`._settings`).

File inputs take documents: one reference or a list of them (a file variable may hold
several files). JSON inputs may arrive as JSON text (an Activiti ``json`` variable mapped
from a string): they are parsed.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ConfigDict

from tasklink.core import CamelInputModel, Document, field

from .._addresses import normalize_address
from .._models import AddressList, AttachmentDocument, HeaderText

__all__ = ["ApaSendEmail"]


def _json(value: Any) -> Any:
    """JSON text as the value it holds; blank text as nothing."""
    if isinstance(value, str):
        if not value.strip():
            return None
        if value.lstrip()[:1] in ("{", "["):
            try:
                return json.loads(value)
            except ValueError:
                return value  # left for the field's own error
    return value


def _files(value: Any) -> Any:
    """A file variable: one document, or a list of them."""
    value = _json(value)
    return [value] if isinstance(value, Mapping | str) else value


def _one_file(value: Any) -> Any:
    value = _json(value)
    if isinstance(value, list):
        if len(value) != 1:
            raise ValueError("must be one template file")
        return value[0]
    return value


def _charset(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        codecs.lookup(value.strip())
    except LookupError:
        raise ValueError(f"{value!r} is not a known character set such as UTF-8") from None
    return value.strip()  # as given: the name goes into the Content-Type header


def _none_is_empty(value: Any) -> Any:
    return "" if value is None else value


def _blank_is_empty(value: Any) -> Any:
    return [] if value is None or (isinstance(value, str) and not value.strip()) else value


Recipients = Annotated[AddressList, BeforeValidator(_blank_is_empty)]


class ApaSendEmail(CamelInputModel):
    """The inputs of APA's ``SEND``."""

    # APA hands an action every mapped variable; what it does not read is ignored.
    model_config = ConfigDict(extra="ignore")

    to: AddressList = field(description="Recipients, comma-separated")
    sender: Annotated[str, AfterValidator(normalize_address)] = field(
        alias="from", description="Sender address"
    )
    cc: Recipients = field(default_factory=list, description="Carbon-copy recipients")
    bcc: Recipients = field(default_factory=list, description="Blind-copy recipients")
    subject: Annotated[HeaderText, BeforeValidator(_none_is_empty)] = field(
        "", description="Subject line"
    )
    html: str | None = field(None, description="HTML body")
    text: str | None = field(None, description="Plain text body (the alternative to html)")
    attachments: Annotated[list[AttachmentDocument] | None, BeforeValidator(_files)] = field(
        None, description="Files to attach: documents"
    )
    charset: Annotated[str | None, AfterValidator(_charset)] = field(
        None, description="Character set of the bodies, e.g. UTF-8 (the default)"
    )
    template: Annotated[Document | None, BeforeValidator(_one_file)] = field(
        None,
        description="A template file rendered with metadata into the body: FreeMarker "
        "values (${a.b}), or Jinja2 for a .j2 file",
    )
    metadata: Annotated[dict[str, Any] | None, BeforeValidator(_json)] = field(
        None, description="The values the template uses"
    )
