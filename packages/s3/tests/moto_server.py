"""moto in server mode: a real S3 API process on a free loopback port, for tests.

Importable on its own (only the standard library at import time; ``moto[server]``
installed in the environment)::

    from moto_server import start_moto_server

    server = start_moto_server()
    try:
        ...  # boto3 with endpoint_url=server.url, any access key, region us-east-1
    finally:
        server.stop()

The package's conftest.py wraps it as the session fixture ``moto_server`` (yielding the
URL); other test folders put this folder on ``sys.path`` and import it.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

__all__ = ["ACCESS_KEY", "SECRET_KEY", "MotoServer", "start_moto_server"]

#: Credentials moto accepts (it checks none); recognisable in a leak check.
ACCESS_KEY = "AKIAMOTOTESTKEY00001"
SECRET_KEY = "moto-test-secret-key-0000000000000000001"


@dataclass
class MotoServer:
    """A running ``python -m moto.server`` process; :meth:`stop` ends it."""

    url: str
    port: int
    process: subprocess.Popen[bytes] = field(repr=False)

    def stop(self) -> None:
        """Terminate the process (kill it after 5 s) and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def reset(self) -> None:
        """Forget every bucket and object (moto's reset endpoint)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_moto_server(timeout: float = 30.0, *, tls: tuple[str, str] | None = None) -> MotoServer:
    """Start moto's server on a free port of 127.0.0.1 and wait until it answers.

    ``tls``: the files of a certificate chain and its key, to serve HTTPS with. Raises
    ``RuntimeError`` with the process's output if it does not come up within ``timeout``
    seconds.
    """
    port = _free_port()
    environment = dict(os.environ)
    # No proxy for loopback, no credentials of the machine, nothing written home.
    environment.update({"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"})
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    if tls is not None:
        command += ["--ssl-cert", tls[0], "--ssl-key", tls[1]]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment
    )
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    server = MotoServer(url, port, process)
    deadline = time.monotonic() + timeout
    # Whether it is up, not whom it trusts: the probe accepts any certificate.
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    probe.check_hostname = False
    probe.verify_mode = ssl.CERT_NONE
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=probe)
    )
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"moto server exited with {process.returncode}: {error[-2000:]}")
        try:
            with opener.open(f"{url}/moto-api/", timeout=1):
                if process.stderr is not None:
                    # Keep reading its log so a full pipe never blocks it.
                    _drain(process)
                return server
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"moto server did not answer on {url} within {timeout} s")


def _drain(process: subprocess.Popen[bytes]) -> None:
    import threading

    stream = process.stderr
    if stream is None:
        return

    def read() -> None:
        for _ in stream:
            pass

    threading.Thread(target=read, name="moto-server-log", daemon=True).start()
