"""Activiti / APA variable mappings: what a connector task receives and what its result sets.

The Alfresco Process Automation modeling app saves, beside each BPMN file, a
``<process>-extensions.json``: the process variables with their initial values
(``properties``), how each service task's connector inputs and outputs map to process variables
(``mappings``) and per-task ``constants``. :func:`load_extensions` validates that document up
front; :meth:`TaskMapping.inputs` and :meth:`TaskMapping.outputs` then compute, around each
connector call, the variables sent and the process variables to set. Pure functions over
JSON-like values (dict, list, str, int, float, bool, None); nothing is imported from tasklink.

The semantics follow Activiti (github.com/Activiti/Activiti, ``activiti-core``):
``org.activiti.runtime.api.impl.ExtensionsVariablesMappingProvider`` (input and output mapping,
constants, JSON patch outputs), its ``ExpressionResolver`` (a string that is one ``${...}``
becomes the expression's value, otherwise each ``${...}`` is replaced by its text) and
``org.activiti.spring.process.model.Extension`` (``mappingType``). A task without a mapping
entry gets every variable both ways, as Activiti 7.1 did (later releases pass constants only).
Where this module decides differently from Activiti (an unresolvable ``${...}`` is an error
here; Activiti logs it and keeps the text), the code says so.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MappingError", "ProcessExtensions", "TaskMapping", "load_extensions"]


class MappingError(ValueError):
    """A malformed extensions document, or a mapping that cannot be applied.

    The message starts with where the problem is, as a dotted path into the document:
    ``extensions.mappings.Task_1.inputs.url: unknown mapping type 'varable' (...)``.
    """


class _InnerError(Exception):
    """A problem found below the level that knows its location; wrapped into MappingError."""


# Activiti's ProcessVariablesMapping.MappingType, as Extension.shouldMapAllInputs/Outputs read it.
_ALL_INPUTS = frozenset({"MAP_ALL", "MAP_ALL_INPUTS"})
_ALL_OUTPUTS = frozenset({"MAP_ALL", "MAP_ALL_OUTPUTS"})
# Mapping.SourceMappingType; the modeling app writes these in lower case.
_SOURCE_TYPES = ("variable", "value", "jsonpatch")
# The members of a per-process extensions object. Any of them directly under "extensions" marks
# the older single-process form, which has no process id level.
_PROCESS_KEYS = frozenset({"properties", "mappings", "constants", "templates", "assignments"})
# RFC 6902 operations and the members each needs besides "op" and "path".
_PATCH_OPERATIONS: dict[str, tuple[str, ...]] = {
    "add": ("value",),
    "remove": (),
    "replace": ("value",),
    "move": ("from",),
    "copy": ("from",),
    "test": ("value",),
}

# ExpressionResolver.EXPRESSION_PATTERN_STRING: "${" up to the first "}".
_EXPRESSION = re.compile(r"\$\{([^}]*)\}")
_NAME = r"[A-Za-z_$][\w$]*"
_ROOT = re.compile(rf"\s*({_NAME})")
_STEP = re.compile(
    rf"""\s*(?:\.\s*({_NAME})|\[\s*(\d+)\s*\]|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\])"""
)
# RFC 6901: "~" is only ever the start of "~0" or "~1"; array indexes have no leading zeros.
_BAD_ESCAPE = re.compile(r"~(?![01])")
_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")
_WHOLE_NUMBER = re.compile(r"\s*[+-]?[0-9]+\s*")


@dataclass(frozen=True)
class _Rule:
    """One entry of a task's ``inputs`` or ``outputs``: target ``name`` <- ``kind``/``value``."""

    name: str
    kind: str  # "variable", "value" or "jsonpatch"
    value: Any
    where: str

    def resolve(self, scopes: Sequence[Mapping[str, Any]]) -> Any:
        """The literal ``value`` with its ``${...}`` resolved, the first scope first."""
        try:
            return _resolve(self.value, scopes)
        except _InnerError as problem:
            raise MappingError(f"{self.where}: {problem}") from None


