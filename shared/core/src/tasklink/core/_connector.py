"""Declaring a connector and its operations.

A connector module imports only pydantic and this core, so discovery stays cheap. An
operation is a decorated function, or a lazy target: the ``"module:function"`` of its
implementation, imported when the operation first runs, so client libraries load then::

    connector = Connector(
        id="io.tasklink.http", name="http", title="REST", job_type="tasklink:http:1",
        description="Call a REST API", package=__package__,
    )

    @connector.operation(name="Send request", description="Send one HTTP request")
    async def request(input: HttpRequest, ctx: Context) -> HttpResponse: ...

    connector.operation(
        "download", name="Download", description="Download a file",
        target="._download:download", input_model=Download, output_model=Downloaded,
    )
"""

from __future__ import annotations

import inspect
import re
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any, Literal, NoReturn, get_type_hints, overload

from pydantic import BaseModel

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = [
    "CONNECTOR_NAME_PATTERN",
    "Connector",
    "Operation",
    "OperationFunction",
    "VendorContract",
    "VendorEngine",
]

OperationFunction = Callable[..., Any]
#: The engine whose vendor connectors a contract stands in for.
VendorEngine = Literal["camunda", "activiti"]

_OPERATION_ID = re.compile(r"^[a-z][a-z0-9_]*$")
#: Connector names are Activiti connector names (also used in destinations and the CLI).
CONNECTOR_NAME_PATTERN = r"^[a-z]([-a-z0-9]{0,24}[a-z0-9])?$"
_CONNECTOR_NAME = re.compile(CONNECTOR_NAME_PATTERN)
_JOB_TYPE = re.compile(r"^[A-Za-z0-9_.:\-]+:\d+$")
# "module:function"; the module may be relative to the connector's package ("._send:send").
_TARGET = re.compile(r"^(\.*[A-Za-z_]\w*(\.[A-Za-z_]\w*)*|\.+):[A-Za-z_]\w*$")
# Guards loading lazy targets. One lock serves every target: each loads once per process.
# Re-entrant, so a target module that loads an operation while it is imported cannot
# deadlock its own thread.
_LOADING = threading.RLock()


class DeclarationError(ValueError):
    """A connector or operation is declared wrongly (a programming error, not user input)."""


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of a connector: a function with a typed input and output.

    ``target`` is the ``"module:function"`` of a lazy operation (``None`` for a decorated
    function). Its ``function``, ``is_async`` and ``takes_context`` are known once the
    target is imported: on their first read, or :meth:`load`.
    """

    connector: Connector
    id: str
    name: str
    description: str
    input_model: type[BaseModel]
    output_model: type[BaseModel] | None
    timeout: float | None = None
    target: str | None = None
    # Set once, by _bind: for a lazy target they stay unset until it is loaded.
    function: OperationFunction = field(init=False, repr=False, compare=False)
    is_async: bool = field(init=False, repr=False, compare=False)
    takes_context: bool = field(init=False, repr=False, compare=False)

    @property
    def action(self) -> str:
        """The Activiti action name: the id in upper snake case (``send_mail -> SEND_MAIL``)."""
        return self.id.upper()

    @property
    def qualified_name(self) -> str:
        return f"{self.connector.name}.{self.action}"

    def load(self) -> None:
        """Import and check a lazy target now; nothing to do for a decorated function or a
        target loaded before. Raises :class:`DeclarationError` naming the connector, the
        operation and the target when the target is broken."""
        function = self.function  # the first read of a lazy target loads it
        if isinstance(function, _BrokenTarget):
            raise DeclarationError(function.message) from function.cause


class _LazyOperation(Operation):
    """An operation whose target is not loaded yet.

    Reading an unset slot (``function``, ``is_async``, ``takes_context``) falls back to
    ``__getattr__``, which loads the target, fills the slots and turns the object into a
    plain :class:`Operation`. From then on those reads are plain slot reads: a
    ``__getattr__`` left on the class would cost every read on the job path (~25 ns, as
    Python no longer specialises attribute access on such classes).
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name not in ("function", "is_async", "takes_context"):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        with _LOADING:
            if type(self) is _LazyOperation:  # not loaded by another thread meanwhile
                _load_target(self)
                object.__setattr__(self, "__class__", Operation)
        return object.__getattribute__(self, name)


