"""What the vendor contracts' models share: a problem in pydantic's terms, and the REST
connector's own request validated from a vendor's input with its problems named as the
vendor names the fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from ._models import HttpRequest

__all__ = ["Location", "our_request", "problem"]

Location = tuple[str | int, ...]


def problem(message: str) -> PydanticCustomError:
    """A validation problem whose message is ``message`` as it stands."""
    return PydanticCustomError("invalid", "{message}", {"message": message})


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
        raise ValidationError.from_exception_data(
            title,
            [
                InitErrorDetails(
                    type=problem(error["msg"]), loc=locate(tuple(error["loc"])), input=None
                )
                for error in exc.errors(include_input=False, include_url=False)
            ],
        ) from None