# --- the public API ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskMapping:
    """One service task's variable mapping; ``TaskMapping(element_id)`` is the no-entry default.

    Both methods return new values: changing what they return changes neither the arguments
    nor the document.
    """

    element_id: str = ""
    _entry: bool = False
    _all_inputs: bool = False
    _all_outputs: bool = False
    _inputs: tuple[_Rule, ...] = ()
    _outputs: tuple[_Rule, ...] = ()
    _constants: tuple[tuple[str, Any], ...] = field(default=(), repr=False)

    def inputs(self, variables: Mapping[str, Any]) -> dict[str, Any]:
        """The variables to send to the connector, given the process ``variables``.

        Raises :class:`MappingError` when a ``${...}`` cannot be resolved.
        """
        constants = dict(self._constants)
        if not self._entry:
            # No entry: the constants only, as Activiti since 7.1 and APA's "Don't map
            # variables" (a process run without an extensions file sends every variable).
            return copy.deepcopy(constants)
        if self._all_inputs:
            # Activiti starts from the constants and puts every variable over them.
            return copy.deepcopy({**constants, **variables})
        mapped: dict[str, Any] = {}
        for rule in self._inputs:
            if rule.kind == "variable":
                # Optional.ofNullable in Activiti: an unset or null variable leaves the input out.
                if variables.get(rule.value) is not None:
                    mapped[rule.name] = variables[rule.value]
            else:
                mapped[rule.name] = rule.resolve((variables,))
        return copy.deepcopy({**mapped, **constants})

    def outputs(self, outbound: Mapping[str, Any], variables: Mapping[str, Any]) -> dict[str, Any]:
        """The process variables to set, given the connector's ``outbound`` variables.

        ``variables`` are the current process variables: ``${...}`` falls back to them after
        ``outbound``, and a ``jsonpatch`` mapping patches their current value. Raises
        :class:`MappingError` when an expression cannot be resolved or a patch does not apply.
        """
        if not self._entry:
            return {}  # no entry: nothing comes back, as Activiti since 7.1
        if self._all_outputs:
            return copy.deepcopy(dict(outbound))
        result: dict[str, Any] = {}
        for rule in self._outputs:
            if rule.kind == "variable":
                # As for inputs: an absent (or null) connector output sets nothing.
                if outbound.get(rule.value) is not None:
                    result[rule.name] = outbound[rule.value]
            elif rule.kind == "value":
                result[rule.name] = rule.resolve((outbound, variables))
            else:
                result[rule.name] = _patched(rule, outbound, variables)
        return copy.deepcopy(result)


@dataclass(frozen=True)
class ProcessExtensions:
    """One process's validated extensions: its initial variables and its tasks' mappings.

    ``variables`` holds the initial value of each declared variable that has one, typed by
    its declared type; copy it before changing it.
    """

    variables: dict[str, Any] = field(default_factory=dict)
    _tasks: dict[str, TaskMapping] = field(default_factory=dict, repr=False)

    def mapping(self, element_id: str) -> TaskMapping:
        """The mapping of the task ``element_id``; the no-entry default when the file has none."""
        task = self._tasks.get(element_id)
        return task if task is not None else TaskMapping(element_id)


def load_extensions(data: Any, process_id: str) -> ProcessExtensions:
    """Validate a parsed extensions document and return the extensions of ``process_id``.

    Accepts ``{"extensions": {"<processId>": {...}}}`` and the older single-process form
    ``{"extensions": {"properties": ..., "mappings": ..., "constants": ...}}``. The whole
    process entry is checked here, so a broken file is refused before a process starts.
    Raises :class:`MappingError` naming the first malformed place.
    """
    process = _process_entry(data, process_id)
    variables = _initial_variables(_optional_object(process, "properties", "extensions"))
    mappings = _optional_object(process, "mappings", "extensions")
    constants = _optional_object(process, "constants", "extensions")
    tasks = {
        element_id: _task_mapping(element_id, mappings.get(element_id), constants.get(element_id))
        for element_id in dict.fromkeys([*mappings, *constants])
    }
    return ProcessExtensions(variables=variables, _tasks=tasks)


