"""Cost of the embedded engine: a 10-task process run by ``tasklink.engine`` beside the
same ten jobs run directly through the runtime's ``Pipeline`` (core's ``JobExecutor``).

The process (Camunda 8 BPMN, written below) is ten sequential service tasks of
tasklink-http (``tasklink:http:1``): ``zeebe:ioMapping`` inputs ``method`` and ``url``,
a ``resultExpression`` task header mapping each response into process variables. They
call a minimal keep-alive HTTP server (``http_overhead.py``'s, in its own process).

* ``direct``: one long-lived pipeline, as an embedding application holds it; per process
  the ten jobs one after the other, each ``pipeline.run(operation, Job(variables,
  headers=..., info=JobInfo(...)))`` with the variables the engine would hand over (the
  process variables plus the task's inputs) and the same headers, each result merged
  into the process variables for the next job;
* ``embedded``: one long-lived ``ProcessEngine`` (as a test suite or an embedding
  application holds it: one pipeline, the parsed process kept), per process instance
  ``engine.run(xml, variables=..., clock="virtual")``: Spiff's stepping, the variable
  scopes, input mappings, jobs and results.

A no-op pair (the engine's ``mock`` of the job type beside the direct jobs on an
operation returning the same response) shows the engine's own cost per task without
HTTP.

Sides alternate within each round, each going first in every other round, so drift on a
shared machine hits both; the ratio is the median of the rounds' ``embedded / direct``
wall times. ``engine_ms_per_task`` is the median of the rounds' ``(embedded - direct)``
per task.

    python benchmarks/engine.py            # 1,000 process runs per side (10,000 calls)
    python benchmarks/engine.py --quick    # 100 per side: a smoke run (< 30 s)

Target (the engine's issue): ``engine_overhead_ratio <= 2.0``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any
from xml.sax.saxutils import quoteattr

from http_overhead import _serve
from pydantic import BaseModel, ConfigDict

from tasklink.core import Completed, Connector, Job, JobInfo, MappingSecretProvider, Operation
from tasklink.engine import ProcessEngine
from tasklink.runtime import Pipeline, RuntimeSettings

TASKS = 10
JOB_TYPE = "tasklink:http:1"
PROCESS_ID = "bench-ten-calls"

#: One process instance on one side; its final process variables.
Side = Callable[[int], Awaitable[dict[str, Any]]]


# -- the process ------------------------------------------------------------------------------


def _url(base: str, task: int) -> str:
    return f"{base}/items/{task}"


def _headers(task: int) -> dict[str, str]:
    """The task headers of task ``task`` (1-based), as a modeler sets them."""
    return {"resultExpression": f"={{status{task}: status, id{task}: body.id}}"}


def process_xml(base: str) -> str:
    """Start, ten service tasks of tasklink-http in a row, end."""
    tasks, flows = [], []
    for task in range(1, TASKS + 1):
        headers = "".join(
            f"<zeebe:header key={quoteattr(k)} value={quoteattr(v)}/>"
            for k, v in _headers(task).items()
        )
        tasks.append(
            f"""
    <bpmn:serviceTask id="call-{task}" name="Call {task}">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="{JOB_TYPE}" retries="3"/>
        <zeebe:ioMapping>
          <zeebe:input source="GET" target="method"/>
          <zeebe:input source={quoteattr(_url(base, task))} target="url"/>
        </zeebe:ioMapping>
        <zeebe:taskHeaders>{headers}</zeebe:taskHeaders>
      </bpmn:extensionElements>
    </bpmn:serviceTask>"""
        )
    steps = ["start", *(f"call-{task}" for task in range(1, TASKS + 1)), "end"]
    for index, (source, target) in enumerate(itertools.pairwise(steps)):
        flows.append(
            f'\n    <bpmn:sequenceFlow id="flow-{index}" sourceRef="{source}" '
            f'targetRef="{target}"/>'
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    xmlns:modeler="http://camunda.org/schema/modeler/1.0"
    id="bench-definitions" targetNamespace="http://bpmn.io/schema/bpmn"
    modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="8.6.0">
  <bpmn:process id="{PROCESS_ID}" isExecutable="true">
    <bpmn:startEvent id="start"/>{"".join(tasks)}
    <bpmn:endEvent id="end"/>{"".join(flows)}
  </bpmn:process>
</bpmn:definitions>
"""


