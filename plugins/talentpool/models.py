"""The pool member and the vocabularies (stages, sources, consents) it is written in."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field

LANGUAGES = ("fr", "en")
# A recruitment pipeline, in order; configurable per import through mappings.
STAGES = (
    "sourced", "contacted", "applied", "interviewing", "shortlisted", "offer",
    "hired", "hired_elsewhere", "rejected", "silver_medalist",
)
SOURCES = ("career_site", "referral", "event", "job_board", "linkedin", "school", "email", "other")
CONSENT_KINDS = ("newsletter", "events", "job_alerts")
# The creation date of a member imported without any date (`--undated not-eligible`): so old
# that the retention clock has run out, so they receive nothing until an import gives a real date.
UNDATED = dt.date(1970, 1, 1)
# Ordered: segments may compare seniorities (`less_than: senior`).
SENIORITIES = ("student", "junior", "confirmed", "senior", "expert")

# Deliberately simple: one @, a dot in the domain, no spaces or angle brackets.
_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


def normalise_email(email: str) -> str:
    """The matching key of an address: trimmed and lower-cased, plus-addressing kept."""
    return (email or "").strip().lower()


def is_valid_email(email: str) -> bool:
    """True for a plausible single address (what an import can check without DNS)."""
    email = (email or "").strip()
    return bool(_EMAIL.match(email)) and ".." not in email and len(email) <= 254


@dataclass
class Member:
    """One person of the talent pool, as stored; dates are `datetime.date`."""

    id: str
    email: str
    first_name: str = ""
    last_name: str = ""
    language: str = "fr"
    city: str = ""
    country: str = ""
    skills: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    seniority: str = ""
    stage: str = "sourced"
    source: str = "other"
    tags: list[str] = field(default_factory=list)
    consents: dict[str, dt.date] = field(default_factory=dict)
    last_contact: dt.date | None = None
    created: dt.date = UNDATED
    stage_changed: dt.date | None = None
    unsubscribed: dt.date | None = None
    # Consents taken back one by one (kind -> date); an import never overrides them.
    withdrawn: dict[str, dt.date] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def email_key(self) -> str:
        return normalise_email(self.email)

    def has_consent(self, kind: str) -> bool:
        """True if consent `kind` was given and neither withdrawn since nor unsubscribed."""
        given = self.consents.get(kind)
        if given is None or self.unsubscribed is not None:
            return False
        withdrawn = self.withdrawn.get(kind)
        return withdrawn is None or given > withdrawn

    def to_dict(self) -> dict:
        """JSON-ready dict (dates as ISO strings), used by exports."""
        def plain(value):
            if isinstance(value, dt.date):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value
        return {key: plain(value) for key, value in asdict(self).items()}