# --- reading the document ---------------------------------------------------------------------


def _process_entry(data: Any, process_id: str) -> dict[str, Any]:
    """The per-process object of ``process_id``, from either file form."""
    document = _object(data, "extensions file")
    if "extensions" not in document:
        raise MappingError('extensions file: no "extensions" member')
    extensions = document["extensions"]
    if isinstance(extensions, list):
        raise MappingError(
            "extensions: a list of process entries is not supported; "
            'write {"<processId>": {"properties": ..., "mappings": ..., "constants": ...}}'
        )
    extensions = _object(extensions, "extensions")
    if not extensions or not _PROCESS_KEYS.isdisjoint(extensions):
        return extensions
    if process_id not in extensions:
        found = ", ".join(sorted(extensions))
        raise MappingError(
            f"extensions: no entry for process {process_id!r} (the file has {found})"
        )
    return _object(extensions[process_id], f"extensions.{process_id}")


def _task_mapping(element_id: str, entry: Any, constants: Any) -> TaskMapping:
    """One task's mapping entry (None: no entry) and constants, validated."""
    where = f"extensions.mappings.{element_id}"
    pairs = _constants(constants, f"extensions.constants.{element_id}")
    # Activiti's Extension.hasMapping is `mappings.get(taskId) != null`: null is no entry.
    if entry is None:
        return TaskMapping(element_id, _constants=pairs)
    entry = _object(entry, where)
    mapping_type = _mapping_type(entry.get("mappingType"), f"{where}.mappingType")
    return TaskMapping(
        element_id,
        _entry=True,
        _all_inputs=mapping_type in _ALL_INPUTS,
        _all_outputs=mapping_type in _ALL_OUTPUTS,
        _inputs=_rules(entry.get("inputs"), f"{where}.inputs", outputs=False),
        _outputs=_rules(entry.get("outputs"), f"{where}.outputs", outputs=True),
        _constants=pairs,
    )


