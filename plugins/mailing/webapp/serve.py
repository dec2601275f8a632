"""Serve the web application with the standard library (wsgiref): local use, previews and tests.

Production runs it under a real WSGI server (gunicorn, uWSGI, a function
platform's WSGI adapter); see docs/delivery.md.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

log = logging.getLogger(__name__)


# A client gets this long to send each part of its request (line, headers, body); a stalled
# connection is then closed, so slow or idle clients cannot hold the server's threads.
READ_TIMEOUT_S = 15


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    block_on_close = False


class _LoggingHandler(WSGIRequestHandler):
    timeout = READ_TIMEOUT_S  # StreamRequestHandler sets it on the socket

    def log_message(self, format, *args):  # noqa: A002 - wsgiref's signature
        log.info("%s %s", self.address_string(), format % args)

    def handle(self):
        try:
            super().handle()
        except (TimeoutError, ConnectionError) as exc:  # a stalled or vanished client: close, quietly
            log.info("%s: connection closed (%s)", self.address_string(), type(exc).__name__)
            self.close_connection = True


def make(app, host: str = "127.0.0.1", port: int = 8025, read_timeout: float = READ_TIMEOUT_S):
    """A threaded wsgiref server for `app` (port 0: any free port) that drops clients silent for `read_timeout` s."""
    handler = type("_Handler", (_LoggingHandler,), {"timeout": read_timeout})
    return make_server(host, port, app, server_class=_ThreadingServer, handler_class=handler)


@contextmanager
def running(app, host: str = "127.0.0.1", port: int = 0, read_timeout: float = READ_TIMEOUT_S):
    """Serve `app` in a background thread until the block ends; yields the base URL."""
    server = make(app, host, port, read_timeout)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
