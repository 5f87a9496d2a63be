"""Serving vendor contracts: off by default, turned on per key or all, per engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tasklink.core import (
    Completed,
    Connector,
    InputModel,
    Job,
    JobInfo,
    MappingSecretProvider,
    field,
)
from tasklink.runtime import (
    Pipeline,
    RuntimeSettings,
    SettingsError,
    build_pipeline,
    load_settings,
)
from tasklink.runtime._connectors import secret_allow_lists, served_contracts


class Message(InputModel):
    to: str = field(description="Recipient")


def mailer() -> Connector:
    """Ours is called ``mail`` with action SEND; APA's instance of the vendor's is too."""
    connector = Connector(
        id="io.tasklink.test.mail",
        name="mail",
        title="Mail",
        job_type="tasklink-test:mail:1",
        description="Sends mail",
        package=__name__,
    )

    @connector.operation(name="Send", description="Send")
    def send(input: Message) -> dict[str, Any]:
        return {"sent_to": input.to, "by": "ours"}

    camunda = connector.vendor_contract(
        engine="camunda",
        name="vendor-mail",
        job_type="io.vendor:mail:1",
        title="Vendor mail",
        description="The vendor's mail connector",
    )

    @camunda.operation("send", name="Send", description="Send as the vendor does")
    def vendor_send(input: Message) -> dict[str, Any]:
        return {"sent": True, "by": "camunda contract"}

    apa = connector.vendor_contract(
        engine="activiti", name="mail", title="APA mail", description="APA's mail connector"
    )

    @apa.operation("send", name="Send", description="APA's SEND")
    def apa_send(input: Message) -> dict[str, Any]:
        return {"by": "APA contract"}

    return connector


def settings(**values: Any) -> RuntimeSettings:
    return load_settings(values, environ={})


def keys(contracts: list[Any]) -> list[tuple[str, str]]:
    return [(c.engine, c.name) for c in contracts]


def test_contracts_are_served_only_when_the_operator_turns_them_on() -> None:
    connectors = [mailer()]
    assert served_contracts(settings(), connectors) == []
    everything = served_contracts(settings(vendor_contracts="all"), connectors)
    assert keys(everything) == [("camunda", "vendor-mail"), ("activiti", "mail")]
    # Each engine serves its own: a Camunda cluster never polls an APA connector's name.
    camunda = served_contracts(settings(engine="camunda", vendor_contracts="all"), connectors)
    assert keys(camunda) == [("camunda", "vendor-mail")]
    by_job_type = served_contracts(settings(vendor_contracts="io.vendor:mail:1"), connectors)
    assert keys(by_job_type) == [("camunda", "vendor-mail")]


def test_a_key_that_names_no_contract_is_an_error_naming_the_installed_ones() -> None:
    with pytest.raises(SettingsError, match=r"no contract io.camunda:mail:1 \(installed: io"):
        served_contracts(settings(vendor_contracts="io.camunda:mail:1"), [mailer()])
    with pytest.raises(SettingsError, match="vendor_names: 'post' is not a served Activiti"):
        served_contracts(settings(vendor_contracts="all", vendor_names={"post": ["x"]}), [mailer()])
    with pytest.raises(SettingsError, match="set vendor_contracts"):
        served_contracts(settings(vendor_names={"mail": ["x"]}), [mailer()])


def test_apa_connector_instance_names_come_from_vendor_names(tmp_path: Path) -> None:
    config = tmp_path / "tasklink.toml"
    config.write_text(
        'engine = "activiti"\nvendor_contracts = ["mail"]\n'
        '[vendor_names]\nmail = ["mail", "billing-mail"]\n'
    )
    from_file = load_settings(config_file=config, environ={})
    from_env = load_settings(
        environ={
            "TASKLINK_ENGINE": "activiti",
            "TASKLINK_VENDOR_CONTRACTS": "mail",
            "TASKLINK_VENDOR_NAMES": '{"mail": "mail,billing-mail"}',
        }
    )
    for chosen in (from_file, from_env):
        served = served_contracts(chosen, [mailer()])
        assert keys(served) == [("activiti", "mail"), ("activiti", "billing-mail")]
        assert served[1].get_operation().qualified_name == "billing-mail.SEND"


async def test_an_apa_contract_answers_the_name_our_connector_also_has() -> None:
    connector = mailer()
    pipeline = build_pipeline(
        settings(engine="activiti", vendor_contracts="mail"),
        connectors=[connector],
        secrets=MappingSecretProvider({}),
    )
    operation = pipeline.find_operation("mail.SEND")
    assert operation.connector is connector.contracts[1]
    outcome = await pipeline.run(operation, Job({"to": "a@b.test"}, info=JobInfo(retries=1)))
    assert isinstance(outcome, Completed) and outcome.output == {"by": "APA contract"}
    # Without the contract, ours answers; two connectors of ours still may not collide.
    plain = build_pipeline(
        settings(engine="activiti"), connectors=[connector], secrets=MappingSecretProvider({})
    )
    assert plain.find_operation("mail.SEND").connector is connector
    with pytest.raises(ValueError, match="share job type"):
        Pipeline([connector, mailer()])


async def test_camunda_serves_the_vendor_job_type_beside_ours() -> None:
    connector = mailer()
    pipeline = build_pipeline(
        settings(engine="camunda", vendor_contracts="io.vendor:mail:1"),
        connectors=[connector],
        secrets=MappingSecretProvider({}),
    )
    contract = pipeline.connector_for_job_type("io.vendor:mail:1")
    assert contract is connector.contracts[0]
    assert pipeline.connector_for_job_type("tasklink-test:mail:1") is connector
    outcome = await pipeline.run(contract.get_operation(), Job({"to": "a@b.test"}))
    assert isinstance(outcome, Completed) and outcome.output["by"] == "camunda contract"


async def test_a_contract_shares_the_allow_list_and_shutdown_of_the_connector_it_serves() -> None:
    connector = mailer()
    closed: list[str] = []

    @connector.on_shutdown
    async def close() -> None:
        closed.append("pool")

    contracts = served_contracts(settings(vendor_contracts="all"), [connector])
    lists = secret_allow_lists({"mail": ["SMTP_*"]}, [connector, *contracts])
    assert {key: lists[key] for key in sorted(lists)} == {
        "io.tasklink.test.mail": ("SMTP_*",),
        "io.tasklink.test.mail.activiti.mail": ("SMTP_*",),
        "io.tasklink.test.mail.camunda.vendor-mail": ("SMTP_*",),
    }
    pipeline = Pipeline([connector, contracts[0]])
    await pipeline.aclose()
    assert closed == ["pool"]  # once, though two served connectors run on it