def _mapping_type(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value.upper() in _ALL_INPUTS | _ALL_OUTPUTS:
        return value.upper()
    raise MappingError(
        f"{where}: unknown mappingType {value!r} "
        "(expected MAP_ALL, MAP_ALL_INPUTS or MAP_ALL_OUTPUTS)"
    )


def _rules(value: Any, where: str, *, outputs: bool) -> tuple[_Rule, ...]:
    # An absent (or null) inputs/outputs is the same as an empty one: Activiti's model
    # defaults both to an empty map.
    if value is None:
        return ()
    entries = _object(value, where)
    return tuple(
        _rule(name, spec, f"{where}.{name}", outputs=outputs) for name, spec in entries.items()
    )


def _rule(name: str, spec: Any, where: str, *, outputs: bool) -> _Rule:
    spec = _object(spec, where)
    if "type" not in spec:
        raise MappingError(f"{where}: no 'type' (expected variable, value or jsonpatch)")
    kind = spec["type"].lower() if isinstance(spec["type"], str) else ""
    if kind not in _SOURCE_TYPES:
        raise MappingError(
            f"{where}: unknown mapping type {spec['type']!r} "
            "(expected variable, value or jsonpatch)"
        )
    if "value" not in spec:
        raise MappingError(f"{where}: no 'value'")
    value = spec["value"]
    if kind == "variable" and (not isinstance(value, str) or not value):
        raise MappingError(
            f"{where}.value: a variable mapping names a variable, got {_kind(value)}"
        )
    if kind == "value":
        _check_template(value, where)
    if kind == "jsonpatch":
        if not outputs:
            # Activiti applies JSON patches only in calculateOutPutVariables.
            raise MappingError(f"{where}: jsonpatch mappings apply to outputs only")
        _check_patch(value, f"{where}.value")
    return _Rule(name, kind, value, where)


def _constants(value: Any, where: str) -> tuple[tuple[str, Any], ...]:
    if value is None:
        return ()
    pairs = []
    for name, spec in _object(value, where).items():
        constant = _object(spec, f"{where}.{name}")
        if "value" not in constant:
            raise MappingError(f"{where}.{name}: no 'value'")
        pairs.append((name, constant["value"]))
    return tuple(pairs)


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MappingError(f"{where}: expected an object, got {_kind(value)}")
    return value


def _optional_object(container: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = container.get(key)
    return {} if value is None else _object(value, f"{where}.{key}")


def _kind(value: Any) -> str:
    """How a message names a JSON value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return f"the string {value!r}" if len(value) <= 40 else "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


# --- initial variables ------------------------------------------------------------------------


def _initial_variables(properties: dict[str, Any]) -> dict[str, Any]:
    """``{name: value}`` of each declared variable with a value, typed by its declared type."""
    variables: dict[str, Any] = {}
    declared_at: dict[str, str] = {}
    for key, spec in properties.items():
        where = f"extensions.properties.{key}"
        definition = _object(spec, where)
        name = definition.get("name")
        if not isinstance(name, str) or not name:
            raise MappingError(f"{where}.name: expected the variable's name, got {_kind(name)}")
        if name in declared_at:
            raise MappingError(
                f"{where}.name: variable {name!r} is also declared at {declared_at[name]}"
            )
        declared_at[name] = where
        kind = definition.get("type", "string")
        if not isinstance(kind, str):
            raise MappingError(f"{where}.type: expected a type name, got {_kind(kind)}")
        value = definition.get("value")
        # A blank value of a non-string type is what the modeler leaves when a field is cleared.
        if value is None or (
            kind.lower() != "string" and isinstance(value, str) and not value.strip()
        ):
            continue
        variables[name] = _typed(value, kind.lower(), f"{where}.value")
    return variables


def _typed(value: Any, kind: str, where: str) -> Any:
    """A property's value as its declared type; unknown types keep the value as written."""
    if kind == "integer":
        return _integer(value, where)
    if kind == "boolean":
        return _boolean(value, where)
    if kind == "array":
        return _array(value, where)
    if kind in ("json", "file", "folder") and isinstance(value, str):
        return _parsed_json(value, kind, where)
    return value  # string, date (YYYY-MM-DD), datetime: as given, like any type we do not know


def _integer(value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        return int(value)
    raise MappingError(f"{where}: an integer variable needs a whole number, got {_kind(value)}")


def _boolean(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise MappingError(f"{where}: a boolean variable needs true or false, got {_kind(value)}")


def _array(value: Any, where: str) -> list[Any]:
    if isinstance(value, list):
        return value
    if not isinstance(value, str):
        raise MappingError(f"{where}: an array variable needs an array, got {_kind(value)}")
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if isinstance(parsed, list):
        return parsed
    # The modeler's array editor takes "mint, strawberry" for ["mint", "strawberry"].
    return [item.strip() for item in value.split(",")]


def _parsed_json(value: str, kind: str, where: str) -> Any:
    try:
        return json.loads(value)
    except ValueError as error:
        raise MappingError(
            f"{where}: a {kind} variable's value is not valid JSON ({error})"
        ) from None


# --- ${...} expressions -----------------------------------------------------------------------


def _parse_expression(text: str) -> tuple[str, tuple[str | int, ...]]:
    """Split ``order.items[0]['id']`` into its variable name and its steps.

    Only a variable name followed by ``.member``, ``[index]``, ``['key']`` or ``["key"]``
    steps is understood; JUEL's operators and method calls are refused rather than guessed.
    """
    root = _ROOT.match(text)
    if root is None:
        raise _unsupported(text)
    steps: list[str | int] = []
    position = root.end()
    while text[position:].strip():
        step = _STEP.match(text, position)
        if step is None:
            raise _unsupported(text)
        member, index, single, double = step.groups()
        steps.append(int(index) if index is not None else member or single or double or "")
        position = step.end()
    return root.group(1), tuple(steps)


def _unsupported(text: str) -> _InnerError:
    return _InnerError(
        f"unsupported expression '${{{text}}}': only a variable name followed by "
        ".member, [index] or ['key'] steps is supported"
    )


def _evaluate(text: str, scopes: Sequence[Mapping[str, Any]]) -> Any:
    """The value of the expression ``text``, its variable looked up in each scope in turn."""
    name, steps = _parse_expression(text)
    try:
        value = _lookup(name, scopes)
        trail = name
        for step in steps:
            value = _step_into(value, step, trail)
            trail += f"[{step}]" if isinstance(step, int) else f".{step}"
    except _InnerError as problem:
        # Activiti logs a warning and keeps the "${...}" text; a connector receiving that text
        # would fail later and less clearly, so this is an error here.
        raise _InnerError(f"cannot resolve '${{{text}}}': {problem}") from None
    return value


def _lookup(name: str, scopes: Sequence[Mapping[str, Any]]) -> Any:
    for scope in scopes:
        if name in scope:
            return scope[name]
    raise _InnerError(f"variable {name!r} is not set")


def _step_into(value: Any, step: str | int, trail: str) -> Any:
    if isinstance(value, dict):
        if str(step) not in value:
            raise _InnerError(f"{trail} has no member {str(step)!r}")
        return value[str(step)]
    if isinstance(value, list):
        if isinstance(step, str) and not (step.isascii() and step.isdigit()):
            raise _InnerError(f"{trail} is an array; {step!r} is not an index")
        if int(step) >= len(value):
            raise _InnerError(f"{trail} has no index {step} (length {len(value)})")
        return value[int(step)]
    raise _InnerError(f"{trail} is {_kind(value)}, it has no member {step!r}")


def _resolve(value: Any, scopes: Sequence[Mapping[str, Any]]) -> Any:
    """A JSON literal with every ``${...}`` in its strings resolved (object keys are kept)."""
    if isinstance(value, str):
        return _resolve_string(value, scopes)
    if isinstance(value, dict):
        return {key: _resolve(item, scopes) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve(item, scopes) for item in value]
    return value


def _resolve_string(text: str, scopes: Sequence[Mapping[str, Any]]) -> Any:
    whole = _EXPRESSION.fullmatch(text)
    if whole is not None:
        # One expression and nothing else: its value, of any type. Copied, so a later patch
        # operation cannot change the variable it came from.
        return copy.deepcopy(_evaluate(whole.group(1), scopes))
    return _EXPRESSION.sub(lambda match: _as_text(_evaluate(match.group(1), scopes)), text)


def _as_text(value: Any) -> str:
    """An interpolated value: strings as they are, anything else spelled as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value (not object keys)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _check_template(value: Any, where: str) -> None:
    """Refuse, at load time, any ``${...}`` that would not parse when the task runs."""
    for text in _strings(value):
        for match in _EXPRESSION.finditer(text):
            try:
                _parse_expression(match.group(1))
            except _InnerError as problem:
                raise MappingError(f"{where}: {problem}") from None


# --- JSON patch outputs (RFC 6902 over RFC 6901 pointers) ------------------------------------
# Written here rather than imported: the module stays standard-library only and
# tasklink-engine declares no JSON patch dependency.


def _check_patch(value: Any, where: str) -> None:
    if not isinstance(value, list):
        raise MappingError(f"{where}: expected a list of JSON patch operations, got {_kind(value)}")
    for index, operation in enumerate(value):
        _check_operation(operation, f"{where}[{index}]")


def _check_operation(value: Any, where: str) -> None:
    operation = _object(value, where)
    name = operation.get("op")
    if not isinstance(name, str) or name not in _PATCH_OPERATIONS:
        raise MappingError(
            f"{where}.op: unknown operation {name!r} "
            "(expected add, remove, replace, move, copy or test)"
        )
    for member in ("path", *_PATCH_OPERATIONS[name]):
        if member not in operation:
            raise MappingError(f"{where}: a {name} operation needs {member!r}")
    for member in ("path", "from"):
        if member in operation:
            _check_pointer(operation[member], f"{where}.{member}")
    if "value" in operation:
        _check_template(operation["value"], f"{where}.value")


def _check_pointer(value: Any, where: str) -> None:
    if not isinstance(value, str):
        raise MappingError(f"{where}: expected a JSON pointer, got {_kind(value)}")
    _check_template(value, where)
    try:
        # A "${...}" becomes one reference token when the task runs; any text stands in here.
        _tokens(_EXPRESSION.sub("x", value))
    except _InnerError as problem:
        raise MappingError(f"{where}: {problem}") from None


def _patched(rule: _Rule, outbound: Mapping[str, Any], variables: Mapping[str, Any]) -> Any:
    """The process variable ``rule.name`` with the rule's patch applied to a copy of it."""
    current = variables.get(rule.name)
    if current is not None and not isinstance(current, dict | list):
        raise MappingError(
            f"{rule.where}: process variable {rule.name!r} is {_kind(current)}; "
            "a JSON patch applies to an object or an array"
        )
    # Activiti patches an empty object when the variable has no value yet.
    document = {} if current is None else copy.deepcopy(current)
    for index, operation in enumerate(rule.value):
        try:
            document = _apply(document, _prepared(operation, outbound, variables))
        except _InnerError as problem:
            raise MappingError(f"{rule.where}.value[{index}]: {problem}") from None
    return document


def _prepared(
    operation: dict[str, Any], outbound: Mapping[str, Any], variables: Mapping[str, Any]
) -> dict[str, Any]:
    """The operation with its ``${...}`` resolved.

    ``value`` against the connector's result, then the process variables (Activiti's
    CompositeVariableExpressionEvaluator); ``path`` and ``from`` against the process
    variables (Activiti's resolvePath), each value becoming one escaped reference token.
    """
    prepared = dict(operation)
    if "value" in prepared:
        prepared["value"] = _resolve(prepared["value"], (outbound, variables))
    for member in ("path", "from"):
        if member in prepared:
            prepared[member] = _EXPRESSION.sub(
                lambda match: _pointer_token(match.group(1), variables), prepared[member]
            )
    return prepared


def _pointer_token(text: str, variables: Mapping[str, Any]) -> str:
    """The value of ``${text}`` as one escaped reference token of a JSON pointer."""
    value = _evaluate(text, (variables,))
    # Activiti allows only string and integer variables in a patch path.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _InnerError(
            f"'${{{text}}}' in a JSON pointer must be a string or an integer, got {_kind(value)}"
        )
    return str(value).replace("~", "~0").replace("/", "~1")


def _apply(document: Any, operation: dict[str, Any]) -> Any:
    """``document`` after one operation (changed in place where it can be)."""
    name, path = operation["op"], operation["path"]
    if name == "add":
        return _add(document, path, operation["value"])
    if name == "remove":
        _remove(document, path)
        return document
    if name == "replace":
        return _replace(document, path, operation["value"])
    if name == "move":
        return _move(document, operation["from"], path)
    if name == "copy":
        return _add(document, path, copy.deepcopy(_get(document, operation["from"])))
    _test(document, path, operation["value"])
    return document


def _tokens(pointer: str) -> list[str]:
    """The unescaped reference tokens of an RFC 6901 pointer ("" is the whole document)."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise _InnerError(f"bad JSON pointer {pointer!r}: it must be empty or start with '/'")
    tokens = pointer[1:].split("/")
    if any(_BAD_ESCAPE.search(token) for token in tokens):
        raise _InnerError(f"bad JSON pointer {pointer!r}: '~' must be followed by 0 or 1")
    return [token.replace("~1", "/").replace("~0", "~") for token in tokens]


def _child(node: Any, token: str, pointer: str) -> Any:
    if isinstance(node, dict):
        if token not in node:
            raise _InnerError(f"{pointer!r}: no member {token!r}")
        return node[token]
    if isinstance(node, list):
        return node[_index(node, token, pointer)]
    raise _InnerError(f"{pointer!r}: {_kind(node)} has no member {token!r}")


def _index(array: list[Any], part: str, pointer: str, *, end: bool = False) -> int:
    """The index a reference token names; with ``end`` (where to add), "-" and len(array) too."""
    if end and part == "-":
        return len(array)
    if not _ARRAY_INDEX.fullmatch(part):
        raise _InnerError(f"{pointer!r}: {part!r} is not an array index")
    if int(part) >= len(array) + (1 if end else 0):
        raise _InnerError(f"{pointer!r}: index {part} is out of range (array length {len(array)})")
    return int(part)


def _parent(document: Any, tokens: list[str], pointer: str, *, create: bool = False) -> Any:
    node = document
    for token in tokens[:-1]:
        if create and isinstance(node, dict) and token not in node:
            # Activiti's initializePath creates missing objects on the way, so that an output
            # patch can build structure in a variable that starts as {}.
            node[token] = {}
        node = _child(node, token, pointer)
    return node


def _get(document: Any, pointer: str) -> Any:
    node = document
    for token in _tokens(pointer):
        node = _child(node, token, pointer)
    return node


def _add(document: Any, pointer: str, value: Any) -> Any:
    tokens = _tokens(pointer)
    if not tokens:
        return value
    parent, last = _parent(document, tokens, pointer, create=True), tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, pointer, end=True), value)
    else:
        raise _InnerError(f"{pointer!r}: cannot add a member to {_kind(parent)}")
    return document


def _remove(document: Any, pointer: str) -> Any:
    """Remove what ``pointer`` names and return it."""
    tokens = _tokens(pointer)
    if not tokens:
        raise _InnerError("cannot remove the whole document")
    parent, last = _parent(document, tokens, pointer), tokens[-1]
    if isinstance(parent, list):
        return parent.pop(_index(parent, last, pointer))
    _child(parent, last, pointer)  # raises when it is not there
    return parent.pop(last)


def _replace(document: Any, pointer: str, value: Any) -> Any:
    tokens = _tokens(pointer)
    if not tokens:
        return value
    parent, last = _parent(document, tokens, pointer), tokens[-1]
    _child(parent, last, pointer)  # replace needs an existing target
    parent[_index(parent, last, pointer) if isinstance(parent, list) else last] = value
    return document


def _move(document: Any, source: str, target: str) -> Any:
    if target == source:
        _get(document, source)
        return document
    if target.startswith(f"{source}/"):
        raise _InnerError(f"cannot move {source!r} into its own child {target!r}")
    return _add(document, target, _remove(document, source))


def _test(document: Any, pointer: str, expected: Any) -> None:
    actual = _get(document, pointer)
    if not _json_equal(actual, expected):
        raise _InnerError(
            f"test failed at {pointer!r}: found {_short(actual)}, expected {_short(expected)}"
        )


def _json_equal(left: Any, right: Any) -> bool:
    """RFC 6902 equality: like ``==`` except that true is not 1 and false is not 0."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(
            _json_equal(item, right[key]) for key, item in left.items()
        )
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_json_equal, left, right))
    return type(left) is type(right) and bool(left == right)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return text if len(text) <= 80 else f"{text[:77]}..."
