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


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _LoggingHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - wsgiref's signature
        log.info("%s %s", self.address_string(), format % args)


def make(app, host: str = "127.0.0.1", port: int = 8025):
    """A threaded wsgiref server for `app` (port 0: any free port)."""
    return make_server(host, port, app, server_class=_ThreadingServer, handler_class=_LoggingHandler)


@contextmanager
def running(app, host: str = "127.0.0.1", port: int = 0):
    """Serve `app` in a background thread until the block ends; yields the base URL."""
    server = make(app, host, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
