"""A GraphQL server for the tests, on a loopback port: graphql-core (the Python port of the
reference implementation, graphql-js) parses, validates and executes; a small
``http.server`` app speaks GraphQL over HTTP (the specification's draft of 2025).

Transport, as the specification says:

* ``POST`` with an ``application/json`` body ``{query, variables, operationName}``
  (another content type: 415); ``GET`` with the same as query parameters, variables as
  JSON text; a mutation over GET: 405 with ``Allow: POST``;
* a client that accepts ``application/graphql-response+json`` gets that type, and a 400
  for a request that cannot run (unparsable, invalid, unknown operation); one that asks
  for ``application/json`` only gets 200 with the errors (the legacy behaviour);
* execution errors come back as 200 with ``errors`` beside the partial ``data``.

Routes: ``/graphql`` (open; the field ``me`` needs credentials), ``/private/graphql`` (a
401 with ``WWW-Authenticate`` without credentials), ``/html`` (a web page, not GraphQL),
``/moved`` (a 301 to ``/graphql``), ``/unavailable`` (a 503 with ``Retry-After``),
``/not-json`` (200 with JSON that is not a GraphQL response).

Credentials: ``Authorization: Bearer`` with a token of ``tokens`` (or of any set in
``token_sources``: an OAuth test server's issued tokens), ``Authorization: Basic`` with a
pair of ``users``, or a key of ``api_keys`` as ``X-API-Key`` or the query parameter
``api_key``.

The schema: ``hello``, ``order(id)``, ``orders(status)``, ``me``, ``flaky`` (always an
error, so a query that asks for it gets partial data), ``blob(size)`` (a string of
``size`` bytes: large responses), ``slow(seconds)`` (answers late), ``header(name)`` (a
request header as the server got it), ``clientCertificate`` (the common name of a TLS
client certificate); mutations ``createOrder(input)``,
``cancelOrder(id)``; a subscription ``orderUpdated`` (which this server never streams).
Every request is kept in ``requests``.
"""

from __future__ import annotations

