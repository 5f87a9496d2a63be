"""The configuration of an Alfresco Process Automation connector instance.

APA gives a connector instance its configuration (``EMAIL_HOST``, ``SLACK_BOT_TOKEN``...)
at deployment, not in the process. A vendor contract reads it by these names from the
runtime's secret providers, where the operator keeps every other credential: an instance
of another name (the ``vendor_names`` setting: ``billing-mail``) first reads its own,
prefixed with its name (``BILLING_MAIL_EMAIL_HOST``), then the shared one, as APA
configures each instance on its own. The names are fixed by the contract, not chosen by a
process, so the ``secrets_allowed`` lists (which bound what processes name) do not apply.
"""

from __future__ import annotations

from ._context import Context
from ._errors import ErrorCode, InputError

__all__ = ["apa_instance", "apa_setting"]


def apa_instance(ctx: Context, connector: str) -> str | None:
    """The APA connector instance the job addressed (``billing-mail`` of
    ``billing-mail.SEND``, or of the contract's own job type ``activiti:billing-mail:1``),
    when it is not ``connector``, the vendor's own name."""
    job_type = ctx.job.job_type or ""
    name, dot, _ = job_type.partition(".")
    if not dot:
        parts = job_type.split(":")
        name = parts[1] if len(parts) == 3 and parts[0] == "activiti" else connector
    return name if name != connector else None


def apa_setting(ctx: Context, name: str, *, connector: str, strip: bool = True) -> str | None:
    """The instance's value of setting ``name``, else the shared one; ``None`` when
    neither is set (or blank). ``strip`` trims the value (not for a password). A
    provider's failure is an input error naming the setting, never showing a value."""
    instance = apa_instance(ctx, connector)
    names = [name] if instance is None else [f"{instance.upper().replace('-', '_')}_{name}", name]
    for key in names:
        try:
            value = ctx.secrets.provider.get_secret(key)
        except Exception as exc:  # a provider's failure, never its value
            raise InputError(
                f"{key}: the setting could not be read ({type(exc).__name__})",
                code=ErrorCode.MISSING_INPUT,
                field=key,
            ) from None
        if isinstance(value, str) and value.strip():
            return value.strip() if strip else value
    return None
