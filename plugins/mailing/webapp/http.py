"""The little HTTP the web application needs: a parsed request and a response, on plain WSGI."""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass, field
from urllib.parse import parse_qs

MAX_BODY = 64 * 1024  # forms here are tiny; anything bigger is refused
STATUS_TEXT = {
    200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    413: "Payload Too Large", 415: "Unsupported Media Type", 500: "Internal Server Error",
}
# No cookies, no caching, no indexing, no referrer leaking the token, nothing from another host.
SECURITY_HEADERS = [
    ("Cache-Control", "no-store"),
    ("X-Robots-Tag", "noindex, nofollow"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
]


class BadRequest(Exception):
    """The request cannot be understood; `status` says how to answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _first(values: dict[str, list[str]]) -> dict[str, str]:
    return {key: items[0] for key, items in values.items() if items}


def _multipart(body: bytes, content_type: str) -> dict[str, str]:
    """Fields of a multipart/form-data body (RFC 7578), parsed by the email package."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise BadRequest("malformed multipart/form-data body")
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name and name not in fields:
            payload = part.get_payload(decode=True) or b""
            fields[name] = payload.decode(part.get_content_charset() or "utf-8", "replace")
    return fields


@dataclass
class Request:
    """What a handler needs from a WSGI environ."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""
    script_name: str = ""
    _form: dict[str, str] | None = field(default=None, repr=False)

    @classmethod
    def from_environ(cls, environ) -> Request:
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        method = environ.get("REQUEST_METHOD", "GET").upper()
        body = b""
        if method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                raise BadRequest("invalid Content-Length") from None
            if length > MAX_BODY:
                raise BadRequest("request body too large", 413)
            body = environ["wsgi.input"].read(length) if length > 0 else b""
        raw_path = environ.get("PATH_INFO", "") or "/"
        # WSGI gives PATH_INFO as latin-1-decoded bytes
        path = raw_path.encode("latin-1", "replace").decode("utf-8", "replace")
        return cls(
            method=method,
            path=path.rstrip("/") or "/",
            query=_first(parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)),
            headers=headers,
            body=body,
            script_name=environ.get("SCRIPT_NAME", ""),
        )

    @property
    def form(self) -> dict[str, str]:
        """Fields of a urlencoded or multipart body (RFC 8058 allows both)."""
        if self._form is None:
            content_type = self.headers.get("content-type", "")
            kind = content_type.split(";")[0].strip().lower()
            if not self.body:
                self._form = {}
            elif kind in ("application/x-www-form-urlencoded", ""):
                self._form = _first(parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True))
            elif kind == "multipart/form-data":
                self._form = _multipart(self.body, content_type)
            else:
                raise BadRequest(f"unsupported content type {kind}", 415)
        return self._form

    def accepted_language(self, languages) -> str | None:
        """The first of `languages` the browser asks for in Accept-Language."""
        for part in self.headers.get("accept-language", "").split(","):
            code = part.split(";")[0].strip().lower()[:2]
            if code in languages:
                return code
        return None


@dataclass
class Response:
    """A complete answer: status, headers and body (always bytes)."""

    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "text/html; charset=utf-8"

    def __call__(self, start_response, method: str = "GET"):
        headers = [("Content-Type", self.content_type), ("Content-Length", str(len(self.body))), *SECURITY_HEADERS, *self.headers]
        start_response(f"{self.status} {STATUS_TEXT.get(self.status, 'Unknown')}", headers)
        return [b""] if method == "HEAD" else [self.body]