import base64
import binascii
import json
import ssl
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from graphql import (
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    build_schema,
    execute,
    get_operation_ast,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

__all__ = ["API_KEY", "PASSWORD", "TOKEN", "USER", "GraphqlServer", "start"]

SDL = """
type Order {
  id: ID!
  status: String!
  total: Float!
  customer: String!
}

type User {
  name: String!
  scheme: String!
}

input OrderInput {
  customer: String!
  total: Float!
}

type Query {
  hello(name: String = "world"): String!
  order(id: ID!): Order
  orders(status: String): [Order!]!
  me: User!
  flaky: String
  blob(size: Int!): String!
  slow(seconds: Float!): String!
  header(name: String!): String
  clientCertificate: String
}

type Mutation {
  createOrder(input: OrderInput!): Order!
  cancelOrder(id: ID!): Order!
}

type Subscription {
  orderUpdated: Order
}
"""

#: The credentials a started server accepts (``start``); tests add others.
TOKEN = "graphql-test-token-7f3a"
USER, PASSWORD = "ada", "graphql-password-51c"
API_KEY = "graphql-api-key-90de"

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


@dataclass
class Seen:
    """One request as the server got it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class Caller:
    """Who sent the request, and the request's headers (for the resolvers)."""

    user: str | None
    scheme: str | None
    headers: dict[str, str] = field(default_factory=dict)
    certificate: str | None = None  # the common name of a TLS client certificate


class _Root:
    """The resolvers: graphql-core's default resolver reads the root value's attributes and
    calls them with ``(info, **arguments)``."""

    def __init__(self, server: GraphqlServer, caller: Caller) -> None:
        self.server = server
        self.caller = caller

    def hello(self, info: Any, name: str) -> str:
        return f"Hello {name}"

    def order(self, info: Any, id: str) -> dict[str, Any] | None:
        return self.server.orders.get(id)

    def orders(self, info: Any, status: str | None = None) -> list[dict[str, Any]]:
        found = self.server.orders.values()
        return [o for o in found if status is None or o["status"] == status]

    def me(self, info: Any) -> dict[str, Any]:
        if self.caller.user is None:
            raise GraphQLError("Not authenticated", extensions={"code": "UNAUTHENTICATED"})
        return {"name": self.caller.user, "scheme": self.caller.scheme}

    def flaky(self, info: Any) -> str:
        raise GraphQLError("The flaky service is down", extensions={"code": "UNAVAILABLE"})

    def blob(self, info: Any, size: int) -> str:
        return "x" * size

    def slow(self, info: Any, seconds: float) -> str:
        time.sleep(seconds)
        return "finally"

    def header(self, info: Any, name: str) -> str | None:
        return self.caller.headers.get(name.lower())

    def clientCertificate(self, info: Any) -> str | None:
        return self.caller.certificate

    def createOrder(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        with self.server.lock:
            order_id = str(len(self.server.orders) + 1)
            order = {"id": order_id, "status": "new", **input}
            self.server.orders[order_id] = order
        return order

    def cancelOrder(self, info: Any, id: str) -> dict[str, Any]:
        order = self.server.orders.get(id)
        if order is None:
            raise GraphQLError(f"No order {id}", extensions={"code": "NOT_FOUND"})
        order["status"] = "cancelled"
        return order


class GraphqlServer(ThreadingHTTPServer):
    """The server; ``url`` is where ``/graphql`` and the other routes are."""

    daemon_threads = True
    allow_reuse_address = True
    server_address: tuple[str, int]

    def __init__(self, address: tuple[str, int], tls: ssl.SSLContext | None = None) -> None:
        super().__init__(address, _Handler)
        self.tls = tls
        self.schema: GraphQLSchema = build_schema(SDL)
        self.lock = threading.Lock()
        self.tokens: set[str] = set()
        self.token_sources: list[Iterable[str]] = []
        self.users: dict[str, str] = {}
        self.api_keys: set[str] = set()
        self.requests: list[Seen] = []
        self.orders: dict[str, dict[str, Any]] = {}
        self.reset()

    def reset(self) -> None:
        """The orders every test starts with, and no requests seen."""
        with self.lock:
            self.requests.clear()
            self.orders.clear()
            self.orders.update(
                {
                    "1": {"id": "1", "status": "shipped", "total": 99.5, "customer": "Ada"},
                    "2": {"id": "2", "status": "new", "total": 12.0, "customer": "Grace"},
                }
            )

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or stop reading close the socket: expected in these tests.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError | TimeoutError):
            super().handle_error(request, client_address)

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True)
        return sock, address

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        if self.tls is not None:
            return f"https://localhost:{port}"
        return f"http://{host}:{port}"

    def caller(self, headers: dict[str, str], query: dict[str, str]) -> Caller:
        """Who the credentials of ``headers`` (lower-case names) or of the query parameter
        ``api_key`` belong to, if anyone."""
        authorization = headers.get("authorization", "")
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() == "bearer":
            accepted = set(self.tokens)
            for source in self.token_sources:
                accepted |= set(source)
            if credentials.strip() in accepted:
                return Caller("token holder", "bearer", headers)
        elif scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(credentials).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user, password = "", ""
            if user and self.users.get(user) == password:
                return Caller(user, "basic", headers)
        key = headers.get("x-api-key", query.get("api_key"))
        if key is not None and key in self.api_keys:
            return Caller("key holder", "api key", headers)
        return Caller(None, None, headers)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: GraphqlServer

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    # -- answering -------------------------------------------------------------------------

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Served-By", "graphql-test-server")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _answer(self, status: int, result: dict[str, Any], media: str, **extra: str) -> None:
        body = json.dumps(result).encode()
        self._send(status, body, f"{media}; charset=utf-8", extra)

    def _request_error(self, media: str, message: str, status: int = 400, **extra: str) -> None:
        """A request that cannot run: 4xx for the GraphQL response type, 200 for JSON."""
        shown = status if media == GRAPHQL_RESPONSE or status in (405, 415) else 200
        self._answer(shown, {"errors": [{"message": message}]}, media, **extra)

    # -- the routes ------------------------------------------------------------------------

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        with self.server.lock:
            self.server.requests.append(
                Seen(method, parts.path, parse_qs(parts.query), dict(headers), body)
            )
        route = parts.path
        if route == "/html":
            self._send(200, b"<!doctype html><h1>Welcome</h1>", "text/html; charset=utf-8")
        elif route == "/moved":
            self._send(301, b"", "text/plain", {"Location": "/graphql"})
        elif route == "/unavailable":
            self._send(503, b"down for maintenance", "text/plain", {"Retry-After": "7"})
        elif route == "/not-json":
            self._send(200, b'{"result": 42}', JSON)
        elif route in ("/graphql", "/private/graphql"):
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            caller = self.server.caller(headers, query)
            caller.certificate = _common_name(self.connection)
            if route == "/private/graphql" and caller.user is None:
                self._answer(
                    401,
                    {"errors": [{"message": "Authentication required"}]},
                    JSON,
                    **{"WWW-Authenticate": 'Bearer realm="graphql"'},
                )
                return
            self._graphql(method, parts.query, headers, body, caller)
        else:
            self._send(404, b"no such route", "text/plain")

    def _graphql(
        self, method: str, query_string: str, headers: dict[str, str], body: bytes, caller: Caller
    ) -> None:
        accept = headers.get("accept", "")
        media = GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accept else JSON
        if method == "GET":
            params = {k: v[-1] for k, v in parse_qs(query_string).items()}
            try:
                variables = json.loads(params["variables"]) if "variables" in params else None
            except ValueError:
                self._request_error(media, "variables is not JSON")
                return
            request: Any = {
                "query": params.get("query"),
                "variables": variables,
                "operationName": params.get("operationName"),
            }
        elif method == "POST":
            kind = headers.get("content-type", "").split(";")[0].strip().lower()
            if kind != JSON:
                self._request_error(media, f"unsupported content type {kind!r}", 415)
                return
            try:
                request = json.loads(body)
            except ValueError:
                self._request_error(media, "the body is not JSON")
                return
        else:
            self._request_error(media, "only GET and POST", 405, Allow="GET, POST")
            return
        if not isinstance(request, dict) or not isinstance(request.get("query"), str):
            self._request_error(media, "query is required")
            return
        variables = request.get("variables")
        if variables is not None and not isinstance(variables, dict):
            self._request_error(media, "variables must be an object")
            return
        try:
            document = parse(request["query"])
        except GraphQLError as error:
            self._request_error(media, error.message)
            return
        problems = validate(self.server.schema, document)
        if problems:
            shown = 400 if media == GRAPHQL_RESPONSE else 200
            self._answer(shown, {"errors": [e.formatted for e in problems]}, media)
            return
        name = request.get("operationName")
        operation: OperationDefinitionNode | None = get_operation_ast(document, name)
        if operation is None:
            self._request_error(media, f"no operation {name!r} to run")
            return
        if method == "GET" and operation.operation != OperationType.QUERY:
            self._request_error(media, "only queries over GET", 405, Allow="POST")
            return
        if operation.operation == OperationType.SUBSCRIPTION:
            self._request_error(media, "subscriptions are not served over HTTP here")
            return
        coerced = get_variable_values(
            self.server.schema, operation.variable_definitions or (), variables or {}
        )
        if isinstance(coerced, list):  # bad variable values: the request cannot run
            shown = 400 if media == GRAPHQL_RESPONSE else 200
            self._answer(shown, {"errors": [e.formatted for e in coerced]}, media)
            return
        result = execute(
            self.server.schema,
            document,
            root_value=_Root(self.server, caller),
            variable_values=variables,
            operation_name=name,
        )
        if not hasattr(result, "formatted"):  # an awaitable: no resolver here is async
            raise TypeError("an async result")
        formatted = dict(result.formatted)
        formatted["extensions"] = {"server": "graphql-core"}
        # Errors during execution: 200 with the partial data, whatever the media type.
        self._answer(200, formatted, media)


def _common_name(connection: Any) -> str | None:
    """The common name of the client certificate a TLS connection presented, if any."""
    if not isinstance(connection, ssl.SSLSocket):
        return None
    subject: Any = (connection.getpeercert() or {}).get("subject", ())
    for entry in subject:  # ((("commonName", "name"),), ...)
        for key, value in entry:
            if key == "commonName":
                return str(value)
    return None


def start(tls: ssl.SSLContext | None = None, port: int = 0) -> GraphqlServer:
    """A server on a loopback port (a free one by default) accepting :data:`TOKEN`,
    :data:`USER` with :data:`PASSWORD` and :data:`API_KEY`, serving in a daemon thread
    until ``shutdown()``."""
    server = GraphqlServer(("127.0.0.1", port), tls)
    server.tokens.add(TOKEN)
    server.users[USER] = PASSWORD
    server.api_keys.add(API_KEY)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


if __name__ == "__main__":  # python tests/support/graphql_server.py [PORT]
    import sys

    running = start(port=int(sys.argv[1]) if len(sys.argv) > 1 else 4000)
    print(f"GraphQL test server on {running.url}/graphql (bearer token {TOKEN})")
    threading.Event().wait()