# -- the no-op operation ------------------------------------------------------------------------

#: What the HTTP connector answers for the server's reply (the no-op sides return it).
RESPONSE: dict[str, Any] = {
    "status": 200,
    "reason": "OK",
    "headers": {"content-type": "application/json"},
    "body": {"ok": True, "id": 42, "items": ["a", "b", "c"], "note": "benchmark"},
    "bodyType": "json",
}

noop = Connector(
    id="io.tasklink.bench.engine-noop",
    name="bench-engine-noop",
    title="No-op",
    job_type="tasklink-bench:engine-noop:1",
    description="Answers a fixed HTTP response",
    package="tasklink.runtime",
)


class _AnyInput(BaseModel):
    model_config = ConfigDict(extra="allow")


@noop.operation(name="No-op", description="Return the fixed response")
async def fixed_response(data: _AnyInput) -> Any:
    return dict(RESPONSE)


# -- the sides ----------------------------------------------------------------------------------


def _direct(pipeline: Pipeline, operation: Operation, base: str) -> Side:
    """The ten jobs of one process instance through ``pipeline``, with the engine's
    variables, headers and job metadata."""

    async def one(run: int) -> dict[str, Any]:
        variables: dict[str, Any] = {"orderId": run}
        for task in range(1, TASKS + 1):
            info = JobInfo(
                engine="camunda",
                job_key=f"{run}-{task}",
                job_type=JOB_TYPE,
                process_instance_key=str(run),
                process_definition_id=PROCESS_ID,
                element_id=f"call-{task}",
                element_instance_key=f"{run}-{task}",
                retries=3,
            )
            inputs = {**variables, "method": "GET", "url": _url(base, task)}
            job = Job(inputs, headers=_headers(task), info=info, strict=False)
            outcome = await pipeline.run(operation, job)
            if not isinstance(outcome, Completed):
                raise SystemExit(f"direct: call-{task} did not complete: {outcome}")
            variables.update(outcome.variables)
        return variables

    return one


def _embedded(engine: ProcessEngine, xml: str, mock: dict[str, Any] | None = None) -> Side:
    async def one(run: int) -> dict[str, Any]:
        result = await engine.run(xml, variables={"orderId": run}, clock="virtual", mock=mock)
        if result.state != "completed":
            raise SystemExit(f"embedded: the process did not complete: {result.incident}")
        return result.variables

    return one


async def _timed(side: Side, runs: int, first: int) -> float:
    started = time.perf_counter()
    for run in range(first, first + runs):
        await side(run)
    return time.perf_counter() - started


def _check(direct: dict[str, Any], embedded: dict[str, Any]) -> None:
    """Both sides must leave the same results (the engine may keep more variables)."""
    expected = {f"{k}{t}": v for t in range(1, TASKS + 1) for k, v in (("status", 200), ("id", 42))}
    for name, found in (("direct", direct), ("embedded", embedded)):
        got = {k: found.get(k) for k in expected}
        if got != expected:
            raise SystemExit(f"{name}: unexpected results {got}")


async def _rounds(
    sides: dict[str, Side], runs: int, rounds: int, order: list[str]
) -> dict[str, list[float]]:
    """Seconds per side and round; the two sides of ``order`` swap places every round,
    others run last. Each timed batch follows one untimed process of its side."""
    times: dict[str, list[float]] = {name: [] for name in sides}
    serial = 1_000_000
    for index in range(rounds):
        pair = order if index % 2 == 0 else order[::-1]
        for name in [*pair, *(n for n in sides if n not in order)]:
            await sides[name](0)
            times[name].append(await _timed(sides[name], runs, serial))
            serial += runs
    return times