class _BrokenTarget:
    """Stands in for a lazy target that cannot be used: each call raises the problem.

    Jobs of the operation fail with it (as a connector bug does), and reading
    ``operation.function`` (an engine adapter naming it in a stack trace) never raises.
    """

    def __init__(self, message: str, cause: BaseException | None) -> None:
        self.message = message
        self.cause = cause

    def __call__(self, *args: Any) -> NoReturn:
        raise DeclarationError(self.message) from self.cause


def _bind(operation: Operation, function: OperationFunction, takes_context: bool) -> None:
    # The dataclass is frozen: these slots are filled once, before anyone reads them.
    object.__setattr__(operation, "function", function)
    object.__setattr__(operation, "is_async", inspect.iscoroutinefunction(function))
    object.__setattr__(operation, "takes_context", takes_context)


def _parameters(function: OperationFunction, where: str) -> list[str]:
    """The parameter names of an operation function: ``(input)`` or ``(input, context)``."""
    params = list(inspect.signature(function).parameters)
    if not params or len(params) > 2:
        raise DeclarationError(f"{where}: takes (input) or (input, context)")
    return params


def _load_target(operation: Operation) -> None:
    """Import the target of a lazy operation and check it against the declaration; a
    broken one is bound as a :class:`_BrokenTarget`."""
    where = (
        f"connector {operation.connector.id!r}, operation {operation.id!r}: "
        f"target {operation.target!r}"
    )
    module_name, _, attribute = str(operation.target).partition(":")
    try:
        module = import_module(module_name, operation.connector.package)
    except Exception as exc:  # whatever the module raises while it is imported
        problem = f"{where}: cannot import {module_name!r} ({type(exc).__name__}: {exc})"
        _bind(operation, _BrokenTarget(problem, exc), takes_context=False)
        return
    function = getattr(module, attribute, None)
    try:
        if function is None:
            raise DeclarationError(f"{where}: module {module.__name__!r} has no {attribute!r}")
        if not callable(function):
            raise DeclarationError(f"{where}: {type(function).__name__} is not callable")
        params = _parameters(function, where)
        _check_models(operation, function, params[0], where)
    except (DeclarationError, TypeError, ValueError) as exc:  # signature() raises the others
        message = str(exc) if isinstance(exc, DeclarationError) else f"{where}: {exc}"
        _bind(operation, _BrokenTarget(message, None), takes_context=False)
        return
    _bind(operation, function, takes_context=len(params) == 2)


