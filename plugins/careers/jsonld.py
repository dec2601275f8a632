"""schema.org `JobPosting` JSON-LD for Google for Jobs, on open job pages only.

Every value here is also visible on the page (title, description, dates,
places, pay, contract, reference, employer).
"""

from __future__ import annotations

import datetime as dt
import json
from html import escape
from urllib.parse import urlsplit

from .dates import site_zone
from .urls import absolute

# French contracts → schema.org employmentType (with the working time).
EXTRA_TYPES = {
    "CDI": [],
    "CDD": ["TEMPORARY"],
    "intérim": ["TEMPORARY"],
    "alternance": ["INTERN"],
    "stage": ["INTERN"],
    "freelance": ["CONTRACTOR"],
}
UNITS = {"year": "YEAR", "month": "MONTH", "day": "DAY", "hour": "HOUR"}


def employment_type(contract: str, working_time: str) -> list[str]:
    """CDI → FULL_TIME, CDD → FULL_TIME + TEMPORARY, freelance → CONTRACTOR…"""
    if contract == "freelance":
        return ["CONTRACTOR"]
    basis = "PART_TIME" if working_time == "part-time" else "FULL_TIME"
    return [basis, *EXTRA_TYPES.get(contract, ["OTHER"])]


def direct_apply(job, settings) -> bool:
    """True only when the application starts on our own site (schema.org, Google): never for an email
    link, nor for an applicant-tracking system on another host."""
    ours = urlsplit(settings["PUBLIC_URL"]).netloc
    return bool(job.apply_url) and urlsplit(job.apply_url).netloc == ours


def description_extra(job, t) -> str:
    """The page's sections that are not in the Markdown body, as HTML: must-have and nice-to-have
    skills, experience, interview process and pay (Google: the description says what the page says)."""
    lang, parts = job.lang, []

    def section(key, body):
        parts.append(f"<h2>{escape(t(key, lang))}</h2>{body}")

    def items(tag, values):
        return f"<{tag}>" + "".join(f"<li>{escape(v)}</li>" for v in values) + f"</{tag}>"

    if job.must_have:
        section("jobs.must_have", items("ul", job.must_have))
    if job.nice_to_have:
        section("jobs.nice_to_have", items("ul", job.nice_to_have))
    section("jobs.experience_label", f"<p>{escape(job.experience_label)}</p>")
    if job.interview_steps:
        section("jobs.process", items("ol", job.interview_steps))
    if job.salary_text:
        section("jobs.salary", f"<p>{escape(job.salary_text)}</p>")
    return "".join(parts)


def description(job) -> str:
    """The ad's body followed by the sections the page shows around it (see `description_extra`)."""
    return job.content + getattr(job, "description_extra", "")


def valid_through(job, settings) -> str:
    """The last open day, to its last second, in the site's zone."""
    end = dt.datetime.combine(job.valid_through, dt.time(23, 59, 59), tzinfo=site_zone(settings))
    return end.isoformat()


def _place(place) -> dict:
    address = {"@type": "PostalAddress", "addressLocality": place.city, "addressCountry": place.country}
    if place.street_address:
        address["streetAddress"] = place.street_address
    if place.postal_code:
        address["postalCode"] = place.postal_code
    if place.region:
        address["addressRegion"] = place.region
    return {"@type": "Place", "address": address}


def job_posting(job, settings) -> dict:
    """The JobPosting of an open job (callers never ask for closed ones)."""
    company = settings["CAREERS_COMPANY"]
    organization = {"@type": "Organization", "name": company["name"], "sameAs": company["url"]}
    if company.get("logo"):
        organization["logo"] = absolute(settings, company["logo"])
    data = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": job.title,
        "description": description(job),
        "datePosted": job.date.isoformat(timespec="seconds"),
        "validThrough": valid_through(job, settings),
        "employmentType": employment_type(job.contract, job.working_time),
        "hiringOrganization": organization,
        "identifier": {"@type": "PropertyValue", "name": company["name"], "value": job.reference},
        "directApply": direct_apply(job, settings),
        "url": absolute(settings, job.url),
        "inLanguage": job.lang,
        "industry": job.department_label,
        "skills": ", ".join(job.must_have),
    }
    places = [_place(p) for p in job.locations if p.city]
    if places:
        data["jobLocation"] = places if len(places) > 1 else places[0]
    if job.remote == "remote":
        data["jobLocationType"] = "TELECOMMUTE"
        data["applicantLocationRequirements"] = [{"@type": "Country", "name": c} for c in applicant_countries(job)]
    if job.salary_min is not None and job.salary_max is not None:
        data["baseSalary"] = {
            "@type": "MonetaryAmount",
            "currency": job.salary_currency,
            "value": {
                "@type": "QuantitativeValue",
                "minValue": _number(job.salary_min),
                "maxValue": _number(job.salary_max),
                "unitText": UNITS[job.salary_period],
            },
        }
    return data


def applicant_countries(job) -> list[str]:
    countries = list(job.applicant_countries) or [p.country for p in job.locations if p.country]
    return list(dict.fromkeys(countries))


def _number(value):
    return int(value) if value == value.to_integral_value() else float(value)


def to_script(data: dict) -> str:
    """JSON safe inside <script>: no '</' can close the element early."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))  # compact: json's C encoder
    return text.replace("</", "<\\/")
