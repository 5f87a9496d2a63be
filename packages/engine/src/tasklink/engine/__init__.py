"""tasklink-engine: run BPMN processes on your machine, their service tasks served by
the installed tasklink connectors.

>>> from tasklink.engine import run_process
>>> result = run_process("order.bpmn", variables={"orderId": "42"})  # doctest: +SKIP
>>> result.state, result.path  # doctest: +SKIP
('completed', ['start', 'fetch-order', 'is-shipped', 'notify', 'end'])

Processes modelled for Camunda 8 (``zeebe:*`` extensions, FEEL) and for Activiti / APA
(``implementation="<connector>.<ACTION>"``, the extensions JSON's mappings) run through
the same pipeline the runtime serves engines with. The BPMN semantics are
SpiffWorkflow's. ``tasklink process run FILE.bpmn`` is the command-line form;
``tasklink.testing.run_process`` the one for tests.

SpiffWorkflow and lxml are imported on first use, so ``tasklink`` commands that do not
run processes stay quick.
"""

from typing import TYPE_CHECKING

from tasklink.core import deferred_exports

from .__about__ import __version__

if TYPE_CHECKING:
    from ._api import Engine, ProcessEngine, run_process, run_process_async
    from ._errors import ProcessDefinitionError
    from ._parser import SUPPORTED_ELEMENTS
    from ._result import Incident, ProcessResult

# The deferred names by module: keep in step with the TYPE_CHECKING imports.
_DEFERRED = {
    "_api": ("Engine", "ProcessEngine", "run_process", "run_process_async"),
    "_errors": ("ProcessDefinitionError",),
    "_parser": ("SUPPORTED_ELEMENTS",),
    "_result": ("Incident", "ProcessResult"),
}
if not TYPE_CHECKING:
    __getattr__, __dir__ = deferred_exports(__name__, _DEFERRED)

__all__ = [
    "SUPPORTED_ELEMENTS",
    "Engine",
    "Incident",
    "ProcessDefinitionError",
    "ProcessEngine",
    "ProcessResult",
    "__version__",
    "run_process",
    "run_process_async",
]
