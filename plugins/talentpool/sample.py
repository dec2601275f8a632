"""The fictional sample pool: a deterministic generator, and loading it into a store.

Names are invented, addresses use reserved example domains only; dates are
relative to a fixed reference day so the file never changes between runs.
Every stage, source and consent case appears, and some members are past
their retention, so demos and tests show every exclusion reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import random
import unicodedata
from pathlib import Path

from .models import CONSENT_KINDS, SENIORITIES, SOURCES, STAGES

SEED = 20261122
REFERENCE_DAY = dt.date(2026, 11, 22)  # the sample's "today"; tests pin the same day
SIZE = 320
COLUMNS = [
    "email", "first_name", "last_name", "language", "city", "country", "skills", "departments", "roles",
    "seniority", "stage", "source", "tags", "consent_newsletter", "consent_events", "consent_job_alerts",
    "last_contact", "created", "stage_changed", "unsubscribed",
]
MESSAGE_COLUMNS = ["email", "kind", "plan_id", "at"]

FR_FIRST = ["Maëlle", "Gaëtan", "Solène", "Bastien", "Anaïs", "Timothée", "Léonie", "Corentin", "Margaux", "Yanis",
            "Inès", "Quentin", "Héloïse", "Mathis", "Clémence", "Nathan", "Océane", "Rémi", "Salomé", "Killian",
            "Amandine", "Loïc", "Capucine", "Florian", "Zoé", "Jérémy", "Lou", "Benoît", "Apolline", "Dorian"]
FR_LAST = ["Kerjean", "Aubertin", "Delorme", "Ferrand", "Gallois", "Hamelin", "Jolivet", "Lacombe", "Maillard",
           "Navarre", "Orsini", "Peyrac", "Ricard", "Sarrazin", "Tessier", "Vidalenc", "Bouchereau", "Chastel",
           "Duret", "Escoffier", "Fontanel", "Benhaddou", "Quéméner", "Barthélémy", "Lefèvre-Daumas", "Nguyen-Roche",
           "Traoré-Baudin", "Castagnède", "Ollivier", "Pélissier"]
EN_FIRST = ["Imogen", "Callum", "Freya", "Rhys", "Niamh", "Declan", "Harriet", "Ewan", "Tamsin", "Rory",
            "Priya", "Kwame", "Saoirse", "Tobias", "Aisling", "Jasper", "Ines", "Oskar", "Maren", "Felix"]
EN_LAST = ["Ashdown", "Blakemore", "Cartwright", "Dunmore", "Ellery", "Fairweather", "Gresham", "Hollis",
           "Inglewood", "Kettering", "Lowell", "Merriman", "Northcott", "Pembrook", "Radcliffe", "Stanhope",
           "Thornbury", "Whitcombe", "Yardley", "Okonkwo-Hale"]
DOMAINS = ["example.com", "example.org", "mail.example", "courriel.example"]
FR_PLACES = [("Lyon", "FR")] * 6 + [("Villeurbanne", "FR")] * 2 + [("Nantes", "FR")] * 5 + [
    ("Saint-Herblain", "FR"), ("Rezé", "FR"), ("Grenoble", "FR"), ("Paris", "FR"), ("Rennes", "FR"), ("Bordeaux", "FR"),
    ("Annecy", "FR"), ("Genève", "CH"), ("Bruxelles", "BE")]
EN_PLACES = [("London", "GB"), ("Dublin", "IE"), ("Manchester", "GB"), ("Lyon", "FR"), ("Nantes", "FR"),
             ("Berlin", "DE"), ("Montréal", "CA"), ("Edinburgh", "GB")]
DEPARTMENTS = {
    "data": (["python", "sql", "dbt", "spark", "airflow", "power bi", "snowflake", "pandas"],
             ["data engineer", "data analyst", "analytics engineer", "data scientist"]),
    "cloud": (["aws", "azure", "kubernetes", "terraform", "docker", "ansible", "linux", "gitlab ci"],
              ["devops", "sre", "architecte cloud", "ingénieur système"]),
    "dev": (["java", "spring", "typescript", "react", "angular", "kotlin", "python", "postgresql"],
            ["développeur back-end", "développeur front-end", "développeur full-stack", "tech lead"]),
    "security": (["iso 27001", "siem", "pentest", "ebios", "active directory"],
                 ["analyste soc", "consultant cybersécurité", "rssi adjoint"]),
    "consulting": (["scrum", "product ownership", "gestion de projet", "safe", "jira"],
                   ["chef de projet", "product owner", "scrum master", "consultant amoa"]),
}
TAGS = ["portes-ouvertes-2026", "meetup-data-lyon", "forum-ecole-centrale-nantes", "alumni", "cooptation",
        "salon-devfest-nantes", "webinaire-cloud", "candidature-spontanee", "finaliste"]
SENIORITY_WEIGHTS = [1, 4, 4, 3, 1]


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower().replace(" ", "")


def _day(rng: random.Random, oldest: int, newest: int = 0) -> dt.date:
    """A day between `oldest` and `newest` days before the reference day."""
    return REFERENCE_DAY - dt.timedelta(days=rng.randint(newest, oldest))


def generate(size: int = SIZE, seed: int = SEED) -> tuple[list[dict], list[dict]]:
    """The sample members and their recent marketing messages, as CSV-ready rows."""
    rng = random.Random(seed)
    members, messages, used = [], [], set()
    for i in range(size):
        english = i % 10 in (3, 7, 9)
        first = rng.choice(EN_FIRST if english else FR_FIRST)
        last = rng.choice(EN_LAST if english else FR_LAST)
        while (first, last) in used:
            first, last = rng.choice(EN_FIRST if english else FR_FIRST), rng.choice(EN_LAST if english else FR_LAST)
        used.add((first, last))
        local = f"{_ascii(first)}.{_ascii(last)}"
        if i % 23 == 5:
            local += "+vivier"  # plus-addressing is kept as is
        email = f"{local}@{DOMAINS[i % len(DOMAINS)]}"
        if i % 31 == 7:
            email = email.capitalize()  # matching ignores case
        city, country = rng.choice(EN_PLACES if english else FR_PLACES)
        department = list(DEPARTMENTS)[(i * 7 + rng.randint(0, 4)) % len(DEPARTMENTS)]
        skill_pool, role_pool = DEPARTMENTS[department]
        skills = rng.sample(skill_pool, rng.randint(2, 4))
        departments = [department] + ([rng.choice(list(DEPARTMENTS))] if rng.random() < 0.2 else [])
        departments = list(dict.fromkeys(departments))
        stage = STAGES[i % len(STAGES)] if i < 40 else rng.choices(STAGES, weights=[6, 4, 5, 1, 2, 1, 1, 2, 4, 3])[0]
        source = SOURCES[i % len(SOURCES)] if i < 40 else rng.choices(SOURCES, weights=[6, 3, 3, 3, 4, 2, 1, 1])[0]
        seniority = "student" if stage == "applied" and source == "school" else rng.choices(SENIORITIES, SENIORITY_WEIGHTS)[0]
        # Ages: most members recent, one in eight past the 24-month pool clock.
        created = _day(rng, 1200, 800) if i % 8 == 2 else _day(rng, 700, 3)
        age = (REFERENCE_DAY - created).days
        last_contact = None if i % 8 == 2 or rng.random() < 0.2 else _day(rng, age, 2)
        consents = {}
        case = i % 8 if i < 64 else rng.randrange(8)  # the 8 combinations of 3 consents, all covered
        for bit, kind in enumerate(CONSENT_KINDS):
            if case >> bit & 1:
                consents[kind] = _day(rng, age, 0) if age else created
                consents[kind] = max(consents[kind], created)
        if i % 8 == 2:
            consents = {k: created for k in consents}
        stage_changed = None
        if stage != "sourced":
            stage_changed = _day(rng, min(age, 200), 1) if i % 5 != 0 else _day(rng, min(age, 60), 1)
            stage_changed = max(stage_changed, created)
        unsubscribed = _day(rng, min(age, 90), 1) if i % 17 == 4 else None
        tags = rng.sample(TAGS, rng.randint(0, 2))
        members.append({
            "email": email, "first_name": first, "last_name": last, "language": "en" if english else "fr",
            "city": city, "country": country, "skills": "|".join(skills), "departments": "|".join(departments),
            "roles": rng.choice(role_pool), "seniority": seniority, "stage": stage, "source": source,
            "tags": "|".join(tags),
            **{f"consent_{kind}": consents[kind].isoformat() if kind in consents else "" for kind in CONSENT_KINDS},
            "last_contact": last_contact.isoformat() if last_contact else "", "created": created.isoformat(),
            "stage_changed": stage_changed.isoformat() if stage_changed else "",
            "unsubscribed": unsubscribed.isoformat() if unsubscribed else "",
        })
        if consents and i % 9 == 1:  # recent marketing mail: some members at or near the budget
            for n in range(1 + (i % 2)):
                kind = "newsletter" if n == 0 else "invitation"
                at = dt.datetime.combine(_day(rng, 25, 1), dt.time(9, 30), tzinfo=dt.timezone(dt.timedelta(hours=1)))
                messages.append({"email": email, "kind": kind, "plan_id": f"sample-{at:%Y-%m}-{kind}", "at": at.isoformat()})
    return members, messages


def write(folder: Path, size: int = SIZE, seed: int = SEED) -> tuple[Path, Path]:
    """Write members.csv and messages.csv into `folder`; same seed, same bytes."""
    members, messages = generate(size, seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "members.csv", folder / "messages.csv"
    for path, rows, columns in ((paths[0], members, COLUMNS), (paths[1], messages, MESSAGE_COLUMNS)):
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return paths


# The store's own mark (in its `meta` table): this store holds the fictional sample, loaded from
# files of this digest. A store without the mark that holds anyone is a real pool.
SAMPLE_MARK = "sample_pool"
# Tables that, with a row in them, make an unmarked store a real one.
_REAL_DATA = ("members", "suppression", "messages", "deliveries")


class SampleRefused(ValueError):
    """The sample may not go into this store (a real pool); the message says what to do."""


def sample_mark(store) -> str | None:
    """The digest of the sample files loaded into this store, or None for a store not marked sample."""
    return store.connection.scalar("SELECT value FROM meta WHERE key = :key", {"key": SAMPLE_MARK})


def is_sample_store(store) -> bool:
    return sample_mark(store) is not None


def holds_data(store) -> bool:
    """True when any table of real data has a row (a store nobody has used yet holds none)."""
    conn = store.connection
    tables = set(conn.table_names())
    return any(conn.execute(f'SELECT 1 FROM "{table}" LIMIT 1').first() for table in _REAL_DATA if table in tables)


def _digest(*paths: Path | None) -> str:
    sha = hashlib.sha256()
    for path in paths:
        if path is not None and Path(path).exists():
            sha.update(Path(path).read_bytes())
        sha.update(b"\x00")
    return sha.hexdigest()


def load_sample(store, members_csv: Path, messages_csv: Path | None, mapping, today: dt.date):
    """Load the sample members and their sample messages into a sample store. Returns (ImportResult, new messages),
    or (None, 0) when these very files were loaded already (so a purge or an erasure is never undone).

    A new, empty store is marked as the sample store; a store that is not marked and holds
    anyone (a real pool) is refused with SampleRefused, and nothing is written.
    """
    from .importers import import_file

    digest = _digest(members_csv, messages_csv)
    with store.transaction() as conn:
        mark = sample_mark(store)
        if mark is None and holds_data(store):
            raise SampleRefused(
                f"{store.path} is a real talent pool (it holds people and is not marked as the sample store): "
                "the fictional sample is never loaded into it. `make site` uses var/sample-pool.sqlite3 by itself; "
                "to load the sample elsewhere, point VIVIER_POOL at a new file")
        if mark == digest:
            return None, 0
        result = import_file(store, members_csv, mapping, today)
        recorded = 0
        if messages_csv is not None and messages_csv.exists():
            with messages_csv.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    member = store.find_by_email(row["email"])
                    if member is not None:
                        recorded += store.record_message(member.id, row["kind"], row["plan_id"], dt.datetime.fromisoformat(row["at"]))
        conn.execute("INSERT INTO meta(key, value) VALUES (:key, :value)"
                     " ON CONFLICT(key) DO UPDATE SET value = excluded.value", {"key": SAMPLE_MARK, "value": digest})
    return result, recorded
