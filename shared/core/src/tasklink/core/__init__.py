"""tasklink-core: the thin core every tasklink connector and runtime shares.

Declare a connector with :class:`Connector`, give each operation pydantic input and output
models, and the core supplies secrets, validation, errors, result mapping and discovery.
"""

from typing import TYPE_CHECKING

from .__about__ import __version__

# What a connector module needs is imported at once. What only runtimes and tools use (job
# execution, Activiti variables, discovery) is imported on first access (PEP 562), so that
# loading a connector, for discovery say, stays cheap.
from ._connector import (
    CONNECTOR_NAME_PATTERN,
    Connector,
    DeclarationError,
    Operation,
    VendorContract,
    VendorEngine,
)
from ._context import CancellationToken, Context, JobInfo
from ._deferred import deferred_exports
from ._documents import (
    DEFAULT_DOCUMENT_MAX_BYTES,
    DOCUMENT_TYPE,
    Document,
    DocumentCode,
    DocumentError,
    DocumentMetadata,
    DocumentStore,
    InlineDocumentStore,
    spooled_file,
)
from ._errors import (
    BpmnError,
    ConnectorError,
    ErrorCode,
    InputError,
    RetryError,
    status_code_name,
)
from ._fields import field, field_options
from ._files import MAX_FILE_NAME_BYTES, safe_file_name
from ._models import (
    CamelInputModel,
    CamelOutputModel,
    InputModel,
    OutputModel,
    format_validation_error,
    input_names,
)
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
from ._validation import validation_error, validation_problem

if TYPE_CHECKING:
    from ._activiti_variables import decode_variables
    from ._apa_settings import apa_setting
    from ._discovery import PluginError, discover
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
    from ._expressions import ExpressionEvaluator
    from ._freemarker import render_freemarker
    from ._jsonable import to_jsonable

# The deferred names by module: keep in step with the TYPE_CHECKING imports (a test checks).
_DEFERRED = {
    "_activiti_variables": ("decode_variables",),
    "_apa_settings": ("apa_setting",),
    "_discovery": ("PluginError", "discover"),
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
    "_expressions": ("ExpressionEvaluator",),
    "_freemarker": ("render_freemarker",),
    "_jsonable": ("to_jsonable",),
}
if not TYPE_CHECKING:  # type checkers read the imports above, and flag unknown names
    __getattr__, __dir__ = deferred_exports(__name__, _DEFERRED)


__all__ = [
    "CONNECTOR_NAME_PATTERN",
    "DEFAULT_DOCUMENT_MAX_BYTES",
    "DEFAULT_SECRET_PREFIX",
    "DOCUMENT_TYPE",
    "ERROR_EXPRESSION",
    "EXPRESSION_TIMEOUT",
    "MASK",
    "MAX_FILE_NAME_BYTES",
    "RESULT_EXPRESSION",
    "RESULT_VARIABLE",
    "RETRY_BACKOFF",
    "TOKEN_TTL",
    "BpmnError",
    "BpmnErrorThrown",
    "CamelInputModel",
    "CamelOutputModel",
    "CancellationToken",
    "Completed",
    "Connector",
    "ConnectorError",
    "Context",
    "DeclarationError",
    "Document",
    "DocumentCode",
    "DocumentError",
    "DocumentMetadata",
    "DocumentStore",
    "DotenvSecretProvider",
    "EnvironmentSecretProvider",
    "ErrorCode",
    "ExpressionEvaluator",
    "Failed",
    "InlineDocumentStore",
    "InputError",
    "InputModel",
    "Job",
    "JobExecutor",
    "JobInfo",
    "MappingSecretProvider",
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
    "VendorContract",
    "VendorEngine",
    "__version__",
    "apa_setting",
    "decode_variables",
    "deferred_exports",
    "discover",
    "field",
    "field_options",
    "format_validation_error",
    "input_names",
    "load_plugin_secret_providers",
    "parse_duration",
    "render_freemarker",
    "safe_file_name",
    "spooled_file",
    "status_code_name",
    "to_jsonable",
    "validation_error",
    "validation_problem",
]
