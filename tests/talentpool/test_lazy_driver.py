"""SQLAlchemy is imported when a store is opened, not by importing Vivier (talentpool/db.py `sa`).

A build opens the store only in the process that plans the mail; importing SQLAlchemy in the build's own
process was a tenth of a second of every small site's build, before its first page.
"""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

SCRIPT = """
import sys
sys.path.insert(0, "plugins")
import vivier.cli, vivier.commands.build, careers, mailing, staffing, talentpool.store, talentpool.audience
import mailing.engine.generator, mailing.kinds.job_alert.digests, mailing.kinds.invitation.rounds
from vivier.config import load_settings
load_settings("pelicanconf.py")
print("before", "sqlalchemy" in sys.modules)
from talentpool import db
from talentpool.store import Store
store = Store(sys.argv[1])
print("after", "sqlalchemy" in sys.modules)
import sqlalchemy.exc
print("error", db.DatabaseError is sqlalchemy.exc.DBAPIError)
try:
    store.connection.execute("SELECT nothing FROM nowhere")
except db.DatabaseError as exc:
    print("caught", type(exc).__name__)
store.close()
"""


def test_sqlalchemy_is_imported_by_the_first_store_opened_and_its_errors_are_the_store_s(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "pool.sqlite3")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split("\n")[:4] == ["before False", "after True", "error True", "caught OperationalError"]
