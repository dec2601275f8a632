"""The little HTTP the web application needs: a parsed request and a response, on plain WSGI."""

from __future__ import annotations

import email.parser
import email.policy
import ipaddress
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


def _part_text(part) -> str:
    charset = part.get_content_charset() or "utf-8"
    payload = part.get_payload(decode=True) or b""
    try:
        return payload.decode(charset, "replace")
    except LookupError:  # a charset Python does not know: the sender's mistake, not ours
        raise BadRequest(f"unknown charset {charset!r} in a multipart/form-data part") from None


def multipart_fields(body: bytes, content_type: str) -> dict[str, list[str]]:
    """Every value of every field of a multipart/form-data body (RFC 7578), parsed by the email package."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    try:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        if not message.is_multipart():
            raise BadRequest("malformed multipart/form-data body")
        fields: dict[str, list[str]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name:
                fields.setdefault(str(name), []).append(_part_text(part))
    except BadRequest:
        raise
    except (ValueError, TypeError, LookupError, IndexError, AttributeError) as exc:  # a body the parser chokes on
        raise BadRequest(f"malformed multipart/form-data body ({type(exc).__name__})") from None
    return fields


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def client_address(remote_addr: str, headers: dict[str, str], trusted_proxies=()) -> str:
    """The client's IP address: the connection's peer, unless the peer is one of `trusted_proxies`
    (networks); then X-Forwarded-For is read from the right, skipping trusted hops. A header sent
    by anyone else is ignored, so a visitor cannot pick the address their requests count against."""
    peer = _address(remote_addr)
    if peer is None:
        return remote_addr or ""
    if not any(peer in network for network in trusted_proxies):
        return str(peer)
    hops = [hop for hop in headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    if not hops and headers.get("x-real-ip", "").strip():
        hops = [headers["x-real-ip"]]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return str(peer)  # a malformed hop: stop at the last address a trusted proxy vouched for
        if not any(address in network for network in trusted_proxies):
            return str(address)
        peer = address
    return str(peer)


@dataclass
class Request:
    """What a handler needs from a WSGI environ."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""
    script_name: str = ""
    remote_addr: str = ""
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
            try:
                body = environ["wsgi.input"].read(length) if length > 0 else b""
            except OSError:  # the client stopped sending (the server's read timeout) or went away
                raise BadRequest("the request body did not arrive") from None
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
            remote_addr=environ.get("REMOTE_ADDR", ""),
        )

    @property
    def form(self) -> dict[str, str]:
        """Fields of a urlencoded or multipart body (RFC 8058 allows both), the first value of each."""
        if self._form is None:
            self._form = _first(self.form_lists())
        return self._form

    def form_lists(self) -> dict[str, list[str]]:
        """Every value of every field (browsers send a checkbox group as one name repeated)."""
        content_type = self.headers.get("content-type", "")
        kind = content_type.split(";")[0].strip().lower()
        if not self.body:
            return {}
        if kind in ("application/x-www-form-urlencoded", ""):
            return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        if kind == "multipart/form-data":
            return multipart_fields(self.body, content_type)
        raise BadRequest(f"unsupported content type {kind}", 415)

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
