"""End-to-end Activiti throughput: tasklink's runtime beside a bare aio-pika loop.

Both consumers run as their own process against the same RabbitMQ (127.0.0.1:5672), read
the same pre-loaded integration requests with the same prefetch, publish each reply with
publisher confirms and acknowledge the request afterwards. The bare loop does nothing
else (the practical limit); the runtime runs a no-op connector through the whole pipeline
while serving every connector installed in the environment. The benchmark measures
requests per second from the first reply to the last, and the runtime's peak RSS.

Several short rounds alternate between the two sides (the order flips every round) and
the headline is the median of the rounds' ratios: each round's two runs are back to back,
so their ratio cancels the machine's speed at that moment, and a burst of load from
another process spoils a round or two, not the median (as ``core_overhead.py`` and
``http_overhead.py`` do). One pass per side swung from 0.52 to 0.88 between runs of the
same code; the median of 9 rounds stays within +/- 0.05.

    python benchmarks/activiti_throughput.py [--quick] [--requests N] [--rounds R]
        [--concurrency C]

Prints a table, then ``METRIC activiti_throughput_ratio=...`` (wall clock),
``METRIC activiti_cpu_ratio=...`` (the same from each consumer's CPU time per request,
steadier where other processes share the cores), ``METRIC activiti_requests_per_s=...``
and ``METRIC runtime_rss_mb=...``.
``measure`` and ``Workload`` are shared with ``scale_out.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasklink.core import Connector, InputModel

URL = "amqp://guest:guest@127.0.0.1:5672/"
HERE = Path(__file__).resolve().parent

# The no-op connector the runtime serves (loaded with --load activiti_throughput:noop).
noop = Connector(
    id="io.tasklink.benchmark.noop",
    name="bench-noop",
    title="Benchmark no-op",
    job_type="tasklink-benchmark:noop:1",
    description="Returns an empty object",
    package="activiti_throughput",
    icon=None,
)


class NoInput(InputModel):
    pass


@noop.operation(name="No-op", description="Return an empty object")
async def nothing(input: NoInput) -> dict[str, Any]:
    return {}


DESTINATION = "bench-noop.NOTHING"


@dataclass(frozen=True)
class Workload:
    """What the runtime serves and the requests it gets."""

    name: str
    connector_type: str  # the request's connectorType: <connector name>.<ACTION>
    runtime_args: tuple[str, ...]  # how ``tasklink run`` is told to serve it
    served: tuple[str, ...] = ()  # the destinations it declares (for the clean-up)
    variables: Mapping[str, Any] | None = None  # inBoundVariables (default: an order)
    env: Mapping[str, str] = field(default_factory=dict)  # extra environment of the runtime


#: The no-op connector of this file, with every installed connector served beside it.
NOOP = Workload("no-op", DESTINATION, ("--load", "activiti_throughput:noop"))


def request(
    index: int,
    result_destination: str,
    connector_type: str = DESTINATION,
    variables: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An integration request as Activiti Cloud's runtime bundle sends it."""
    return {
        "appName": "bench-app",
        "appVersion": "1",
        "serviceName": "bench-rb",
        "serviceFullName": "bench-rb",
        "serviceType": "runtime-bundle",
        "serviceVersion": "",
        "resultDestination": result_destination,
        "errorDestination": result_destination,
        "integrationContext": {
            "id": f"ctx-{index}",
            "processInstanceId": str(uuid.uuid4()),
            "rootProcessInstanceId": str(uuid.uuid4()),
            "executionId": str(uuid.uuid4()),
            "processDefinitionId": "Process_bench:1:x",
            "processDefinitionKey": "Process_bench",
            "processDefinitionVersion": 1,
            "businessKey": f"order-{index}",
            "clientId": "ServiceTask_1",
            "clientType": "ServiceTask",
            "appVersion": "1",
            "connectorType": connector_type,
            "inBoundVariables": dict(variables)
            if variables is not None
            else {
                "orderId": {"type": "string", "value": f"order-{index}"},
                "amount": {"type": "double", "value": "12.5"},
                "customer": "ACME",
            },
            "outBoundVariables": {},
        },
    }


