"""tasklink-core: the thin core every tasklink connector and runtime shares.

Declare a connector with :class:`Connector`, give each operation pydantic input and output
models, and the core supplies secrets, validation, errors, result mapping and discovery.
"""

from typing import TYPE_CHECKING, Any

from .__about__ import __version__

# What a connector module needs is imported at once. What only runtimes and tools use (job
# execution, engine mappings, discovery) is imported on first access (PEP 562), so that
# loading a connector, for discovery say, stays cheap.
from ._connector import Connector, DeclarationError, Operation
from ._context import CancellationToken, Context, JobInfo
from ._errors import (
    BpmnError,
    ConnectorError,
    ErrorCode,
    InputError,
    RetryError,
    TasklinkError,
    status_code_name,
)
from ._fields import field, field_options, secret_values
from ._files import safe_file_name
from ._models import InputModel, OutputModel, bind_input, format_validation_error, input_names
from ._redaction import MASK, TOKEN_TTL, RedactingFilter, Redactor
from ._secrets import (
    DEFAULT_SECRET_PREFIX,
    DotenvSecretProvider,
    EnvironmentSecretProvider,
    MappingSecretProvider,
    SecretChain,
    SecretProvider,
    SecretResolver,
    load_plugin_secret_providers,
)

if TYPE_CHECKING:
    from ._activiti_mapping import (
        MappingType,
        SourceType,
        TaskMapping,
        VariableMapping,
        decode_typed_value,
        decode_variables,
        map_inputs,
        map_outputs,
    )
    from ._camunda_mapping import (
        BpmnErrorDecision,
        ExpressionCache,
        JobErrorDecision,
        evaluate_error_expression,
        map_result,
    )
    from ._discovery import (
        CONNECTORS_GROUP,
        DiscoveredConnector,
        Discovery,
        PluginError,
        discover,
    )
    from ._durations import parse_duration
    from ._execution import (
        ERROR_EXPRESSION,
        EXPRESSION_TIMEOUT,
        RESULT_EXPRESSION,
        RESULT_VARIABLE,
        RETRY_BACKOFF,
        BpmnErrorThrown,
        Completed,
        Failed,
        Job,
        JobExecutor,
        Outcome,
    )
    from ._expressions import (
        CompiledExpression,
        ExpressionError,
        ExpressionEvaluator,
        load_evaluator,
    )
    from ._jsonable import to_jsonable

# The deferred names by module: keep in step with the TYPE_CHECKING imports (a test checks).
_DEFERRED = {
    "_activiti_mapping": (
        "MappingType",
        "SourceType",
        "TaskMapping",
        "VariableMapping",
        "decode_typed_value",
        "decode_variables",
        "map_inputs",
        "map_outputs",
    ),
    "_camunda_mapping": (
        "BpmnErrorDecision",
        "ExpressionCache",
        "JobErrorDecision",
        "evaluate_error_expression",
        "map_result",
    ),
    "_discovery": (
        "CONNECTORS_GROUP",
        "DiscoveredConnector",
        "Discovery",
        "PluginError",
        "discover",
    ),
    "_durations": ("parse_duration",),
    "_execution": (
        "ERROR_EXPRESSION",
        "EXPRESSION_TIMEOUT",
        "RESULT_EXPRESSION",
        "RESULT_VARIABLE",
        "RETRY_BACKOFF",
        "BpmnErrorThrown",
        "Completed",
        "Failed",
        "Job",
        "JobExecutor",
        "Outcome",
    ),
    "_expressions": (
        "CompiledExpression",
        "ExpressionError",
        "ExpressionEvaluator",
        "load_evaluator",
    ),
    "_jsonable": ("to_jsonable",),
}
_MODULE_OF = {name: module for module, names in _DEFERRED.items() for name in names}


if not TYPE_CHECKING:  # type checkers read the imports above, and flag unknown names

    def __getattr__(name: str) -> Any:
        module = _MODULE_OF.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from importlib import import_module

        value = getattr(import_module(f"{__name__}.{module}"), name)
        globals()[name] = value  # found directly from now on
        return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULE_OF))


__all__ = [
    "CONNECTORS_GROUP",
    "DEFAULT_SECRET_PREFIX",
    "ERROR_EXPRESSION",
    "EXPRESSION_TIMEOUT",
    "MASK",
    "RESULT_EXPRESSION",
    "RESULT_VARIABLE",
    "RETRY_BACKOFF",
    "TOKEN_TTL",
    "BpmnError",
    "BpmnErrorDecision",
    "BpmnErrorThrown",
    "CancellationToken",
    "CompiledExpression",
    "Completed",
    "Connector",
    "ConnectorError",
    "Context",
    "DeclarationError",
    "DiscoveredConnector",
    "Discovery",
    "DotenvSecretProvider",
    "EnvironmentSecretProvider",
    "ErrorCode",
    "ExpressionCache",
    "ExpressionError",
    "ExpressionEvaluator",
    "Failed",
    "InputError",
    "InputModel",
    "Job",
    "JobErrorDecision",
    "JobExecutor",
    "JobInfo",
    "MappingSecretProvider",
    "MappingType",
    "Operation",
    "Outcome",
    "OutputModel",
    "PluginError",
    "RedactingFilter",
    "Redactor",
    "RetryError",
    "SecretChain",
    "SecretProvider",
    "SecretResolver",
    "SourceType",
    "TaskMapping",
    "TasklinkError",
    "VariableMapping",
    "__version__",
    "bind_input",
    "decode_typed_value",
    "decode_variables",
    "discover",
    "evaluate_error_expression",
    "field",
    "field_options",
    "format_validation_error",
    "input_names",
    "load_evaluator",
    "load_plugin_secret_providers",
    "map_inputs",
    "map_outputs",
    "map_result",
    "parse_duration",
    "safe_file_name",
    "secret_values",
    "status_code_name",
    "to_jsonable",
]
