"""APA's connection configuration of the e-mail connector, read through the secret
providers.

APA gives a connector instance its configuration (``EMAIL_HOST``, ``EMAIL_PORT``,
``EMAIL_USERNAME``, ``EMAIL_PASSWORD``, ``EMAIL_SMTP_AUTH``, ``EMAIL_SMTP_STARTTLS``) at
deployment, not in the process. tasklink reads them by these names from the runtime's
secret providers (with the default chain, the environment variables
``TASKLINK_SECRET_EMAIL_HOST``... or the secrets file), so the operator sets them where
every other credential of the runtime lives. A connector instance of another name (the
``vendor_names`` setting: ``billing-mail``) first looks for its own, prefixed with its name
(``BILLING_MAIL_EMAIL_HOST``), then for the shared ones: APA configures each instance on
its own.

Only ``EMAIL_PASSWORD`` is masked in logs, errors and results: the host, port and user
name are not secret, and masking a port such as ``25`` would mask that number everywhere.
The names are fixed here, not chosen by a process, so the ``secrets_allowed`` lists (which
bound the names processes may resolve) do not apply to them.

Beyond APA: ``EMAIL_SMTP_SSL`` (``true``: TLS from the first byte, port 465) for servers
without STARTTLS. STARTTLS, when on, must succeed (Jakarta Mail's ``starttls.enable``
would carry on in plain text).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from tasklink.core import Context, ErrorCode, InputError, apa_setting

from .._models import Connection

__all__ = ["SETTINGS", "connection"]

#: The configuration APA declares, with what each is for.
SETTINGS = {
    "EMAIL_HOST": "SMTP server host name or IP address",
    "EMAIL_PORT": "SMTP server port (default 587 with STARTTLS, 465 with EMAIL_SMTP_SSL, else 25)",
    "EMAIL_USERNAME": "User name to log in with (when EMAIL_SMTP_AUTH is true)",
    "EMAIL_PASSWORD": "Password to log in with (when EMAIL_SMTP_AUTH is true); masked",
    "EMAIL_SMTP_AUTH": "true (default): log in; false: send without logging in",
    "EMAIL_SMTP_STARTTLS": "true (default): upgrade the connection with STARTTLS, which "
    "must succeed; false: no STARTTLS",
    "EMAIL_SMTP_SSL": "true: TLS from the first byte (tasklink; APA has no such setting); "
    "default false",
}
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
_BY_FIELD = {"host": "EMAIL_HOST", "port": "EMAIL_PORT", "username": "EMAIL_USERNAME"}


def _read(ctx: Context, name: str) -> str | None:
    return apa_setting(ctx, name, connector="email", strip=name != "EMAIL_PASSWORD")


def _flag(ctx: Context, name: str, default: bool) -> bool:
    value = _read(ctx, name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise InputError(f"{name}: must be true or false, not {value!r}", field=name)


def connection(ctx: Context) -> Connection:
    """The SMTP connection the settings describe; a missing or invalid setting is an input
    error naming it."""
    host = _read(ctx, "EMAIL_HOST")
    if host is None:
        raise InputError(
            "EMAIL_HOST: the SMTP server is not configured: set the secret EMAIL_HOST "
            "(and EMAIL_PORT, EMAIL_USERNAME, EMAIL_PASSWORD)",
            code=ErrorCode.MISSING_INPUT,
            field="EMAIL_HOST",
        )
    ssl = _flag(ctx, "EMAIL_SMTP_SSL", False)
    starttls = _flag(ctx, "EMAIL_SMTP_STARTTLS", True)
    values: dict[str, Any] = {
        "host": host,
        "port": _read(ctx, "EMAIL_PORT"),
        "security": "tls" if ssl else "starttls" if starttls else "none",
    }
    if _flag(ctx, "EMAIL_SMTP_AUTH", True):
        for name, key in (("username", "EMAIL_USERNAME"), ("password", "EMAIL_PASSWORD")):
            value = _read(ctx, key)
            if value is None:
                raise InputError(
                    f"{key}: EMAIL_SMTP_AUTH is true, so set the secret {key} (or set "
                    "EMAIL_SMTP_AUTH to false to send without logging in)",
                    code=ErrorCode.MISSING_INPUT,
                    field=key,
                )
            values[name] = value
        ctx.redactor.add(values["password"])
    try:
        return Connection.model_validate(values).with_host_field("EMAIL_HOST")
    except ValidationError as exc:
        error = exc.errors()[0]
        key = _BY_FIELD.get(str(error["loc"][0]) if error["loc"] else "", "EMAIL_PASSWORD")
        raise InputError(f"{key}: {error['msg']}", field=key) from None
