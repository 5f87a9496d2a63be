"""Content metadata as APA writes it: flat objects keyed by prefixed QNames.

APA's Content-Metadata parameters are objects such as ``{"cm:title": "Q3 report"}``.
With ``underscoreMetadata`` a process may write ``cm_title`` instead (``:`` cannot stand
in every variable or expression name), and the metadata the action returns uses ``_``
too; ``:`` is still accepted on input. Without the flag a key without a prefix is an
input error, as in APA (``process-automation/latest/model/connectors/content.md``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from tasklink.core import InputError

__all__ = ["QNAME", "properties_in", "properties_out", "rest_properties", "underscored"]

#: A prefixed QName: ``cm:title``, ``ahr:contract-type``.
QNAME = re.compile(r"^[A-Za-z][\w.-]*:[\w.-]+$")
_UNDERSCORED = re.compile(r"^([A-Za-z][\w.-]*?)_([\w.-]+)$")


def properties_in(
    metadata: Mapping[str, Any] | None, *, underscore: bool, field: str
) -> dict[str, Any]:
    """The ACS ``properties`` for APA metadata: keys as QNames (``cm_title`` becomes
    ``cm:title`` when ``underscore``); an :class:`InputError` naming ``field`` and the key
    for a key that is neither."""
    out: dict[str, Any] = {}
    for key, value in (metadata or {}).items():
        name = key
        if not QNAME.match(key):
            match = _UNDERSCORED.match(key) if underscore else None
            if match is None:
                hint = (
                    "write it as prefix:name or prefix_name"
                    if underscore
                    else "write it as prefix:name (e.g. cm:title), or set underscoreMetadata "
                    "to write prefix_name"
                )
                raise InputError(
                    f"{field}: {key!r} is not a prefixed property name; {hint}", field=field
                )
            name = f"{match.group(1)}:{match.group(2)}"
        out[name] = value
    return out


def underscored(name: str) -> str:
    """``cm:title`` -> ``cm_title``."""
    return name.replace(":", "_", 1)


def properties_out(properties: Any, *, underscore: bool) -> Any:
    """Properties as an action returns them: keys with ``_`` when ``underscore``."""
    if not underscore or not isinstance(properties, Mapping):
        return properties
    return {underscored(str(key)): value for key, value in properties.items()}


def rest_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    """Properties for ``PUT /nodes/{nodeId}``, whose API document types them as strings
    (``NodeBodyUpdate.properties``): ACS converts a string to the property's type, so
    numbers and booleans are sent as their JSON text; lists (multi-valued properties)
    and ``null`` (clear the value) are sent as they are, which ACS accepts too."""
    out: dict[str, Any] = {}
    for key, value in properties.items():
        if isinstance(value, bool | int | float | Mapping):
            out[key] = json.dumps(value)
        else:
            out[key] = value
    return out