# -- the bare loop (a subprocess) ---------------------------------------------------------


async def bare_worker(url: str, queue_name: str, concurrency: int) -> None:
    """Consume requests, publish a confirmed reply to the request's resultDestination,
    then acknowledge: what the runtime does, minus the pipeline. It uses the same
    protocol-level calls as the runtime (publish and ack without waiting for the socket
    write), so the ratio measures the pipeline, not aio-pika's convenience layer."""
    import aio_pika
    import aiormq

    connection = await aio_pika.connect_robust(url)
    publish = await connection.channel(publisher_confirms=True, on_return_raises=True)
    consume = await connection.channel(publisher_confirms=False)
    await consume.set_qos(prefetch_count=concurrency, global_=True)
    queue = await consume.declare_queue(queue_name, durable=True)
    declared: set[str] = set()
    tasks: set[asyncio.Task[None]] = set()

    async def handle(message: Any) -> None:
        document = json.loads(message.body)
        context = dict(document["integrationContext"])
        context["inBoundVariables"] = {}
        context["outBoundVariables"] = {}
        body = json.dumps(
            {"integrationRequest": document, "integrationContext": context},
            separators=(",", ":"),
        ).encode()
        destination = document["resultDestination"]
        if destination not in declared:
            await publish.declare_exchange(destination, aio_pika.ExchangeType.TOPIC, durable=True)
            declared.add(destination)
        channel = await publish.get_underlay_channel()
        await channel.basic_publish(
            body,
            exchange=destination,
            routing_key=destination,
            properties=aiormq.spec.Basic.Properties(
                content_type="application/json", delivery_mode=2
            ),
            mandatory=True,
            wait=False,
        )
        await message.channel.basic_ack(message.delivery_tag, wait=False)

    async def on_message(message: Any) -> None:
        task = asyncio.get_running_loop().create_task(handle(message))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    await queue.consume(on_message)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await stop.wait()
    await connection.close()


# -- the driver -----------------------------------------------------------------------------

SCRIPT = str(Path(__file__).resolve())


async def preload(
    channel: Any, exchange_name: str, queue_name: str, documents: list[bytes]
) -> None:
    import aio_pika

    exchange = await channel.declare_exchange(
        exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
    )
    queue = await channel.declare_queue(queue_name, durable=True)
    await queue.bind(exchange, "#")
    for start in range(0, len(documents), 500):
        await asyncio.gather(
            *(
                exchange.publish(
                    aio_pika.Message(
                        body,
                        content_type="application/json",
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    ),
                    exchange_name,
                )
                for body in documents[start : start + 500]
            )
        )


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def wait_ready(port: int, process: Any) -> None:
    """Until the runtime's ``/health`` answers 200 (with ``--processes N``: every worker
    consumes)."""
    while True:
        if process.returncode is not None:
            raise SystemExit(f"the runtime exited with {process.returncode} before it was ready")
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            await writer.drain()
            answer = await reader.read()
            writer.close()
            if answer.startswith(b"HTTP/1.1 200"):
                return
        except OSError:
            pass
        await asyncio.sleep(0.01)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def consumer_command(
    mode: str,
    *,
    url: str,
    prefix: str,
    queue: str,
    concurrency: int,
    workload: Workload,
    processes: int,
    port: int,
) -> list[str]:
    """The bare loop, or ``tasklink run`` serving ``workload`` with /health on ``port``."""
    if mode == "bare":
        return [
            sys.executable, SCRIPT, "--bare-worker",
            "--queue", queue, "--concurrency", str(concurrency), "--url", url,
        ]  # fmt: skip
    return [
        sys.executable, "-m", "tasklink.runtime", "run", "--engine", "activiti",
        *workload.runtime_args, "--concurrency", str(concurrency),
        "--processes", str(processes), "--metrics-port", str(port),
        "--destination-prefix", f"{prefix}-{mode}", "--amqp-url", url,
        "--log-level", "WARNING", "--grace-period", "5",
    ]  # fmt: skip