def _check_models(
    operation: Operation, function: OperationFunction, first: str, where: str
) -> None:
    """The annotations of ``function``, where it has them, must fit the declared models."""
    try:
        hints = get_type_hints(function)
    except Exception:  # names imported for type checking only: nothing to compare
        return
    takes = hints.get(first)
    if isinstance(takes, type) and not issubclass(operation.input_model, takes):
        raise DeclarationError(
            f"{where}: takes {takes.__name__}, not the declared input model "
            f"{operation.input_model.__name__}"
        )
    returns = hints.get("return")
    if isinstance(returns, type) and issubclass(returns, BaseModel):
        declared = operation.output_model
        if declared is None or not issubclass(returns, declared):
            raise DeclarationError(
                f"{where}: returns {returns.__name__}, but the declared output model is "
                f"{declared.__name__ if declared else None}"
            )


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
        errors: Mapping[str, str] | None = None,
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
        # The codes of the errors its operations raise, with what each means (the codes a
        # process can catch; core's own codes are declared for every connector).
        self.errors: dict[str, str] = dict(errors or {})
        self._operations: dict[str, Operation] = {}
        self._shutdown_hooks: list[Callable[[], Awaitable[None]]] = []
        self._contracts: list[VendorContract] = []
        #: Whether jobs also resolve Camunda's legacy ``secrets.NAME`` placeholders.
        self.legacy_secrets = False

    def __repr__(self) -> str:
        return f"Connector(id={self.id!r}, job_type={self.job_type!r})"

    @property
    def operations(self) -> Mapping[str, Operation]:
        """Operations by id, in declaration order."""
        return self._operations

    @property
    def contracts(self) -> tuple[VendorContract, ...]:
        """The vendors' contracts this connector also serves, in declaration order."""
        return tuple(self._contracts)

    def vendor_contract(
        self,
        *,
        engine: VendorEngine,
        title: str,
        description: str,
        name: str,
        job_type: str | None = None,
        documentation_url: str | None = None,
        errors: Mapping[str, str] | None = None,
    ) -> VendorContract:
        """Declare a vendor connector's contract that this connector also serves, so that
        processes modelled with the vendor's own connector run unchanged.

        On Camunda (``engine="camunda"``) the contract answers the vendor's ``job_type``;
        ``name`` is how tasklink names it (CLI, metrics). On Activiti it answers the
        vendor's connector ``name`` with its action names. Declare its operations as for
        any connector, with the vendor's input models and lazy targets that adapt to this
        connector's implementation; the vendor's own templates are used, none are
        generated. The runtime serves a contract only when the operator turns it on.
        """
        contract = VendorContract(
            engine=engine,
            serves=self,
            name=name,
            title=title,
            description=description,
            job_type=job_type,
            documentation_url=documentation_url,
            errors=errors,
        )
        self._contracts.append(contract)
        return contract

    @overload
    def operation(
        self,
        id: str | None = None,
        *,
        name: str,
        description: str,
        timeout: float | None = None,
    ) -> Callable[[OperationFunction], OperationFunction]: ...

    @overload
    def operation(
        self,
        id: str,
        *,
        name: str,
        description: str,
        timeout: float | None = None,
        target: str,
        input_model: type[BaseModel],
        output_model: type[BaseModel] | None = None,
    ) -> Operation: ...

    def operation(
        self,
        id: str | None = None,
        *,
        name: str,
        description: str,
        timeout: float | None = None,
        target: str | None = None,
        input_model: type[BaseModel] | None = None,
        output_model: type[BaseModel] | None = None,
    ) -> Callable[[OperationFunction], OperationFunction] | Operation:
        """Declare an operation.

        As a decorator, the function is the operation; input and output come from its type
        hints, the id from its name unless given. With ``target="module:function"`` (the
        module may be relative to the connector's package) the operation is declared at once
        with the models given; the target is imported and checked when the operation first
        runs (or on :meth:`Operation.load`), so a connector module need not import client
        libraries. The id is then required: it names the operation in templates and
        processes, and the implementation stays free to move.
        """
        if target is None:
            if input_model is not None or output_model is not None:
                raise DeclarationError(
                    f"connector {self.id!r}, operation {id!r}: input_model and output_model "
                    "go with target; a decorated function's come from its type hints"
                )
            return self._decorator(id, name, description, timeout)
        where = f"connector {self.id!r}, operation {id!r}"
        if id is None:
            raise DeclarationError(f"{where}: an operation with a target needs an id")
        if not _TARGET.match(target):
            raise DeclarationError(f"{where}: target {target!r} must be 'module:function'")
        if not (isinstance(input_model, type) and issubclass(input_model, BaseModel)):
            raise DeclarationError(f"{where}: input_model must be a pydantic model")
        if output_model is not None and not (
            isinstance(output_model, type) and issubclass(output_model, BaseModel)
        ):
            raise DeclarationError(f"{where}: output_model must be a pydantic model or None")
        operation = _LazyOperation(
            connector=self,
            id=id,
            name=name,
            description=description,
            input_model=input_model,
            output_model=output_model,
            timeout=timeout if timeout is not None else self.timeout,
            target=target,
        )
        self._register(operation)
        return operation

    def _decorator(
        self, id: str | None, name: str, description: str, timeout: float | None
    ) -> Callable[[OperationFunction], OperationFunction]:
        def register(function: OperationFunction) -> OperationFunction:
            op_id = id or function.__name__
            where = f"connector {self.id!r}, operation {op_id!r}"
            try:
                hints = get_type_hints(function)
            except NameError as exc:
                raise DeclarationError(
                    f"{where}: cannot resolve its type hints ({exc}); declare the models at "
                    "module level"
                ) from None
            params = _parameters(function, where)
            input_model = hints.get(params[0])
            if not (isinstance(input_model, type) and issubclass(input_model, BaseModel)):
                raise DeclarationError(
                    f"{where}: the first parameter must be annotated with a pydantic model"
                )
            returned = hints.get("return")
            output_model = (
                returned if isinstance(returned, type) and issubclass(returned, BaseModel) else None
            )
            operation = Operation(
                connector=self,
                id=op_id,
                name=name,
                description=description,
                input_model=input_model,
                output_model=output_model,
                timeout=timeout if timeout is not None else self.timeout,
            )
            _bind(operation, function, takes_context=len(params) == 2)
            self._register(operation)
            return function

        return register

    def _register(self, operation: Operation) -> None:
        where = f"connector {self.id!r}, operation {operation.id!r}"
        if not _OPERATION_ID.match(operation.id):
            raise DeclarationError(f"{where}: id must match {_OPERATION_ID.pattern}")
        if operation.id in self._operations:
            raise DeclarationError(f"{where}: declared twice")
        if not operation.name or not operation.description:
            raise DeclarationError(f"{where}: name and description are required")
        self._operations[operation.id] = operation

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


