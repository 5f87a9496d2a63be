"""tasklink-testing: the test kit for connector authors.

Run operations the way a runtime would (:func:`run_job`), whole BPMN processes on the
embedded engine (:func:`run_process`, with tasklink-engine installed), record HTTP with credentials
scrubbed (:func:`recording_vcr`), check cassettes against OpenAPI specs, give every
connector package the standard suite (:class:`StandardConnectorSuite`), and drive a
runtime with the fixture connector of :mod:`tasklink.testing.fixtures`.
"""

from typing import TYPE_CHECKING

from tasklink.core import deferred_exports

from .__about__ import __version__

# Every name is imported on first access (PEP 562): loading the fixture connector through
# an entry point (``tasklink list`` in a test) then costs neither pytest, vcrpy nor
# jsonschema.
if TYPE_CHECKING:
    from ._exports import check_package_exports
    from ._harness import arun_job, run_job
    from ._kit import repository_root, shared_kit_dir
    from ._openapi import (
        OpenAPISpec,
        OperationNotFoundError,
        SpecOperation,
        assert_cassette_matches_spec,
        check_cassette,
    )
    from ._process import arun_process, run_process
    from ._readme import ReadmeExample, readme_examples, run_readme_example
    from ._recording import CassetteSecretError, Scrubber, recording_vcr
    from ._suite import SecretCase, StandardConnectorSuite
    from ._templates import (
        ACTIVITI_DEFINITION_SCHEMA,
        VALIDATOR_DIR_VARIABLE,
        TemplateToolsMissingError,
        check_template_collection,
        check_template_rules,
        template_key,
        validate_activiti_definition,
        validate_camunda_templates,
        validator_versions,
    )

# The deferred names by module: keep in step with the TYPE_CHECKING imports (a test checks).
_DEFERRED = {
    "_exports": ("check_package_exports",),
    "_harness": ("arun_job", "run_job"),
    "_kit": ("repository_root", "shared_kit_dir"),
    "_process": ("arun_process", "run_process"),
    "_openapi": (
        "OpenAPISpec",
        "OperationNotFoundError",
        "SpecOperation",
        "assert_cassette_matches_spec",
        "check_cassette",
    ),
    "_readme": ("ReadmeExample", "readme_examples", "run_readme_example"),
    "_recording": ("CassetteSecretError", "Scrubber", "recording_vcr"),
    "_suite": ("SecretCase", "StandardConnectorSuite"),
    "_templates": (
        "ACTIVITI_DEFINITION_SCHEMA",
        "VALIDATOR_DIR_VARIABLE",
        "TemplateToolsMissingError",
        "check_template_collection",
        "check_template_rules",
        "template_key",
        "validate_activiti_definition",
        "validate_camunda_templates",
        "validator_versions",
    ),
}


if not TYPE_CHECKING:  # type checkers read the imports above, and flag unknown names
    __getattr__, __dir__ = deferred_exports(__name__, _DEFERRED)


__all__ = [
    "ACTIVITI_DEFINITION_SCHEMA",
    "VALIDATOR_DIR_VARIABLE",
    "CassetteSecretError",
    "OpenAPISpec",
    "OperationNotFoundError",
    "ReadmeExample",
    "Scrubber",
    "SecretCase",
    "SpecOperation",
    "StandardConnectorSuite",
    "TemplateToolsMissingError",
    "__version__",
    "arun_job",
    "arun_process",
    "assert_cassette_matches_spec",
    "check_cassette",
    "check_package_exports",
    "check_template_collection",
    "check_template_rules",
    "readme_examples",
    "recording_vcr",
    "repository_root",
    "run_job",
    "run_process",
    "run_readme_example",
    "shared_kit_dir",
    "template_key",
    "validate_activiti_definition",
    "validate_camunda_templates",
    "validator_versions",
]
