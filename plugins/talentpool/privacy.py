"""The data subject's rights and the retention clocks: erase, export, purge, renewals.

Erasure deletes the person and keeps only a salted hash of their address on
the suppression list, so that no later import brings them back. Purge applies
the policy's retention clocks; renewals lists who will reach them soon, for a
re-permission message.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from .models import Member, normalise_email
from .policy import Policy
from .private import remove_temporaries, write_private

log = logging.getLogger(__name__)


def forget(store, email: str) -> Member | None:
    """Delete the member with this address, every row about them and every row kept by the address
    (a pending sign-up), without touching the suppression list; returns who was deleted (or None)."""
    key = normalise_email(email)
    with store.transaction() as conn:
        member = store.find_by_email(email)
        if member is not None:
            store.delete(member.id)
        for table in store.address_tables():
            conn.execute(f'DELETE FROM "{table}" WHERE email_key = :key', {"key": key})
    return member


def erase(store, email: str, today: dt.date) -> Member | None:
    """Delete the person and their history; suppress their address. Returns who was erased (or None).

    The address is suppressed even when the person is unknown, so that an
    erasure request made before an import is honoured by the import. Rows kept
    by address before the person became a member (a pending sign-up) go too.
    """
    with store.transaction():
        member = forget(store, email)
        store.suppress(email, "erased", today)
    store.scrub()  # no copy of the deleted rows left in the database's own files
    log.info("erased %s member", "one" if member else "no")
    return member


# --- private files written outside the store (exports, rejects, backups) ------------------

FILE_KINDS = ("export", "rejects", "backup", "fit list")


def remember_file(store, path, kind: str, today: dt.date) -> None:
    """Note a private file the project wrote, so that an erasure can clean it."""
    if kind not in FILE_KINDS:
        raise ValueError(f"unknown private file kind {kind!r}; known: {', '.join(FILE_KINDS)}")
    path = str(Path(path).absolute())
    if store.connection.execute("SELECT 1 FROM private_files WHERE path = :path AND kind = :kind",
                                {"path": path, "kind": kind}).first():
        return  # known already (a rotating daily backup): no write lock needed
    with store.transaction() as conn:
        conn.execute("INSERT INTO private_files(path, kind, written) VALUES (:path, :kind, :written)"
                     " ON CONFLICT(path) DO UPDATE SET kind = excluded.kind, written = excluded.written",
                     {"path": path, "kind": kind, "written": today.isoformat()})


def known_files(store) -> list[tuple[str, str]]:
    """(path, kind) of every private file noted, oldest first."""
    with store.transaction() as conn:
        return [(row[0], row[1]) for row in conn.execute("SELECT path, kind FROM private_files ORDER BY written, path")]


def _forget(store, path: str) -> None:
    with store.transaction() as conn:
        conn.execute("DELETE FROM private_files WHERE path = :path", {"path": path})


def _without_rows(data: bytes, needles: list[str]) -> tuple[bytes, int]:
    """A CSV file's bytes without the records holding any needle (case-insensitive), and how many went."""
    out = io.StringIO(newline="")
    writer, dropped = csv.writer(out), 0
    for record in csv.reader(io.StringIO(data.decode("utf-8", "replace"), newline="")):
        if any(needle in cell.lower() for cell in record for needle in needles):
            dropped += 1
        else:
            writer.writerow(record)
    return out.getvalue().encode("utf-8"), dropped


class ErasureIncomplete(RuntimeError):
    """Some noted private files could not be cleaned: `done` lists what was, `problems` what was not and why."""

    def __init__(self, done: list[str], problems: list[str]):
        super().__init__("; ".join(problems))
        self.done, self.problems = done, problems


def _clean_file(store, path: str, kind: str, email: str, needles: list[str], today: dt.date) -> str | None:
    """Erase the person from one noted private file; what changed, or None."""
    if kind == "backup":
        from .store import Store

        with Store(path, create=False, backup=True) as backup:
            if backup.find_by_email(email) is not None:
                erase(backup, email, today)
                return f"erased from the backup {path}"
        return None
    data = Path(path).read_bytes()
    if not any(needle.encode("utf-8") in data.lower() for needle in needles):
        return None
    if kind == "export":
        os.unlink(path)
        _forget(store, path)
        return f"removed the export {path}"
    kept, dropped = _without_rows(data, needles)
    write_private(path, kept)
    return f"{path}: {dropped} rejected row(s) removed" if kind == "rejects" else f"{path}: {dropped} row(s) of the {kind} removed"


