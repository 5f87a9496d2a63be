"""What the vendor contracts' models share: the REST connector's own request validated from
a vendor's input, with its problems named as the vendor names the fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from tasklink.core import validation_error

from ._models import HttpRequest

__all__ = ["Location", "our_request"]

Location = tuple[str | int, ...]


def our_request(
    ours: Mapping[str, Any],
    context: Any,
    *,
    title: str,
    locate: Callable[[Location], Location],
) -> HttpRequest:
    """Validate ``ours`` as the REST connector's request (with the job's validation
    ``context``: its document store); a problem is raised at the vendor's field
    (``locate``), so an error names what the process designer wrote."""
    try:
        return HttpRequest.model_validate(ours, context=context)
    except ValidationError as exc:
        raise validation_error(
            title,
            [
                (locate(tuple(error["loc"])), error["msg"])
                for error in exc.errors(include_input=False, include_url=False)
            ],
        ) from None
