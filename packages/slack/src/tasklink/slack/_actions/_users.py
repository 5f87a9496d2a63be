"""Users: look one up by e-mail address."""

from __future__ import annotations

from tasklink.core import Context

from .. import _api
from .._inputs import LookupUser
from .._outputs import UserResult

__all__ = ["lookup_user"]


async def lookup_user(input: LookupUser, ctx: Context) -> UserResult:
    """``users.lookupByEmail``."""
    user = await _api.lookup_user_by_email(ctx, input.connection(), input.email)
    return UserResult(user_id=str(user.get("id") or ""), name=user.get("name"), user=user)
