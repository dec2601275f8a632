"""Resolve a campaign's selections (featured jobs, stories, events, ambassador) for one language.

Reads what the careers generators put in the Pelican context; a reference
that does not exist is an error, a job that has closed since is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Resolved:
    items: dict
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field, message)
    warnings: list[tuple[str, str]] = field(default_factory=list)


def _in_lang(items, lang: str, default_lang: str, key):
    """One item per key, in `lang` when translated, else in the default language."""
    chosen: dict = {}
    for item in items:
        k = key(item)
        if item.lang == lang or (k not in chosen and item.lang == default_lang):
            if k not in chosen or chosen[k].lang != lang:
                chosen[k] = item
    return chosen


def _all_articles(context) -> list:
    originals = list(context.get("articles", []))
    everything = originals + [t for a in originals for t in getattr(a, "translations", [])]
    return sorted(everything, key=lambda a: a.date, reverse=True)


def open_jobs(context, lang: str, default_lang: str, memo: dict | None = None) -> list:
    """Open jobs in `lang` (or the default language when untranslated), newest first.

    Every campaign and segment of a build asks for the same list (5,000 jobs
    sorted a dozen times): with `memo` (one dict per build) the answer for the
    very same list of the context is remembered, and a new copy handed out.
    """
    every = context.get("open_jobs", [])
    key = ("open_jobs", id(every), lang, default_lang)
    entry = memo.get(key) if memo is not None else None
    if entry is None or entry[0] is not every:
        jobs = [j for j in every if getattr(j, "is_open", True)]
        chosen = _in_lang(jobs, lang, default_lang, lambda j: j.reference)
        entry = (every, sorted(chosen.values(), key=lambda j: (j.date, j.reference), reverse=True))
        if memo is not None:
            memo[key] = entry  # the list stays alive: its id stays its own
    return list(entry[1])


def resolve(campaign, context, lang: str, default_lang: str, segment: str | None = None,
            memo: dict | None = None) -> Resolved:
    """The featured items of `campaign` for `lang` (events also filtered by `segment`); `memo` (one
    dict per build) keeps the open jobs of each language for the other campaigns and segments."""
    result = Resolved(items={"jobs": [], "articles": [], "events": [], "ambassador": None, "candidates": []})
    candidates = open_jobs(context, lang, default_lang, memo)
    result.items["candidates"] = candidates if campaign.matches else []

    mode, value = campaign.jobs
    if mode == "latest":
        result.items["jobs"] = candidates[:value]
    elif mode == "pick":
        every = _in_lang(list(context.get("jobs", [])), lang, default_lang, lambda j: j.reference)
        for ref in value:
            job = every.get(ref)
            if job is None:
                known = ", ".join(sorted(every)) or "none yet"
                result.errors.append(("jobs", f"no job has the reference {ref!r} (known: {known})"))
            elif not getattr(job, "is_open", False):
                result.warnings.append(("jobs", f"job {ref!r} is closed or expired; it is left out of the email"))
            else:
                result.items["jobs"].append(job)

    articles = [a for a in _all_articles(context) if a.lang == lang]
    mode, value = campaign.articles
    if mode == "latest":
        result.items["articles"] = articles[:value]
    elif mode == "pick":
        by_slug = {a.slug: a for a in articles}
        for slug in value:
            if slug in by_slug:
                result.items["articles"].append(by_slug[slug])
            else:
                result.errors.append(("articles", f"no {lang} article has the slug {slug!r}"))

    upcoming = [e for e in context.get("upcoming_events", []) if e.lang == lang and not getattr(e, "is_past", False)]
    mode, value = campaign.events
    if mode == "latest":
        fitting = [e for e in upcoming if getattr(e, "status", "") != "cancelled"
                   and (not getattr(e, "segments", None) or segment in e.segments)]
        result.items["events"] = fitting[:value]
    elif mode == "pick":
        every = {e.slug: e for e in context.get("events", []) if e.lang == lang}
        every.update({str(getattr(e, "uid", "")): e for e in context.get("events", []) if e.lang == lang})
        for ident in value:
            event = every.get(ident)
            if event is None:
                result.errors.append(("events", f"no {lang} event has the slug or uid {ident!r}"))
            elif getattr(event, "is_past", False):
                result.warnings.append(("events", f"event {ident!r} is past; it is left out of the email"))
            else:
                result.items["events"].append(event)

    if campaign.ambassador:
        people = [a for a in context.get("ambassadors", []) if getattr(a, "slug", None) == campaign.ambassador]
        person = next((a for a in people if a.lang == lang), None) or next(iter(people), None)
        if person is None:
            result.errors.append(("ambassador", f"no published ambassador has the slug {campaign.ambassador!r}"))
        result.items["ambassador"] = person
    return result
