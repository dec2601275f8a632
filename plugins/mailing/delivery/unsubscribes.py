"""Unsubscribes that arrive outside the web application: a token by hand, or a provider's CSV export.

Every email provider lets people opt out on its side (its own unsubscribe
link, a spam complaint) and exports the list as CSV; the column holding the
address has a different name at each (Mailchimp "Email Address", Brevo
"EMAIL", SendGrid "email"…). Valid rows are always applied — an opt-out must
never wait for a typo elsewhere in the file — and bad lines are reported.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from talentpool.models import is_valid_email

EMAIL_COLUMNS = (
    "email", "email address", "e-mail", "e-mail address", "email_address", "emailaddress", "adresse e-mail",
    "adresse email", "adresse mail", "courriel", "mail", "recipient", "address", "contact email",
)
DELIMITERS = ",;\t|"


class UnsubscribeFileError(ValueError):
    """The file cannot be read as a list of addresses at all."""


@dataclass
class UnsubscribeReport:
    """What an import of opt-outs did; `problems` are (line, message)."""

    unsubscribed: int = 0
    already: int = 0
    suppressed: int = 0  # addresses not in the pool, kept out of future imports
    problems: list[tuple[int, str]] = field(default_factory=list)


def _text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _dialect(sample: str):
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
    except csv.Error:
        return csv.excel


def read_addresses(path: str | Path, column: str | None = None) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """((line, address) for each valid row, (line, problem) for each bad one) of a CSV export."""
    path = Path(path)
    try:
        text = _text(path)
    except OSError as exc:
        raise UnsubscribeFileError(f"{path}: cannot be read ({exc.strerror})") from exc
    rows = list(csv.reader(io.StringIO(text), _dialect(text[:4096])))
    rows = [(number, row) for number, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    if not rows:
        raise UnsubscribeFileError(f"{path}: the file is empty")
    header = [cell.strip().lower() for cell in rows[0][1]]
    if column is not None:
        if column.strip().lower() not in header:
            raise UnsubscribeFileError(f"{path}: no column named {column!r}; the columns are: {', '.join(rows[0][1])}")
        index, body = header.index(column.strip().lower()), rows[1:]
    elif any(is_valid_email(cell) for cell in rows[0][1]):
        # no header line: the first column holding an address
        index, body = next(i for i, cell in enumerate(rows[0][1]) if is_valid_email(cell)), rows
    else:
        index = next((header.index(name) for name in EMAIL_COLUMNS if name in header), None)
        if index is None:
            raise UnsubscribeFileError(
                f"{path}: no column with the addresses (looked for {', '.join(EMAIL_COLUMNS[:4])}…); "
                f"the columns are: {', '.join(rows[0][1])}; name it with --column"
            )
        body = rows[1:]
    valid, problems = [], []
    for number, row in body:
        value = row[index].strip() if index < len(row) else ""
        if is_valid_email(value):
            valid.append((number, value))
        else:
            problems.append((number, f"{value!r} is not an email address" if value else "no address in this row"))
    return valid, problems


def apply_unsubscribes(store, addresses, today: dt.date) -> UnsubscribeReport:
    """Unsubscribe every known address; suppress unknown ones so no import adds them later. One transaction."""
    report = UnsubscribeReport()
    with store.transaction():
        for _line, address in addresses:
            member = store.find_by_email(address)
            if member is None:
                if store.suppression_reason(address) is None:
                    store.suppress(address, "unsubscribed", today)
                report.suppressed += 1
            elif member.unsubscribed is not None:
                report.already += 1
            else:
                store.unsubscribe(member.id, today, scope="all")
                report.unsubscribed += 1
    return report


def unsubscribe_by_token(store, signer, token: str, today: dt.date) -> tuple[str, str]:
    """Apply a token pasted by an operator (from the web link or the mailto subject).

    Returns (member id, outcome) with outcome `unsubscribed`, `already` or
    `unknown` (erased since); raises tokens.InvalidToken for a forged one.
    """
    token = token.strip()
    if token.lower().startswith("unsubscribe "):  # the subject of the List-Unsubscribe mailto
        token = token.split(None, 1)[1].strip()
    if "t=" in token and "?" in token:  # a whole link
        from urllib.parse import parse_qs, urlsplit

        token = parse_qs(urlsplit(token).query).get("t", [token])[0]
    data = signer.verify(token, "unsubscribe")
    member = store.get(data.member_id)
    if member is None:
        return data.member_id, "unknown"
    if member.unsubscribed is not None:
        return data.member_id, "already"
    store.unsubscribe(member.id, today, scope="all")
    return data.member_id, "unsubscribed"
