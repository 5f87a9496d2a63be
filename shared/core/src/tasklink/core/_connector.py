"""Declaring a connector and its operations.

A connector module imports only pydantic and this core, so discovery stays cheap; client
libraries are imported inside the operation functions, on first use::

    connector = Connector(
        id="io.tasklink.http", name="http", title="REST", job_type="tasklink:http:1",
        description="Call a REST API", package=__package__,
    )

    @connector.operation(name="Send request", description="Send one HTTP request")
    async def request(input: HttpRequest, ctx: Context) -> HttpResponse: ...
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, get_type_hints

from pydantic import BaseModel

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = ["Connector", "Operation", "OperationFunction"]

OperationFunction = Callable[..., Any]

_OPERATION_ID = re.compile(r"^[a-z][a-z0-9_]*$")
#: Connector names are Activiti connector names (also used in destinations and the CLI).
CONNECTOR_NAME_PATTERN = r"^[a-z]([-a-z0-9]{0,24}[a-z0-9])?$"
_CONNECTOR_NAME = re.compile(CONNECTOR_NAME_PATTERN)
_JOB_TYPE = re.compile(r"^[A-Za-z0-9_.:\-]+:\d+$")


class DeclarationError(ValueError):
    """A connector or operation is declared wrongly (a programming error, not user input)."""


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of a connector: a function with a typed input and output."""

    connector: Connector
    id: str
    name: str
    description: str
    function: OperationFunction
    input_model: type[BaseModel]
    output_model: type[BaseModel] | None
    is_async: bool
    takes_context: bool
    timeout: float | None = None

    @property
    def action(self) -> str:
        """The Activiti action name: the id in upper snake case (``send_mail -> SEND_MAIL``)."""
        return self.id.upper()

    @property
    def qualified_name(self) -> str:
        return f"{self.connector.name}.{self.action}"


class Connector:
    """A connector: stable identity, template metadata and its operations."""

    def __init__(
        self,
        *,
        id: str,
        name: str,
        title: str,
        job_type: str,
        description: str,
        package: str | None,
        template_version: int = 1,
        icon: str | None = "icon.svg",
        documentation_url: str | None = None,
        category: str = "Connectors",
        keywords: tuple[str, ...] = (),
        timeout: float | None = None,
        group_labels: Mapping[str, str] | None = None,
    ) -> None:
        if not _CONNECTOR_NAME.match(name):
            raise DeclarationError(
                f"connector {id!r}: name {name!r} must match {_CONNECTOR_NAME.pattern}"
            )
        if not _JOB_TYPE.match(job_type):
            raise DeclarationError(
                f"connector {id!r}: job type {job_type!r} must end with a major version, "
                "e.g. 'tasklink:http:1'"
            )
        if not package:
            raise DeclarationError(f"connector {id!r}: package is required (pass __package__)")
        if template_version < 1:
            raise DeclarationError(f"connector {id!r}: template_version must be >= 1")
        self.id = id
        self.name = name
        self.title = title
        self.job_type = job_type
        self.description = description
        self.package = package
        self.template_version = template_version
        self.icon = icon
        self.documentation_url = documentation_url
        self.category = category
        self.keywords = keywords
        self.timeout = timeout
        # Template group labels by group id; groups without one are labelled from the id.
        self.group_labels: dict[str, str] = dict(group_labels or {})
        self._operations: dict[str, Operation] = {}
        self._shutdown_hooks: list[Callable[[], Awaitable[None]]] = []

    def __repr__(self) -> str:
        return f"Connector(id={self.id!r}, job_type={self.job_type!r})"

    @property
    def operations(self) -> Mapping[str, Operation]:
        """Operations by id, in declaration order."""
        return self._operations

    def operation(
        self,
        id: str | None = None,
        *,
        name: str,
        description: str,
        timeout: float | None = None,
    ) -> Callable[[OperationFunction], OperationFunction]:
        """Register a function as an operation; input and output come from its type hints."""

        def register(function: OperationFunction) -> OperationFunction:
            op_id = id or function.__name__
            where = f"connector {self.id!r}, operation {op_id!r}"
            if not _OPERATION_ID.match(op_id):
                raise DeclarationError(f"{where}: id must match {_OPERATION_ID.pattern}")
            if op_id in self._operations:
                raise DeclarationError(f"{where}: declared twice")
            if not name or not description:
                raise DeclarationError(f"{where}: name and description are required")
            try:
                hints = get_type_hints(function)
            except NameError as exc:
                raise DeclarationError(
                    f"{where}: cannot resolve its type hints ({exc}); declare the models at "
                    "module level"
                ) from None
            params = list(inspect.signature(function).parameters)
            if not params or len(params) > 2:
                raise DeclarationError(f"{where}: takes (input) or (input, context)")
            input_model = hints.get(params[0])
            if not (isinstance(input_model, type) and issubclass(input_model, BaseModel)):
                raise DeclarationError(
                    f"{where}: the first parameter must be annotated with a pydantic model"
                )
            returned = hints.get("return")
            output_model = (
                returned if isinstance(returned, type) and issubclass(returned, BaseModel) else None
            )
            self._operations[op_id] = Operation(
                connector=self,
                id=op_id,
                name=name,
                description=description,
                function=function,
                input_model=input_model,
                output_model=output_model,
                is_async=inspect.iscoroutinefunction(function),
                takes_context=len(params) == 2,
                timeout=timeout if timeout is not None else self.timeout,
            )
            return function

        return register

    def on_shutdown(self, hook: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """Register an async function the runtime awaits when it shuts down, after the last
        job finished (to close pooled clients, say). Import client libraries inside it."""
        self._shutdown_hooks.append(hook)
        return hook

    async def aclose(self) -> None:
        """Run the shutdown hooks in registration order; every hook runs even if one fails
        (the first failure is raised afterwards)."""
        failure: BaseException | None = None
        for hook in self._shutdown_hooks:
            try:
                await hook()
            except Exception as exc:
                failure = failure or exc
        if failure is not None:
            raise failure

    def get_operation(self, operation: str | None = None) -> Operation:
        """Find an operation by id or Activiti action name; ``None`` for a single-operation
        connector. Raises :class:`KeyError` with the known ids otherwise."""
        if operation is None:
            if len(self._operations) == 1:
                return next(iter(self._operations.values()))
            raise KeyError(
                f"connector {self.name!r} has several operations; choose one of "
                f"{sorted(self._operations)}"
            )
        found = self._operations.get(operation) or self._operations.get(operation.lower())
        if found is None:
            raise KeyError(
                f"connector {self.name!r} has no operation {operation!r}; "
                f"known: {sorted(self._operations)}"
            )
        return found

    def resource(self, *parts: str) -> Traversable:
        """A file bundled in the connector's package (icon, templates)."""
        from importlib import resources  # deferred: only template tooling needs it

        node: Traversable = resources.files(self.package)
        for part in parts:
            node = node / part
        return node

    def template_files(self) -> list[Traversable]:
        """The template JSON files bundled under ``<package>/templates``."""
        folder = self.resource("templates")
        if not folder.is_dir():
            return []
        found: list[Traversable] = []
        stack = [folder]
        while stack:
            current = stack.pop()
            for entry in current.iterdir():
                if entry.is_dir():
                    stack.append(entry)
                elif entry.name.endswith(".json"):
                    found.append(entry)
        return sorted(found, key=str)
