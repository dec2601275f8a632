"""Synthetic site content for the benchmark: N job ads and M articles, written into a temp folder.

The sample content of the repository (events, ambassadors, pages, newsletters
and their jobs) is copied first so the build exercises every generator; the
synthetic jobs and articles come on top. Deterministic: same sizes, same files.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 22)  # the benchmark's pinned "today" (as in the tests)

CITIES = [
    ("Lyon", "69002"), ("Nantes", "44000"), ("Grenoble", "38000"), ("Paris", "75009"), ("Bordeaux", "33000"),
    ("Lille", "59000"), ("Rennes", "35000"), ("Toulouse", "31000"), ("Marseille", "13002"), ("Strasbourg", "67000"),
]
# department -> (French titles, English titles, must-have skills, nice-to-have skills)
DEPARTMENTS = {
    "data": (
        ["Ingénieur·e data", "Data analyst (H/F)", "Analytics engineer (H/F)", "Data scientist (H/F)"],
        ["Data engineer", "Data analyst", "Analytics engineer", "Data scientist"],
        ["Python", "SQL", "dbt", "Spark", "Airflow", "Power BI", "Snowflake", "pandas"],
        ["Kafka", "Terraform", "Looker", "statistiques bayésiennes"],
    ),
    "cloud": (
        ["Ingénieur·e DevOps", "Architecte cloud (H/F)", "SRE (H/F)", "Administrateur·rice systèmes Linux"],
        ["DevOps engineer", "Cloud architect", "Site reliability engineer", "Linux systems administrator"],
        ["AWS", "Azure", "Kubernetes", "Terraform", "Docker", "Ansible", "Linux", "GitLab CI"],
        ["Prometheus", "Grafana", "Go", "FinOps"],
    ),
    "dev": (
        ["Développeur·se Java", "Développeur·se front-end", "Tech lead (H/F)", "Développeur·se full-stack"],
        ["Java developer", "Front-end developer", "Tech lead", "Full-stack developer"],
        ["Java", "Spring", "TypeScript", "React", "Angular", "Kotlin", "Python", "PostgreSQL"],
        ["GraphQL", "accessibilité numérique", "Docker", "tests de charge"],
    ),
    "conseil": (
        ["Chef·fe de projet SI", "Product owner (H/F)", "Scrum master (H/F)", "Consultant·e AMOA"],
        ["IT project manager", "Product owner", "Scrum master", "Business analyst"],
        ["gestion de projet", "Scrum", "SAFe", "Jira", "recueil du besoin"],
        ["Kanban", "conduite du changement", "ITIL"],
    ),
    "fonctions-support": (
        ["Chargé·e de recrutement IT", "Gestionnaire paie (H/F)", "Assistant·e de direction", "Juriste social (H/F)"],
        ["IT recruiter", "Payroll officer", "Executive assistant", "Employment lawyer"],
        ["recrutement", "paie", "droit social", "Excel", "SIRH"],
        ["marque employeur", "LinkedIn Recruiter", "anglais"],
    ),
}
CONTRACTS = ["CDI"] * 6 + ["CDD", "alternance", "stage", "freelance"]
REMOTE = ["hybrid"] * 3 + ["on-site", "remote"]
EXPERIENCE = ["entry", "junior", "confirmed", "confirmed", "senior", "lead"]
MANAGERS = ["Claire Vasseur", "Nadia Benali", "Romain Fabre", "Élodie Marchand", "Thomas Keller", "Sofiane Haddad"]

FR_MISSION = [
    "Vous rejoignez une équipe de {n} personnes qui accompagne des clients de la région de {city} "
    "sur des projets de {dept}. Vous travaillez en binôme avec une personne expérimentée pendant vos premières semaines.",
    "Chez nos clients, vous prenez en charge des sujets concrets de {dept} : cadrage, réalisation, mise en production "
    "et transmission aux équipes internes, pour qu'elles restent autonomes après votre départ.",
    "Vous participez aux rituels de l'équipe, aux revues de code ou de livrables, et vous partagez ce que vous "
    "apprenez lors du déjeuner technique du jeudi, à {city} ou en visioconférence.",
]
FR_OFFER = [
    "- Deux jours de télétravail par semaine, selon les missions",
    "- Une semaine de formation par an, choisie avec votre manager",
    "- Mutuelle prise en charge à 80 %, tickets restaurant, forfait mobilités durables",
    "- Un entretien annuel qui parle de vous, pas seulement de vos objectifs",
]
EN_MISSION = [
    "You join a team of {n} people who work with clients around {city} on {dept} projects. "
    "You pair with an experienced colleague during your first weeks.",
    "At our clients, you take on real {dept} work: scoping, delivery, going live and handing over to their "
    "own teams, so that they can carry on without us.",
    "You take part in the team's rituals and reviews, and you share what you learn at the Thursday tech lunch, "
    "in {city} or on video.",
]
EN_OFFER = [
    "- Two days of remote work a week, depending on the assignment",
    "- A week of training a year, chosen with your manager",
    "- Health insurance 80% paid, meal vouchers, a green-commute allowance",
]
DEPT_WORDS = {
    "fr": {"data": "data", "cloud": "cloud et DevOps", "dev": "développement logiciel", "conseil": "pilotage de projets",
           "fonctions-support": "ressources humaines"},
    "en": {"data": "data", "cloud": "cloud and DevOps", "dev": "software development", "conseil": "project delivery",
           "fonctions-support": "people and HR"},
}
CATEGORIES = ["Portraits", "Métiers", "Vie d'agence", "Conseils candidats", "Événements"]
AUTHORS = ["Maëlle Guérin", "Bastien Ferrand", "Claire Vasseur", "Yanis Kerjean", "Héloïse Tessier", "Romain Fabre"]
ARTICLE_PARAGRAPHS = [
    "Chez Cardamome Conseil, chaque projet commence par une question simple : qu'est-ce que le client saura faire "
    "seul une fois que nous serons partis ? Cette question guide la façon dont nous constituons les équipes.",
    "Le bureau de Lyon, au 18 rue des Tisserands, accueille chaque premier mardi du mois une rencontre ouverte à "
    "toutes et tous : consultants, candidats, anciens collègues. On y parle de technique, mais pas seulement.",
    "À Nantes, allée des Cordiers, l'équipe a pris l'habitude de documenter chaque mission dans un court carnet "
    "de bord. Relu par un ou une collègue, il sert ensuite à former les nouvelles recrues.",
    "Nous recrutons sur des compétences décrites avec les managers, jamais sur des diplômes ou des parcours types. "
    "Un entretien inversé permet à chaque candidat de choisir la personne qu'il veut interroger.",
    "Les retours de nos consultants montrent que la formation compte autant que la rémunération. Nous réservons "
    "donc une semaine par an à chacun, sur un sujet choisi ensemble.",
    "Les clients avec lesquels nous travaillons le plus longtemps sont ceux qui nous ont laissé le temps de "
    "comprendre leur métier avant de proposer des solutions techniques.",
]


def _slug(text: str) -> str:
    import unicodedata

    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text.replace("·", "")).strip("-")


def job_files(count: int, seed: int = 11) -> list[tuple[str, str]]:
    """(relative path, text) of `count` job ads; one in five is followed by its English version."""
    rng = random.Random(seed)
    files: list[tuple[str, str]] = []
    i = 0
    while len(files) < count:
        i += 1
        dept = list(DEPARTMENTS)[i % len(DEPARTMENTS)]
        fr_titles, en_titles, musts, nices = DEPARTMENTS[dept]
        k = rng.randrange(len(fr_titles))
        city, postal = CITIES[rng.randrange(len(CITIES))]
        places = [f"{city}, {postal}, FR"]
        if rng.random() < 0.15:
            other, other_postal = CITIES[rng.randrange(len(CITIES))]
            if other != city:
                places.append(f"{other}, {other_postal}, FR")
        contract = rng.choice(CONTRACTS)
        remote = rng.choice(REMOTE)
        experience = "entry" if contract in ("alternance", "stage") else rng.choice(EXPERIENCE)
        posted = dt.datetime.combine(TODAY - dt.timedelta(days=rng.randint(1, 55)), dt.time(9 + i % 8, 0))
        status = "closed" if i % 29 == 0 else "open"
        low = rng.randrange(34, 62) * 1000
        period, low_high = ("day", (450, 650)) if contract == "freelance" else ("year", (low, low + 8000))
        if contract in ("alternance", "stage"):
            period, low_high = "month", (900, 1400)
        slug = f"{_slug(fr_titles[k])}-{_slug(city)}-{i:05d}"
        reference = f"BX-2026-{i:05d}"
        common = dict(
            slug=slug, reference=reference, status=status, department=dept, locations="; ".join(places), remote=remote,
            contract=contract, salary_min=low_high[0], salary_max=low_high[1], period=period, experience=experience,
            must=", ".join(rng.sample(musts, 3)), nice=", ".join(rng.sample(nices, 2)),
            manager=f"{rng.choice(MANAGERS)}, responsable {DEPT_WORDS['fr'][dept]} à {city}",
            date=posted.strftime("%Y-%m-%d %H:%M"), valid=(posted.date() + dt.timedelta(days=90)).isoformat(),
        )
        files.append((f"jobs/{slug}.md", _job("fr", fr_titles[k], city, dept, rng, **common)))
        if i % 5 == 0 and len(files) < count:
            files.append((f"jobs/en/{slug}.md", _job("en", en_titles[k], city, dept, rng, **common)))
    return files


def _job(lang, title, city, dept, rng, **v) -> str:
    mission = FR_MISSION if lang == "fr" else EN_MISSION
    offer = FR_OFFER if lang == "fr" else EN_OFFER
    words = DEPT_WORDS[lang][dept]
    body = "\n\n".join(p.format(n=rng.randint(4, 14), city=city, dept=words) for p in mission)
    heads = ("## Votre mission", "## Ce que nous offrons") if lang == "fr" else ("## Your mission", "## What we offer")
    summary = (f"Un poste en {words} à {city}, au sein d'une équipe qui transmet ce qu'elle sait." if lang == "fr"
               else f"A {words} role in {city}, in a team that passes on what it knows.")
    return (
        f"Title: {title}\nSlug: {v['slug']}\nReference: {v['reference']}\nLang: {lang}\nStatus: {v['status']}\n"
        f"Department: {v['department']}\nLocations: {v['locations']}\nRemote: {v['remote']}\nContract: {v['contract']}\n"
        f"Salary_min: {v['salary_min']}\nSalary_max: {v['salary_max']}\nSalary_period: {v['period']}\n"
        f"Experience: {v['experience']}\nMust_have: {v['must']}\nNice_to_have: {v['nice']}\n"
        f"Hiring_manager: {v['manager']}\nSigned_off: {_signed(v['manager'], v['must'], v['date'])}\n"
        f"Apply_email: recrutement@cardamome.example\n"
        f"Date: {v['date']}\nValid_through: {v['valid']}\nSummary: {summary}\n\n"
        f"{heads[0]}\n\n{body}\n\n{heads[1]}\n\n" + "\n".join(offer) + "\n"
    )


def _signed(manager: str, must: str, posted: str) -> str:
    """The hiring manager's sign-off of the must-haves, as `vivier job sign-off` writes it."""
    from careers.job_signoff import must_have_digest

    name, role = manager.split(", ", 1)
    return f"{name}, {role}, {posted[:10]}, sha256:{must_have_digest(must.split(', '))}"


