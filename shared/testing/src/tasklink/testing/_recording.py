"""Shared vcrpy configuration: cassettes never hold credentials.

Scrubbing runs before anything is written: sensitive headers, query parameters and JSON
body fields are replaced with ``***``, and every known secret value is masked wherever it
appears. A recording that would still contain a known secret fails loudly.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tasklink.core import MASK, Redactor

from ._leaks import base64_fragments

__all__ = [
    "SENSITIVE_BODY_FIELDS",
    "SENSITIVE_HEADERS",
    "SENSITIVE_QUERY_PARAMETERS",
    "CassetteSecretError",
    "Scrubber",
    "recording_vcr",
]

SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "x-auth-token",
        "x-amz-security-token",
        "x-alfresco-ticket",
    }
)
SENSITIVE_QUERY_PARAMETERS = frozenset(
    {
        "token",
        "access_token",
        "refresh_token",
        "api_key",
        "apikey",
        "key",
        "client_secret",
        "password",
        "alf_ticket",
        "signature",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
    }
)
SENSITIVE_BODY_FIELDS = frozenset(
    {
        "password",
        "client_secret",
        "access_token",
        "refresh_token",
        "id_token",
        "token",
        "secret",
        "api_key",
        "apikey",
        "authorization",
    }
)


def _as_bytes(body: Any) -> bytes:
    return body if isinstance(body, bytes) else str(body).encode("utf-8", "surrogateescape")


class CassetteSecretError(AssertionError):
    """A recording still contains a known secret after scrubbing."""


def _read_all(body: Any) -> bytes:
    """The content of a file-like request body, leaving it where it was for the sender."""
    if hasattr(body, "getvalue"):
        return bytes(body.getvalue())
    start = body.tell()
    content = body.read()
    body.seek(start)
    return content if isinstance(content, bytes) else str(content).encode("utf-8")


def _scrub_json(data: Any) -> Any:
    if isinstance(data, dict):
        return {
            k: (MASK if str(k).lower() in SENSITIVE_BODY_FIELDS else _scrub_json(v))
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [_scrub_json(v) for v in data]
    return data


class Scrubber:
    """Scrubs vcrpy requests and responses; used by :func:`recording_vcr`.

    Known secrets are masked wherever they appear in plain, URL-encoded or JSON-escaped
    form. A secret that survives in another encoding (base64 inside a custom header, say)
    cannot be masked reliably, so the recording fails instead.
    """

    def __init__(self, known_secrets: Iterable[str] = ()) -> None:
        secrets = [s for s in known_secrets if s]
        self.redactor = Redactor(secrets)
        self.known = secrets + [f for s in secrets for f in base64_fragments(s)]

    def _text(self, text: str) -> str:
        return self.redactor.redact(text)

    def _body(self, body: Any) -> Any:
        if body is None:
            return None
        raw = body.decode("utf-8", "surrogateescape") if isinstance(body, bytes) else str(body)
        try:
            scrubbed = json.dumps(_scrub_json(json.loads(raw)))
        except ValueError:
            pairs = parse_qsl(raw, keep_blank_values=True) if "=" in raw and " " not in raw else []
            if pairs:
                scrubbed = urlencode(
                    [(k, MASK if k.lower() in SENSITIVE_BODY_FIELDS else v) for k, v in pairs]
                )
            else:
                scrubbed = raw
        scrubbed = self._text(scrubbed)
        self._assert_clean(scrubbed, "body")
        return scrubbed.encode("utf-8", "surrogateescape") if isinstance(body, bytes) else scrubbed

    def _url(self, uri: str) -> str:
        parts = urlsplit(uri)
        query = urlencode(
            [
                (k, MASK if k.lower() in SENSITIVE_QUERY_PARAMETERS else v)
                for k, v in parse_qsl(parts.query, keep_blank_values=True)
            ]
        )
        netloc = parts.netloc
        if "@" in netloc:  # user:password@host
            netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
        return self._text(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))

    def _assert_clean(self, text: str, where: str) -> None:
        for secret in self.known:
            if secret in text:
                raise CassetteSecretError(
                    f"a known secret is still present in the recorded {where}; "
                    "scrub it before recording"
                )

    def request(self, request: Any) -> Any:
        """vcrpy ``before_record_request`` hook."""
        if request.body is not None and not isinstance(request.body, bytes | str):
            # A file-like body (an SDK's part reader): vcrpy would record the file object
            # itself; the cassette keeps its content.
            from vcr.request import Request

            request = Request(request.method, request.uri, _read_all(request.body), request.headers)
        request.uri = self._url(request.uri)
        for name in list(request.headers):
            if name.lower() in SENSITIVE_HEADERS:
                request.headers[name] = MASK
            else:
                request.headers[name] = self._text(str(request.headers[name]))
        request.body = self._body(request.body)
        if request.body is not None:
            # The length of the scrubbed body: the original one tells a secret's length.
            for name in list(request.headers):
                if name.lower() == "content-length":
                    request.headers[name] = str(len(_as_bytes(request.body)))
        self._assert_clean(request.uri + json.dumps(dict(request.headers)), "request")
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        """vcrpy ``before_record_response`` hook."""
        headers = response.get("headers", {})
        for name in list(headers):
            values = headers[name] if isinstance(headers[name], list) else [headers[name]]
            if name.lower() in SENSITIVE_HEADERS:
                headers[name] = [MASK for _ in values]
            else:
                headers[name] = [self._text(str(v)) for v in values]
        body = response.get("body", {})
        if isinstance(body, dict) and body.get("string") is not None:
            original = body["string"]
            body["string"] = self._body(original)
            # Masking changes the body's length: keep the recorded header true to it (a
            # body left as it was keeps its header: a HEAD answer's is the entity's).
            if _as_bytes(body["string"]) != _as_bytes(original):
                for name in headers:
                    if name.lower() == "content-length":
                        headers[name] = [str(len(_as_bytes(body["string"])))]
        self._assert_clean(json.dumps(headers), "response headers")
        return response


def recording_vcr(
    cassette_dir: str | os.PathLike[str],
    *,
    known_secrets: Iterable[str] = (),
    record_mode: str | None = None,
    **options: Any,
) -> Any:
    """A ``vcr.VCR`` that scrubs credentials and refuses to record known secrets.

    Cassettes replay only (``record_mode="none"``) unless ``TASKLINK_RECORD=1`` is set,
    so CI never reaches the network. Matching is on method, scheme, host, port, path,
    query and body.
    """
    import vcr

    scrubber = Scrubber(known_secrets)
    mode = record_mode or ("new_episodes" if os.environ.get("TASKLINK_RECORD") == "1" else "none")
    return vcr.VCR(
        cassette_library_dir=str(Path(cassette_dir)),
        record_mode=mode,
        match_on=["method", "scheme", "host", "port", "path", "query", "body"],
        before_record_request=scrubber.request,
        before_record_response=scrubber.response,
        decode_compressed_response=True,
        **options,
    )