async def _measure(base: str, runs: int, rounds: int, noop_runs: int) -> dict[str, Any]:
    from tasklink.http import connector as http

    secrets = MappingSecretProvider({})
    direct = Pipeline([http, noop], RuntimeSettings(engine="camunda"), secrets=secrets)
    xml = process_xml(base)
    async with ProcessEngine(secrets=secrets) as engine:
        http_sides: dict[str, Side] = {
            "direct": _direct(direct, http.get_operation(), base),
            "embedded": _embedded(engine, xml),
        }
        noop_sides: dict[str, Side] = {
            "direct": _direct(direct, noop.get_operation(), base),
            "embedded": _embedded(engine, xml, mock={JOB_TYPE: RESPONSE}),
        }
        # Warm-up: imports, the engine's first parse, pooled clients; a check of results.
        for sides in (http_sides, noop_sides):
            _check(await sides["direct"](0), await sides["embedded"](0))
            for side in sides.values():
                await _timed(side, 5, 1)
        times = await _rounds(http_sides, runs, rounds, ["direct", "embedded"])
        noop_times = await _rounds(noop_sides, noop_runs, rounds, ["direct", "embedded"])
    await direct.aclose()
    return {"http": times, "noop": noop_times}


# -- the report ---------------------------------------------------------------------------------


def _ms_per_task(embedded: list[float], direct: list[float], runs: int) -> float:
    return statistics.median(
        (e - d) / (runs * TASKS) * 1000 for e, d in zip(embedded, direct, strict=True)
    )


def _table(title: str, times: dict[str, list[float]], runs: int) -> None:
    print(title)
    print(f"{'side':<32}{'runs':>7}{'seconds':>9}{'ms/process':>12}{'calls/s':>10}")
    for name, seconds in times.items():
        per_process = statistics.median(seconds) / runs * 1000
        print(
            f"{name:<32}{runs * len(seconds):>7}{sum(seconds):>9.2f}"
            f"{per_process:>12.2f}{TASKS / per_process * 1000:>10.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    options = parser.parse_args()
    # 1,000 process runs per side (10,000 calls), or 100 with --quick, in short rounds.
    runs, rounds = (20, 5) if options.quick else (50, 20)
    noop_runs = runs

    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(send,), daemon=True)
    server.start()
    try:
        base = f"http://127.0.0.1:{receive.recv()}"
        print(
            f"{TASKS}-task process (tasklink-http GET each), {runs * rounds} process runs "
            f"per side in {rounds} rounds of {runs}"
        )
        results = asyncio.run(_measure(base, runs, rounds, noop_runs))
    finally:
        server.terminate()
        server.join(5)

    times, noop_times = results["http"], results["noop"]
    ratio = statistics.median(
        e / d for e, d in zip(times["embedded"], times["direct"], strict=True)
    )
    per_task = _ms_per_task(times["embedded"], times["direct"], runs)
    noop_ratio = statistics.median(
        e / d for e, d in zip(noop_times["embedded"], noop_times["direct"], strict=True)
    )
    noop_per_task = _ms_per_task(noop_times["embedded"], noop_times["direct"], noop_runs)
    print()
    _table("HTTP (medians of rounds)", times, runs)
    print(f"{'ratio embedded / direct':<32}{ratio:>10.2f}   (target <= 2.0)")
    print(f"{'engine overhead per task (ms)':<32}{per_task:>10.3f}")
    print()
    _table("no-op operation, informational (medians of rounds)", noop_times, noop_runs)
    print(f"{'ratio embedded / direct':<32}{noop_ratio:>10.2f}")
    print(f"{'engine overhead per task (ms)':<32}{noop_per_task:>10.3f}")
    print(f"METRIC engine_overhead_ratio={ratio:.2f}")
    print(f"METRIC engine_ms_per_task={per_task:.3f}")


if __name__ == "__main__":
    main()