def article_files(count: int, seed: int = 12) -> list[tuple[str, str]]:
    """(relative path, text) of `count` articles; one in four is an English translation."""
    rng = random.Random(seed)
    files = []
    i = 0
    while len(files) < count:
        i += 1
        category = CATEGORIES[i % len(CATEGORIES)]
        city = CITIES[i % len(CITIES)][0]
        title = f"Carnet de bord n° {i} : une semaine de {category.lower()} à {city}"
        slug = f"carnet-de-bord-{i:04d}"
        date = dt.datetime.combine(TODAY - dt.timedelta(days=i * 3 % 900 + 1), dt.time(9, 0)).strftime("%Y-%m-%d %H:%M")
        paragraphs = rng.sample(ARTICLE_PARAGRAPHS, 4)
        body = "\n\n".join(["## Ce que nous avons appris", *paragraphs[:2], "## Et ensuite ?", *paragraphs[2:]])
        author = rng.choice(AUTHORS)
        files.append((f"articles/{slug}.md", (
            f"Title: {title}\nDate: {date}\nAuthor: {author}\nCategory: {category}\nTags: {city}, équipe\n"
            f"Slug: {slug}\nLang: fr\nSummary: Une semaine racontée par l'équipe de {city}.\n\n{body}\n")))
        if i % 3 == 0 and len(files) < count:
            files.append((f"articles/en/{slug}.md", (
                f"Title: Logbook no. {i}: a week of {category.lower()} in {city}\nDate: {date}\nAuthor: {author}\n"
                f"Category: {category}\nTags: {city}, team\nSlug: {slug}\nLang: en\n"
                f"Summary: A week told by the {city} team.\n\n## What we learnt\n\n"
                "Every project starts with one question: what will the client be able to do alone once we have left?\n\n"
                "## What next?\n\nWe hire on skills described with the managers, never on degrees or typical paths.\n")))
    return files


