"""Example connectors the template tests generate from (not a shipped package).

They cover what real connectors declare: one and several operations, nested models,
discriminated unions, enums and Literals, lists and dicts, secrets, constraints and the
``field(...)`` options.
"""

from ._greeter import greeter
from ._shop import shop
from ._webcall import webcall

EXAMPLES = (greeter, shop, webcall)

__all__ = ["EXAMPLES", "greeter", "shop", "webcall"]