class VendorContract(Connector):
    """A vendor connector's contract served by a connector of ours (``serves``): the
    vendor's job type (Camunda) or connector and action names (Activiti), input names
    and shapes, results and errors. Declared with :meth:`Connector.vendor_contract`."""

    def __init__(
        self,
        *,
        engine: VendorEngine,
        serves: Connector,
        name: str,
        title: str,
        description: str,
        job_type: str | None = None,
        documentation_url: str | None = None,
        errors: Mapping[str, str] | None = None,
    ) -> None:
        if engine not in ("camunda", "activiti"):
            raise DeclarationError(
                f"connector {serves.id!r}: a vendor contract's engine is camunda or "
                f"activiti, not {engine!r}"
            )
        if engine == "camunda" and not job_type:
            raise DeclarationError(
                f"connector {serves.id!r}: contract {name!r} needs the vendor's job type"
            )
        super().__init__(
            id=f"{serves.id}.{engine}.{name}",
            name=name,
            title=title,
            # An Activiti contract is addressed by its name; the job type only names it.
            job_type=job_type if engine == "camunda" and job_type else f"{engine}:{name}:1",
            description=description,
            package=serves.package,
            icon=None,
            documentation_url=documentation_url,
            timeout=serves.timeout,
            errors=errors,
        )
        self.engine: VendorEngine = engine
        self.serves = serves
        # Camunda's connector runtime still replaces ``secrets.NAME`` in every input.
        self.legacy_secrets = engine == "camunda"
        # Its operations run on the served connector's clients: closing them is its hooks'.
        self._shutdown_hooks = serves._shutdown_hooks

    def __repr__(self) -> str:
        return f"VendorContract(engine={self.engine!r}, id={self.id!r}, job_type={self.job_type!r})"

    @property
    def key(self) -> str:
        """What processes call it by: the job type on Camunda, the connector name on
        Activiti."""
        return self.job_type if self.engine == "camunda" else self.name

    def renamed(self, name: str) -> VendorContract:
        """The same contract under another Activiti connector name: APA projects name
        their connector instances (``rest`` in one, ``billing-api`` in another)."""
        copy = VendorContract(
            engine=self.engine,
            serves=self.serves,
            name=name,
            title=self.title,
            description=self.description,
            job_type=self.job_type if self.engine == "camunda" else None,
            documentation_url=self.documentation_url,
            errors=self.errors,
        )
        for operation in self.operations.values():
            copy._register(_copy_operation(operation, copy))
        return copy


def _copy_operation(operation: Operation, connector: Connector) -> Operation:
    """``operation`` declared again for ``connector``: the same target or function."""
    if operation.target is not None and type(operation) is _LazyOperation:
        return _LazyOperation(
            connector=connector,
            id=operation.id,
            name=operation.name,
            description=operation.description,
            input_model=operation.input_model,
            output_model=operation.output_model,
            timeout=operation.timeout,
            target=operation.target,
        )
    copy = Operation(
        connector=connector,
        id=operation.id,
        name=operation.name,
        description=operation.description,
        input_model=operation.input_model,
        output_model=operation.output_model,
        timeout=operation.timeout,
        target=operation.target,
    )
    _bind(copy, operation.function, operation.takes_context)
    return copy
