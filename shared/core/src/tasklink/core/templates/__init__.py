"""Templates from code: Camunda 8 element templates and Activiti connector definitions.

Generated from a connector's declaration and its pydantic input models, so the form a
modeler shows can never drift from what the runtime accepts::

    from tasklink.core.templates import camunda_template, activiti_definition

    template = camunda_template(connector)                # the element template
    hybrid = camunda_template(connector, hybrid=True)     # editable task type
    definition = activiti_definition(connector)           # one action per operation,
                                                          # its errors and config

Import it as ``tasklink.core.templates``; ``tasklink.core`` itself does not load it.
"""

from ._activiti import (
    activiti_config,
    activiti_definition,
    activiti_error_codes,
    activiti_errors,
)
from ._camunda import camunda_template
from ._errors import TemplateError
from ._export import Engine, collect_templates, export_templates
from ._package import package_templates, render_json

__all__ = [
    "Engine",
    "TemplateError",
    "activiti_config",
    "activiti_definition",
    "activiti_error_codes",
    "activiti_errors",
    "camunda_template",
    "collect_templates",
    "export_templates",
    "package_templates",
    "render_json",
]