async def measure(
    mode: str,
    url: str,
    prefix: str,
    requests: int,
    concurrency: int,
    *,
    workload: Workload = NOOP,
    processes: int = 1,
    from_ready: bool = False,
) -> dict[str, float]:
    """One run of one side (``bare`` or ``tasklink``): requests per second from the first
    reply to the last, or with ``from_ready`` from the moment the runtime's ``/health``
    said every worker consumes (the workers of ``--processes N`` start one after the
    other: only the window in which all of them run counts)."""
    import aio_pika

    result_destination = f"integrationResult_{prefix}-{mode}"
    request_exchange = f"{prefix}-{mode}_{workload.connector_type}"
    request_queue = f"{request_exchange}.tasklink"
    connection = await aio_pika.connect(url)
    channel = await connection.channel(publisher_confirms=True)
    results_exchange = await channel.declare_exchange(
        result_destination, aio_pika.ExchangeType.TOPIC, durable=True
    )
    results = await channel.declare_queue(f"{result_destination}.bench", durable=True)
    await results.bind(results_exchange, "#")
    await channel.set_qos(prefetch_count=1000)
    await preload(
        channel,
        request_exchange,
        request_queue,
        [
            json.dumps(
                request(i, result_destination, workload.connector_type, workload.variables)
            ).encode()
            for i in range(requests)
        ],
    )

    stamps: list[float] = []
    errors: list[str] = []
    cpu: list[float] = []
    done = asyncio.Event()

    async def on_result(message: Any) -> None:
        stamps.append(time.perf_counter())
        if len(errors) < 3 and b'"errorCode"' in message.body:
            errors.append(message.body[:300].decode(errors="replace"))
        if len(stamps) == 1:
            cpu.append(cpu_seconds(process.pid))
        if len(stamps) >= requests:
            cpu.append(cpu_seconds(process.pid))
            done.set()

    env = {**os.environ, **workload.env}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    port = free_port()
    command = consumer_command(
        mode,
        url=url,
        prefix=prefix,
        queue=request_queue,
        concurrency=concurrency,
        workload=workload,
        processes=processes,
        port=port,
    )
    process = await asyncio.create_subprocess_exec(*command, env=env)
    tag = await results.consume(on_result, no_ack=True)
    rss, ready_at = float("nan"), None
    try:
        if from_ready and mode == "tasklink":
            await asyncio.wait_for(wait_ready(port, process), 120)
            ready_at = time.perf_counter()
        await asyncio.wait_for(done.wait(), timeout=max(120, requests / 50))
        if mode == "tasklink":
            rss = peak_rss_mb(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
        await results.cancel(tag)
        await cleanup(
            channel,
            mode=mode,
            prefix=prefix,
            exchange=request_exchange,
            queue=request_queue,
            results=result_destination,
            served=workload.served,
        )
        await connection.close()
    if errors:
        raise SystemExit(f"{workload.name}: the runtime answered with errors: {errors}")
    row = window(stamps, ready_at, requests, workload.name)
    # CPU of the supervisor alone under --processes N: shown for one process only.
    cpu_us = (cpu[1] - cpu[0]) / (requests - 1) * 1e6 if processes == 1 else float("nan")
    return {**row, "rss": rss, "cpu_us": cpu_us}


def window(
    stamps: list[float], ready_at: float | None, requests: int, name: str
) -> dict[str, float]:
    """Replies per second from the first reply (or from ``ready_at``) to the last."""
    start = stamps[0] if ready_at is None else max(ready_at, stamps[0])
    counted = sum(1 for stamp in stamps if stamp > start)
    if counted < requests // 4:
        raise SystemExit(
            f"{name}: only {counted} of {requests} replies came after every worker "
            "was ready; send more requests per round (--requests)"
        )
    elapsed = stamps[-1] - start
    return {"requests": requests, "seconds": elapsed, "rate": counted / elapsed}


async def cleanup(
    channel: Any,
    *,
    mode: str,
    prefix: str,
    exchange: str,
    queue: str,
    results: str,
    served: tuple[str, ...] = (),
) -> None:
    """Delete what this run declared, including the runtime's queues for every
    installed connector (and those of ``served``)."""
    names = {(exchange, queue)}
    if mode == "tasklink":
        from tasklink.core import discover

        qualified = set(served)
        for found in discover().connectors:
            for operation in found.connector.operations.values():
                qualified.add(operation.qualified_name)
        for name in (f"{prefix}-{mode}_{q}" for q in qualified):
            names.add((name, f"{name}.tasklink"))
    for exchange_name, queue_name in names:
        await channel.queue_delete(queue_name)
        await channel.queue_delete(queue_name + ".dlq")
        await channel.exchange_delete(exchange_name)
    await channel.queue_delete(f"{results}.bench")
    await channel.exchange_delete(results)


async def main(args: argparse.Namespace) -> None:
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    requests = args.requests or (2500 if args.quick else 5000)
    rounds = args.rounds or (9 if args.quick else 21)
    for mode in ("bare", "tasklink"):  # warm-up: the broker's and the disk's caches
        await measure(mode, args.url, prefix, 300, args.concurrency)
    rows: dict[str, list[dict[str, float]]] = {"bare": [], "tasklink": []}
    for index in range(rounds):
        # Back to back, the order flipped every round, so drift hits both sides alike.
        order = ("bare", "tasklink") if index % 2 == 0 else ("tasklink", "bare")
        for mode in order:
            rows[mode].append(await measure(mode, args.url, prefix, requests, args.concurrency))
    ratios = [t["rate"] / b["rate"] for t, b in zip(rows["tasklink"], rows["bare"], strict=True)]
    ratio = statistics.median(ratios)
    # The same per round in CPU time per request of each consumer process: what one core
    # allows, untouched by the moments another process had the core (steadier on a shared
    # machine, as core_overhead.py times its loops).
    cpu_ratios = [
        b["cpu_us"] / t["cpu_us"] for t, b in zip(rows["tasklink"], rows["bare"], strict=True)
    ]
    cpu_ratio = statistics.median(cpu_ratios)
    median = {
        mode: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        for mode, runs in rows.items()
    }
    print()
    print(
        f"Activiti throughput: {requests} requests per run, prefetch {args.concurrency}, "
        f"publisher confirms, median of {rounds} interleaved rounds"
    )
    print(f"{'consumer':<28}{'requests/s':>12}{'seconds':>10}{'CPU us/req':>12}{'peak RSS MB':>14}")
    for mode, label in (("bare", "bare aio-pika loop"), ("tasklink", "tasklink runtime (no-op)")):
        row = median[mode]
        rss = "" if mode == "bare" else f"{row['rss']:.1f}"
        print(
            f"{label:<28}{row['rate']:>12.0f}{row['seconds']:>10.2f}{row['cpu_us']:>12.0f}{rss:>14}"
        )
    print(
        f"{'ratio tasklink / bare':<28}{ratio:>12.2f}   (rounds: "
        f"{', '.join(f'{r:.2f}' for r in ratios)})"
    )
    print(
        f"{'CPU ratio bare / tasklink':<28}{cpu_ratio:>12.2f}   (rounds: "
        f"{', '.join(f'{r:.2f}' for r in cpu_ratios)})"
    )
    print()
    print(f"METRIC activiti_throughput_ratio={ratio:.3f}")
    print(f"METRIC activiti_cpu_ratio={cpu_ratio:.3f}")
    print(f"METRIC activiti_requests_per_s={median['tasklink']['rate']:.0f}")
    print(f"METRIC runtime_rss_mb={max(r['rss'] for r in rows['tasklink']):.1f}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (under 30 s)")
    parser.add_argument("--requests", type=int, help="requests per run")
    parser.add_argument("--rounds", type=int, help="interleaved rounds per side")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=256,
        help="prefetch = concurrency of both consumers; persistent messages with confirms "
        "are bound by the broker's disk flushes, so more in flight means more per second",
    )
    parser.add_argument("--url", default=URL, help="RabbitMQ URL")
    parser.add_argument("--bare-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--queue", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.bare_worker:
        asyncio.run(bare_worker(arguments.url, arguments.queue, arguments.concurrency))
    else:
        asyncio.run(main(arguments))
