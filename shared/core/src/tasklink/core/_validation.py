"""Problems a connector's models raise while validating: a message of their own, at a
location, carried by pydantic to the input error core builds (which names the field)."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

__all__ = ["Location", "validation_error", "validation_problem"]

Location = tuple[str | int, ...]


def validation_problem(message: str) -> PydanticCustomError:
    """A problem whose message is ``message`` as it stands (raise it from a validator)."""
    # The message goes through the context so braces in it are never read as placeholders.
    return PydanticCustomError("invalid", "{message}", {"message": message})


def validation_error(
    title: str, problems: Iterable[tuple[Location, str]], value: object = None
) -> ValidationError:
    """One error for several located problems (raise it from a model validator);
    ``title`` is the model's name."""
    return ValidationError.from_exception_data(
        title,
        [
            InitErrorDetails(type=validation_problem(message), loc=loc, input=value)
            for loc, message in problems
        ],
    )
