"""Vendor contracts: a connector also answers a vendor connector's job type or name."""

from __future__ import annotations

from typing import Any

import pytest

from tasklink.core import (
    Completed,
    Connector,
    ConnectorError,
    DeclarationError,
    Failed,
    InputModel,
    Job,
    JobExecutor,
    JobInfo,
    MappingSecretProvider,
    VendorContract,
    field,
)
from tasklink.core._discovery import DiscoveredConnector, Discovery


class Greeting(InputModel):
    name: str = field(description="Who to greet")


class VendorGreeting(InputModel):
    recipient: str = field(description="The vendor's name for who to greet")
    header: str = field("", description="A header value")


def greeter() -> Connector:
    connector = Connector(
        id="io.tasklink.test.greet",
        name="greet",
        title="Greet",
        job_type="tasklink-test:greet:1",
        description="Greets",
        package="tasklink.core",
        errors={"NOT_FRIENDLY": "The greeting was refused"},
    )

    @connector.operation(name="Greet", description="Greet someone")
    def greet(input: Greeting) -> dict[str, Any]:
        if input.name == "nobody":
            raise ConnectorError("nobody to greet", code="NOT_FRIENDLY")
        return {"text": f"hello {input.name}"}

    camunda = connector.vendor_contract(
        engine="camunda",
        name="vendor-greet",
        job_type="io.vendor:greet:1",
        title="Vendor greeter",
        description="The vendor's greeter, served by ours",
    )

    @camunda.operation(name="Greet", description="Greet as the vendor does")
    def vendor_greet(input: VendorGreeting) -> dict[str, Any]:
        try:
            result = greet(Greeting(name=input.recipient))
        except ConnectorError as exc:
            raise ConnectorError(exc.message, code="403", variables={"why": exc.code}) from exc
        return {"body": result["text"], "header": input.header}

    activiti = connector.vendor_contract(
        engine="activiti", name="greeter", title="APA greeter", description="APA's greeter"
    )

    @activiti.operation("say_hello", name="Say hello", description="APA's action")
    def say_hello(input: VendorGreeting) -> dict[str, Any]:
        return {"greeting": greet(Greeting(name=input.recipient))["text"]}

    return connector


def run(connector: Connector, variables: dict[str, Any], secrets: dict[str, str]) -> Any:
    import asyncio

    executor = JobExecutor(MappingSecretProvider(secrets))
    return asyncio.run(
        executor.execute(connector.get_operation(), Job(variables, info=JobInfo(retries=3)))
    )


def test_a_contract_is_a_connector_of_the_vendors_name_that_runs_ours() -> None:
    connector = greeter()
    camunda, activiti = connector.contracts
    assert isinstance(camunda, VendorContract) and camunda.serves is connector
    assert (camunda.engine, camunda.key, camunda.name) == (
        "camunda",
        "io.vendor:greet:1",
        "vendor-greet",
    )
    assert (activiti.engine, activiti.key) == ("activiti", "greeter")
    assert activiti.get_operation("SAY_HELLO").qualified_name == "greeter.SAY_HELLO"
    assert connector.errors == {"NOT_FRIENDLY": "The greeting was refused"}

    outcome = run(camunda, {"recipient": "Ada", "header": "x"}, {})
    assert isinstance(outcome, Completed) and outcome.output == {"body": "hello Ada", "header": "x"}
    refused = run(camunda, {"recipient": "nobody"}, {})
    assert isinstance(refused, Failed)
    assert (refused.code, refused.variables) == ("403", {"why": "NOT_FRIENDLY"})


def test_camunda_contracts_resolve_legacy_secret_placeholders_and_mask_them() -> None:
    connector = greeter()
    camunda = connector.contracts[0]
    secrets = {"NAME": "Grace Hopper", "TOKEN": "tok-9f8e7d6c"}
    outcome = run(camunda, {"recipient": "secrets.NAME", "header": "Bearer secrets.TOKEN"}, secrets)
    # Resolved for the operation, masked in what the job answers.
    assert isinstance(outcome, Completed)
    assert outcome.output == {"body": "hello ***", "header": "Bearer ***"}

    # An unknown name fails as an input error naming the field, as Camunda's runtime does.
    missing = run(camunda, {"recipient": "x", "header": "secrets.GONE"}, secrets)
    assert isinstance(missing, Failed) and missing.input_error and missing.retries == 0
    assert "'GONE'" in missing.message and "header" in missing.message

    # Our own connector and Activiti contracts keep the one {{secrets.NAME}} form.
    own = run(connector, {"name": "secrets.NAME"}, secrets)
    assert isinstance(own, Completed) and own.output == {"text": "hello secrets.NAME"}
    own = run(connector, {"name": "{{secrets.NAME}}"}, secrets)
    assert isinstance(own, Completed) and own.output == {"text": "hello ***"}
    assert not connector.contracts[1].legacy_secrets


def test_renaming_an_activiti_contract_keeps_its_operations_and_hooks() -> None:
    connector = greeter()
    closed: list[str] = []

    @connector.on_shutdown
    async def close() -> None:
        closed.append("client")

    activiti = connector.contracts[1]
    renamed = activiti.renamed("billing-greeter")
    assert renamed.name == "billing-greeter" and renamed.serves is connector
    assert [op.qualified_name for op in renamed.operations.values()] == [
        "billing-greeter.SAY_HELLO"
    ]
    assert renamed.get_operation().function is activiti.get_operation().function
    outcome = run(renamed, {"recipient": "Ada"}, {})
    assert isinstance(outcome, Completed) and outcome.output == {"greeting": "hello Ada"}

    import asyncio

    asyncio.run(renamed.aclose())  # a contract's hooks are the served connector's
    assert closed == ["client"]


def test_a_lazy_contract_operation_is_copied_as_a_lazy_one() -> None:
    connector = greeter()
    activiti = connector.contracts[1]
    activiti.operation(
        "parse",
        name="Parse",
        description="A lazy target",
        target="._jsonable:to_jsonable",
        input_model=Greeting,
    )
    renamed = activiti.renamed("other")
    lazy = renamed.get_operation("parse")
    assert lazy.target == "._jsonable:to_jsonable"
    # Loaded only now, relative to the served connector's package, and checked there.
    with pytest.raises(DeclarationError, match=r"activiti\.other', operation 'parse'.*takes Any"):
        lazy.load()


def test_a_contract_must_name_a_known_engine_and_camundas_its_job_type() -> None:
    with pytest.raises(DeclarationError, match="contract 'x' needs the vendor's job type"):
        greeter().vendor_contract(engine="camunda", name="x", title="X", description="X")
    with pytest.raises(DeclarationError, match="camunda or activiti"):
        greeter().vendor_contract(
            engine="zeebe",  # type: ignore[arg-type]
            name="x",
            title="X",
            description="X",
        )


def test_discovery_finds_a_contract_by_its_job_type_or_name() -> None:
    connector = greeter()
    found = Discovery(connectors=[DiscoveredConnector(connector, "tasklink-greet", "1.0")])
    assert found.find("greet").connector is connector
    by_job_type = found.find("io.vendor:greet:1")
    assert by_job_type.connector is connector.contracts[0]
    assert by_job_type.distribution == "tasklink-greet"
    assert found.find("greeter").connector is connector.contracts[1]
    with pytest.raises(KeyError, match="no installed connector 'nothing'"):
        found.find("nothing")