def erase_from_files(store, email: str, member_id: str | None, today: dt.date) -> list[str]:
    """Clean every noted private file of one person: an export about them is deleted, their rows
    leave a rejects file, and they are erased from each backup; the temporary copies an interrupted
    writer left beside a file (`.NAME.PID.tmp`, a full copy) are deleted. Returns what changed (a
    noted file that is gone is said too); raises ErasureIncomplete, after trying every file, when
    some could not be cleaned."""
    from .store import StoreError

    needles = [normalise_email(email)] + ([member_id.lower()] if member_id else [])
    done, problems = [], []
    for path, kind in known_files(store):
        for leftover in remove_temporaries(path):
            done.append(f"removed {leftover}, an unfinished copy of the {kind} {path} left by an interrupted write")
        if not os.path.exists(path):
            _forget(store, path)
            done.append(f"the {kind} {path} noted in the store is missing (moved or deleted?): no longer tracked; "
                        "if it was moved, erase the person from that copy yourself")
            continue
        try:
            changed = _clean_file(store, path, kind, email, needles, today)
        except (StoreError, OSError) as exc:
            problems.append(str(exc) if isinstance(exc, StoreError) else f"{path}: cannot clean the {kind} ({exc})")
            continue
        if changed:
            done.append(changed)
    if problems:
        raise ErasureIncomplete(done, problems)
    return done


def _rows_by_address(store, email: str) -> dict[str, list[dict]]:
    key = normalise_email(email)
    found = {}
    with store.transaction() as conn:
        for table in store.address_tables():
            rows = [dict(row) for row in conn.execute(f'SELECT * FROM "{table}" WHERE email_key = :key',
                                                      {"key": key}).mappings()]
            if rows:
                found[table] = rows
    return found


def export(store, email: str, policy: Policy | None = None) -> dict | None:
    """Everything held on a person (for an access request), JSON-ready; None if unknown."""
    member = store.find_by_email(email)
    by_address = _rows_by_address(store, email)
    suppression = store.suppression_entry(email)  # reason, date and detail (a bounce's status, a complaint)
    if member is None:
        # Someone who only submitted the sign-up form is not a member, but we hold their address and choices.
        if not by_address:
            return None
        data = {"member": None, "messages": [], "records": by_address}
        return {**data, "suppression": suppression} if suppression else data
    data = {"member": member.to_dict(), "messages": [
        {"kind": kind, "plan_id": plan_id, "at": at.isoformat()}
        for kind, plan_id, at in store.messages_since(member.id, dt.date.min)
    ]}
    others = {table: rows for table, rows in store.rows_about(member.id).items() if table != "messages"}
    others.update(by_address)
    if others:
        data["records"] = others  # what other parts (the send ledger, preferences, bounces) keep about the person
    if suppression:
        data["suppression"] = suppression
    if policy is not None:
        end, clock = policy.retention_end(member)
        data["retention"] = {"ends": end.isoformat(), "clock": clock,
                             "months": policy.rejected_months if clock == "rejected" else policy.pool_months}
    return data


@dataclass(frozen=True)
class Expiry:
    """A member whose retention clock (`pool` or `rejected`) ends on `ends`, and why."""

    member: Member
    ends: dt.date
    clock: str
    reason: str


def _expiry(member: Member, policy: Policy) -> Expiry:
    ends, clock = policy.retention_end(member)
    if clock == "rejected":
        since = member.stage_changed or policy.last_activity(member)
        reason = f"rejected on {since.isoformat()} without pool consent ({policy.rejected_months} months)"
    else:
        reason = f"no active contact since {policy.last_activity(member).isoformat()} ({policy.pool_months} months)"
    return Expiry(member, ends, clock, reason)


def expired(store, policy: Policy, today: dt.date) -> list[Expiry]:
    """Members whose retention has ended (today is on or after the end)."""
    found = []
    for member in store.iter_members():
        item = _expiry(member, policy)
        if today >= item.ends:
            found.append(item)
    return found


def purge(store, policy: Policy, today: dt.date, *, dry_run: bool = False) -> list[Expiry]:
    """Delete every member past retention (in one transaction); `dry_run` only lists them.

    Unsubscribed members leave a suppression hash, so that an import does not
    turn an opt-out into a fresh subscription.
    """
    gone = expired(store, policy, today)
    if dry_run:
        return gone
    purged = []
    with store.transaction():
        for item in gone:
            # Read again under the write lock: someone who renewed their consent (the web application,
            # another host) since the walk above is not purged.
            member = store.get(item.member.id)
            if member is None or today < _expiry(member, policy).ends:
                continue
            store.delete(member.id)
            if member.unsubscribed is not None:
                store.suppress(member.email, "unsubscribed", today)
            purged.append(item)
    log.info("purged %d member(s) past retention", len(purged))
    return purged


def renewals(store, policy: Policy, today: dt.date, days: int) -> list[Expiry]:
    """Members still held whose retention ends within `days` days, soonest first (for re-permission)."""
    limit = today + dt.timedelta(days=days)
    found = []
    for member in store.iter_members():
        if member.unsubscribed is not None:
            continue  # an opted-out person is not asked again
        item = _expiry(member, policy)
        if today < item.ends <= limit:
            found.append(item)
    return sorted(found, key=lambda e: (e.ends, e.member.email_key))
