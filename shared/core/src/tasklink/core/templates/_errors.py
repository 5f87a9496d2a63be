"""The error raised when a connector cannot be expressed as a template."""

from __future__ import annotations

__all__ = ["TemplateError"]


class TemplateError(ValueError):
    """A connector's declaration cannot be turned into a template.

    The message names the connector, the operation and the field, and says what to change;
    the parts are also kept as attributes for tools.
    """

    def __init__(
        self,
        message: str,
        *,
        connector: str,
        operation: str | None = None,
        field: str | None = None,
    ) -> None:
        where = f"connector {connector!r}"
        if operation is not None:
            where += f", operation {operation!r}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")
        self.connector = connector
        self.operation = operation
        self.field = field