def write_site(target: Path, jobs: int, articles: int) -> dict[str, int]:
    """The repository's sample content plus synthetic jobs and articles up to the given totals."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT / "content", target)
    sample_jobs = sum(1 for _ in (target / "jobs").rglob("*.md"))
    sample_articles = sum(1 for _ in (target / "articles").rglob("*.md"))
    for rel, text in job_files(max(0, jobs - sample_jobs)) + article_files(max(0, articles - sample_articles)):
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return {
        "jobs": sum(1 for _ in (target / "jobs").rglob("*.md")),
        "articles": sum(1 for _ in (target / "articles").rglob("*.md")),
        "markdown": sum(1 for _ in target.rglob("*.md")),
    }


_STATUS = re.compile(r"^Status: .*\n", re.M)


def write_bare(source: Path, target: Path) -> int:
    """The same Markdown (jobs and articles as plain articles, pages as pages) for bare Pelican.

    Only the job status line is dropped: plain Pelican knows no 'open'.
    Events, ambassadors and newsletters are left out (their dates and fields
    mean nothing to Pelican); they are a few dozen files against thousands.
    """
    if target.exists():
        shutil.rmtree(target)
    count = 0
    for kind in ("jobs", "articles", "pages"):
        for path in sorted((source / kind).rglob("*.md")):
            rel = path.relative_to(source / kind)
            folder = "pages" if kind == "pages" else "articles"
            out = target / folder / (kind if kind == "jobs" else "") / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            text = path.read_text(encoding="utf-8")
            out.write_text(_STATUS.sub("", text) if kind == "jobs" else text, encoding="utf-8")
            count += 1
    return count
