"""An APA connector instance's configuration, read through the secret providers."""

from __future__ import annotations

import pytest

from tasklink.core import (
    Context,
    InputError,
    JobInfo,
    MappingSecretProvider,
    SecretResolver,
    apa_setting,
)


def context(job_type: str, values: dict[str, str]) -> Context:
    return Context(JobInfo(job_type=job_type), SecretResolver(MappingSecretProvider(values)))


def test_an_instance_reads_its_own_setting_before_the_shared_one() -> None:
    values = {"EMAIL_HOST": " shared.example ", "BILLING_MAIL_EMAIL_HOST": "billing.example"}
    for job_type in ("billing-mail.SEND", "activiti:billing-mail:1"):
        assert apa_setting(context(job_type, values), "EMAIL_HOST", connector="email") == (
            "billing.example"
        )
    # The vendor's own name reads the shared one, trimmed unless asked not to.
    own = context("email.SEND", values)
    assert apa_setting(own, "EMAIL_HOST", connector="email") == "shared.example"
    assert apa_setting(own, "EMAIL_HOST", connector="email", strip=False) == " shared.example "
    assert apa_setting(own, "EMAIL_PORT", connector="email") is None


def test_a_failing_provider_is_an_input_error_naming_the_setting() -> None:
    class Broken:
        def get_secret(self, name: str) -> str | None:
            raise RuntimeError("vault down: token=abc")

    ctx = Context(JobInfo(job_type="slack.SEND_MESSAGE"), SecretResolver(Broken()))
    with pytest.raises(InputError) as caught:
        apa_setting(ctx, "SLACK_BOT_TOKEN", connector="slack")
    assert caught.value.field == "SLACK_BOT_TOKEN" and "abc" not in caught.value.message
