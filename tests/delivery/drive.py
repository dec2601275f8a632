"""Run a send of N synthetic messages in its own process, so tests can kill it mid-send.

Usage: python tests/delivery/drive.py STORE PORT N PLAN [CONNECTIONS]
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "plugins"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mailing.delivery.config import load_config  # noqa: E402
from mailing.delivery.ledger import Ledger  # noqa: E402
from mailing.delivery.ratelimit import RateLimiter  # noqa: E402
from mailing.delivery.sender import Channel, Sender  # noqa: E402
from mailing.delivery.smtp import SmtpTransport  # noqa: E402
from talentpool.store import Store  # noqa: E402
from tests.delivery.messages import synthetic_items  # noqa: E402


def main(store_path: str, port: str, count: str, plan: str, connections: str = "1") -> int:
    config = load_config({"MAILING_SMTP_HOST": "127.0.0.1", "MAILING_SMTP_PORT": int(port), "MAILING_SMTP_SECURITY": "none",
                          "MAILING_RATE": 1000, "MAILING_RETRIES": 1, "MAILING_BACKOFF": 0.01,
                          "MAILING_SMTP_CONNECTIONS": int(connections)}, environ={})

    @contextmanager
    def open_channel():
        with Store(store_path) as store, SmtpTransport(config) as transport:
            yield Channel(transport, Ledger(store, plan, lease=config.lease))

    with Store(store_path) as store, SmtpTransport(config) as transport:
        sender = Sender(transport, Ledger(store, plan, lease=config.lease), kind="newsletter",
                        limiter=RateLimiter(config.rate), retries=config.retries, backoff=config.backoff,
                        connections=config.connections, open_channel=open_channel)
        summary = sender.run(synthetic_items(plan, int(count)))
    print(f"sent={summary.sent} already={sum(summary.already.values())} unknown={summary.unknown} busy={summary.busy}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
