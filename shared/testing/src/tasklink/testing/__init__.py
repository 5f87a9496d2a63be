"""tasklink-testing: the test kit for connector authors.

Run operations the way a runtime would (:func:`run_job`), record HTTP with credentials
scrubbed (:func:`recording_vcr`), check cassettes against OpenAPI specs, and give every
connector package the standard suite (:class:`StandardConnectorSuite`).
"""

from .__about__ import __version__
from ._harness import arun_job, run_job
from ._kit import repository_root, shared_kit_dir
from ._openapi import (
    OpenAPISpec,
    OperationNotFoundError,
    SpecOperation,
    assert_cassette_matches_spec,
    check_cassette,
)
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
    "assert_cassette_matches_spec",
    "check_cassette",
    "check_template_collection",
    "check_template_rules",
    "readme_examples",
    "recording_vcr",
    "repository_root",
    "run_job",
    "run_readme_example",
    "shared_kit_dir",
    "template_key",
    "validate_activiti_definition",
    "validate_camunda_templates",
    "validator_versions",
]
