"""The one error a process definition raises before it runs."""

from __future__ import annotations

__all__ = ["ProcessDefinitionError"]


class ProcessDefinitionError(ValueError):
    """The process cannot be run as modelled: unreadable XML, an element the embedded
    engine does not support, an extension it cannot read, a job type no installed
    connector (or mock) serves. The message names the element by id and line."""

    def __init__(self, message: str, *, element_id: str | None = None, line: int | None = None):
        where = ""
        if element_id is not None:
            where = f"element {element_id!r}"
            if line is not None:
                where += f" (line {line})"
            where += ": "
        super().__init__(where + message)
        self.element_id = element_id
        self.line = line
