"""A local SMTP relay for the send benchmark (aiosmtpd, 127.0.0.1), in its own process so it does not share the sender's GIL.

    relay.py PORT_FILE [GREYLIST_SHARE]

Writes its port to PORT_FILE, accepts every message (keeping only counts), and
answers `450 4.2.0 Greylisted` to the first RCPT TO of a fixed share of the
recipients (chosen by a hash of the address, so runs are comparable). On
SIGTERM it prints one JSON line: messages received, distinct recipients, the
most copies one recipient got, and how many were greylisted.
"""

from __future__ import annotations

import hashlib
import json
import signal
import sys
import threading
from collections import Counter

from aiosmtpd.controller import Controller


class Relay:
    def __init__(self, share: float):
        self.share = share
        self.received: Counter = Counter()
        self.greylisted: set[str] = set()
        self.lock = threading.Lock()

    def _grey(self, address: str) -> bool:
        return int(hashlib.sha256(address.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < self.share

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            if self._grey(address) and address not in self.greylisted:
                self.greylisted.add(address)
                return "450 4.2.0 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received[rcpt] += 1
        return "250 2.0.0 Queued"


class _Controller(Controller):
    """aiosmtpd's threaded controller on a free port chosen by the OS (port 0)."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def main(port_file: str, share: str = "0") -> None:
    relay = Relay(float(share))
    controller = _Controller(relay, hostname="127.0.0.1", port=0)
    controller.start()
    port = controller.port
    with open(port_file, "w") as handle:
        handle.write(str(port))
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    done.wait()
    controller.stop()
    print(json.dumps({"messages": sum(relay.received.values()), "recipients": len(relay.received),
                      "most_copies": max(relay.received.values(), default=0), "greylisted": len(relay.greylisted)}))


if __name__ == "__main__":
    main(*sys.argv[1:])
