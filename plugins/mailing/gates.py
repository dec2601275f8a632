"""Quality gates on every compiled variant: a problem here fails the build.

Each check returns plain-language messages; the generator files them in the
build's ContentReport with the campaign file and the variant named.
"""

from __future__ import annotations

import hashlib
import html as htmllib
import json
import re
from array import array
from itertools import chain
from typing import NamedTuple

from .cards import FilledCards
from .parts import ITEM_PLACEHOLDERS, MEMBER_PLACEHOLDERS, PLACEHOLDER_RE, join_parts
from .pipeline import CompiledVariant

_IMG = re.compile(r"<img\b[^>]*>", re.I)
_UNSUPPORTED_IMAGE = re.compile(r"\.(svg|webp)(\?|#|$)", re.I)
_ALT = re.compile(r"\salt\s*=\s*(\"([^\"]*)\"|'([^']*)')", re.I)
_LINK = re.compile(r"\s(href|src)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", re.I)
_HTML_LANG = re.compile(r"<html\b[^>]*\slang=\"([^\"]*)\"", re.I)
_TEXT_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"')]+")
_MJML_LEFT = re.compile(r"<mj-[a-z]|inline=\"inline\"")
_KNOWN = set(MEMBER_PLACEHOLDERS) | set(ITEM_PLACEHOLDERS)


def worst_case_bytes(compiled: CompiledVariant) -> int:
    """Bytes of the biggest email this variant can produce (largest matched jobs)."""
    size = len(compiled.html.skeleton().encode("utf-8"))
    regions = compiled.html.regions
    matched = regions.get("matched")
    options = []
    if matched is not None:
        items = _sizes_largest_first(matched.items)
        fixed = len("".join(matched.prefix + matched.suffix).encode("utf-8"))
        options.append(fixed + sum(items[: max(compiled.matches, 0)]) + 200 * compiled.matches)
    if "nomatch" in regions:
        r = regions["nomatch"]
        options.append(len("".join(r.prefix + r.suffix).encode("utf-8")))
    # Member values (name, signed links) add a few hundred bytes at most.
    return size + max(options or [0]) + 600


def _utf8_size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def _sizes_largest_first(items) -> list[int]:
    """The UTF-8 size of each item, largest first; for job cards (`FilledCards`), those the gates' scan of
    the list measured (`_card_findings`): the cards are not kept filled, and filling them again per variant
    would cost as much as the scan."""
    if type(items) is FilledCards:
        return _card_findings(items, "html")[1]
    return sorted((_utf8_size("".join(i)) for i in items), reverse=True)


class _Scan(NamedTuple):
    """What the gates look for in one literal piece (skeleton, region part or filled card)."""

    images: tuple[str, ...]
    links: tuple[tuple[str, str], ...]
    text_urls: tuple[str, ...]
    placeholders: tuple[str, ...]
    mjml_left: bool
    carriage_return: bool


_SCANS: dict[tuple[int, str], tuple[list, tuple, _Scan]] = {}
_SCANS_MAX = 50_000  # filled cards remembered (each entry holds references, not copies)


# What the gates read of each part's scans (`_check`): images, links and MJML left-overs of the
# HTML part, the URLs of the plain-text part, placeholders and carriage returns of both.
HTML_FIELDS = ("images", "links", "placeholders", "mjml_left", "carriage_return")
TEXT_FIELDS = ("text_urls", "placeholders", "carriage_return")


# Letters that `re.I` matches with an ASCII letter of "<img", "href" or "src" although `str.lower()`
# does not turn them into it: dotless ı and dotted İ (i), long ſ (s).
_FOLDS_TO_ASCII = "ıİſ"


def _scan_text(text: str, part: str | None = None) -> _Scan:
    """What the gates look for in `text`: each pattern runs only where its fixed part occurs.

    Most filled cards hold no image, plain-text cards no tag, none any MJML:
    a substring test (C speed) spares the regular expression, with the same
    findings (tests/mailing/test_gates_scan.py compares it with every pattern over the whole text). With
    `part` ("html" or "text") the patterns whose findings the gates do not
    read for that part (HTML_FIELDS, TEXT_FIELDS) are not run either.
    """
    html, plain = part != "text", part != "html"
    low = text.lower() if html and ("<" in text or "=" in text) else ""  # _IMG needs "<", _LINK "="
    if low and not text.isascii() and any(c in text for c in _FOLDS_TO_ASCII):
        low = "<img href src"  # `re.I` matches these letters where `lower()` does not: run both patterns
    return _Scan(
        tuple(_IMG.findall(text)) if "<img" in low else (),
        tuple(_links(text)) if "href" in low or "src" in low else (),
        tuple(_TEXT_URL.findall(text)) if plain and "://" in text else (),
        tuple(PLACEHOLDER_RE.findall(text)) if "%%VIVIER:" in text else (),
        html and ("<mj-" in text or 'inline="inline"' in text) and bool(_MJML_LEFT.search(text)),
        "\r" in text,
    )


def _scan_item(item: list[str], part: str) -> _Scan:
    """The findings of one filled card, remembered: the segments and variants of a campaign share
    their filled cards (the same lists, see cards.py), so each is scanned once per build, not per variant.
    A remembered card is reused only while it is the same list with the same pieces."""
    pieces = tuple(item)
    entry = _SCANS.get((id(item), part))
    if entry is not None and entry[0] is item and entry[1] == pieces:
        return entry[2]
    if len(_SCANS) >= _SCANS_MAX:
        _SCANS.clear()
    found = _scan_text(join_parts(item), part)
    _SCANS[(id(item), part)] = (item, pieces, found)
    return found


def _scans(rendered, part: str) -> list[_Scan]:
    """The skeleton, then each region's prefix, suffix and items (the order of `all_texts`)."""
    scans = [_scan_text(rendered.skeleton(), part)]
    for region in rendered.regions.values():
        scans += [_scan_text(join_parts(region.prefix), part), _scan_text(join_parts(region.suffix), part)]
        if type(region.items) is FilledCards:
            scans.append(_scan_cards(region.items, part))
        else:
            scans += [_scan_item(item, part) for item in region.items]
    return scans


# Card lists -> (the list, its scan, its HTML cards' sizes largest first), kept together: emptied together.
_CARD_SCANS: dict[tuple[int, str], tuple[FilledCards, _Scan, list[int] | None]] = {}
_CARD_SCANS_MAX = 64  # card lists remembered: one per campaign, segment and language in a build


def _join_scans(scans: list[_Scan]) -> _Scan:
    """One scan holding what `scans` found, in their order: the gates read findings in order and
    flags with `any`, so a list's cards as one scan give the same problems as card by card."""
    return _Scan(
        tuple(chain.from_iterable(s.images for s in scans)), tuple(chain.from_iterable(s.links for s in scans)),
        tuple(chain.from_iterable(s.text_urls for s in scans)), tuple(chain.from_iterable(s.placeholders for s in scans)),
        any(s.mjml_left for s in scans), any(s.carriage_return for s in scans),
    )


def _scan_cards(cards: FilledCards, part: str) -> _Scan:
    """The findings of a whole list of job cards, as one scan, remembered while the list lives.

    The variants of a segment share one list of filled cards, which never
    changes once made (cards.py), and every variant's check went through
    its 5,000 cards' findings again (about a third of the gates' time in a
    cold 5,000-job build): now each variant reads one scan per list.
    """
    return _card_findings(cards, part)[0]


def _card_findings(cards: FilledCards, part: str) -> tuple[_Scan, list[int] | None]:
    """(`_scan_cards`, the cards' UTF-8 sizes largest first for the HTML part): the sizes are measured in the
    same pass, for `worst_case_bytes`, as it counts them (placeholders by their names)."""
    entry = _CARD_SCANS.get((id(cards), part))
    if entry is not None and entry[0] is cards:
        return entry[1], entry[2]
    if len(_CARD_SCANS) >= _CARD_SCANS_MAX:
        _CARD_SCANS.clear()
    sizes = [] if part == "html" else None
    scans = []
    for item in cards:
        if sizes is not None:
            sizes.append(_utf8_size("".join(item)))
        scans.append(_scan_text(join_parts(item), part))
    found = _join_scans(scans)
    if sizes is not None:
        sizes.sort(reverse=True)
    _CARD_SCANS[(id(cards), part)] = (cards, found, sizes)
    return found, sizes


def check(compiled: CompiledVariant, settings) -> list[str]:
    """Every gate problem of one variant (empty when it may be sent).

    With Pelican's cache on, the answer is remembered across builds
    (`mailing.memo`), keyed by everything the gates read: every piece of both
    parts, the subject, preheader, language, number of matches, the
    compilation's problems and the settings in SETTINGS (the gates are given
    those alone, so a gate reading another setting fails at once).
    """
    from . import memo

    limits = {name: settings[name] for name in SETTINGS if name in settings}
    cache = memo.for_settings(settings)
    if cache is None:
        return _check(compiled, limits)
    try:
        key = cache.key("gates", repr(sorted((name, repr(value)) for name, value in limits.items())),
                        variant_digest(compiled))
    except (TypeError, ValueError):  # a piece that is not text: check it the long way, remember nothing
        return _check(compiled, limits)
    found = cache.get(key)
    if found is not memo.MISS and isinstance(found, list) and all(isinstance(p, str) for p in found):
        return list(found)
    problems = _check(compiled, limits)
    cache.put(key, problems)
    return problems


# The only settings the gates read (`check` hands `_check` these and no other).
SETTINGS = ("MAILING_MAX_HTML_BYTES", "MAILING_SUBJECT_MAX", "MAILING_PREHEADER_MIN", "MAILING_PREHEADER_MAX")


# --- The complete input of the gates, as one digest -----------------------------------------

_DIGESTS: dict[tuple[int, ...], tuple[tuple, bytes]] = {}
_DIGESTS_MAX = 64  # item lists remembered: the segments of a campaign share theirs (cards.py)


def _items_digest(items: list[list[str]]) -> bytes:
    """SHA-256 of every piece of a region's items, their boundaries included; for job cards not
    filled yet (`cards.FilledCards`), the digest of what fills them, which fills none.

    The segments of a campaign share their filled cards (the same lists), so
    the digest of lists already seen is found by their ids, then reused only
    if they hold the very same pieces (compared one by one, most by identity):
    the digest depends on the pieces alone, so an edited card is digested again.
    """
    if type(items) is FilledCards:
        return items.digest()
    ids = tuple(map(id, items))
    pieces = tuple(map(tuple, items))
    entry = _DIGESTS.get(ids)
    if entry is not None and entry[0] == pieces:
        return entry[1]
    flat = list(chain.from_iterable(pieces))
    digest = hashlib.sha256()
    digest.update("".join(flat).encode("utf-8", "surrogatepass"))  # TypeError for a piece that is not text
    digest.update(array("q", map(len, flat)).tobytes())  # where each piece ends
    digest.update(array("q", map(len, pieces)).tobytes())  # and each item
    found = digest.digest()
    if len(_DIGESTS) >= _DIGESTS_MAX:
        _DIGESTS.clear()
    _DIGESTS[ids] = (pieces, found)
    return found


def variant_digest(compiled: CompiledVariant) -> bytes:
    """A digest of everything `_check` reads of a variant (the settings aside)."""
    digest = hashlib.sha256()

    def add(value) -> None:
        text = json.dumps(value, ensure_ascii=True, allow_nan=False)
        digest.update(len(text).to_bytes(8, "big"))
        digest.update(text.encode("ascii"))

    add([list(compiled.problems), compiled.subject, compiled.preheader, compiled.lang, compiled.matches])
    for rendered in (compiled.html, compiled.text):
        add([rendered.body, list(rendered.regions)])
        for region in rendered.regions.values():
            add([region.prefix, region.suffix, len(region.items)])
            digest.update(_items_digest(region.items))
    return digest.digest()


def _check(compiled: CompiledVariant, settings) -> list[str]:
    problems = list(compiled.problems)
    html_scans = _scans(compiled.html, "html")
    text_scans = _scans(compiled.text, "text")
    html_links = [link for scan in html_scans for link in scan.links]

    limit = settings["MAILING_MAX_HTML_BYTES"]
    size = worst_case_bytes(compiled)
    if size >= limit:
        problems.append(
            f"the HTML is {size / 1000:.1f} KB at its largest; keep it under {limit / 1000:.0f} KB "
            "(Gmail clips long emails and hides the unsubscribe link): feature fewer items"
        )
    for tag in (tag for scan in html_scans for tag in scan.images):
        alt = _ALT.search(tag)
        src = re.search(r"src=\"([^\"]*)\"", tag)
        if not alt or not (alt.group(2) or alt.group(3) or "").strip():
            problems.append(f"image {src.group(1) if src else tag[:60]!r} has no alt text; describe it in the template or content")
        if src and _UNSUPPORTED_IMAGE.search(src.group(1)):
            problems.append(f"image {src.group(1)!r} is SVG or WebP, which Gmail and Outlook do not show; use PNG or JPEG")
    lang = _HTML_LANG.search(compiled.html.skeleton())
    if not lang or lang.group(1) != compiled.lang:
        problems.append(f"the document's lang is {lang.group(1) if lang else 'missing'!r}, not {compiled.lang!r}: set <mjml lang=…>")
    for attr, url in html_links:
        if PLACEHOLDER_RE.fullmatch(url) and url.endswith("_url%%"):
            continue
        if not (url.startswith("https://") or url.startswith("mailto:")):
            problems.append(f"{attr} {url!r} is not an absolute https:// link; links in emails must be absolute")
    text_found = [url for scan in text_scans for url in scan.text_urls]
    for url in text_found:
        if not url.startswith("https://"):
            problems.append(f"plain-text link {url!r} is not https://")
    text_urls = set(text_found) | {f"%%VIVIER:{n}%%" for n in ("unsubscribe_url", "preferences_url")}
    for attr, url in html_links:
        if attr == "href" and url.startswith("https://") and url not in text_urls:
            problems.append(f"link {url!r} is in the HTML part but missing from the plain-text part")
    for name in ("unsubscribe_url", "preferences_url"):
        token = f"%%VIVIER:{name}%%"
        if token not in compiled.html.skeleton() or token not in compiled.text.skeleton():
            problems.append(f"the {name.replace('_url', '')} link must appear in both parts of every email")
    for scan in html_scans + text_scans:
        for name in scan.placeholders:
            if name not in _KNOWN and not name.startswith("region."):
                problems.append(f"unknown placeholder %%VIVIER:{name}%% (known: {', '.join(sorted(_KNOWN))})")
    if any(scan.carriage_return for scan in html_scans + text_scans):
        problems.append("carriage returns remain after CRLF normalisation")
    if any(scan.mjml_left for scan in html_scans):
        problems.append("MJML tags or an un-inlined mj-style remain in the compiled HTML")
    subject_max = settings["MAILING_SUBJECT_MAX"]
    if not compiled.subject.strip() or len(compiled.subject) > subject_max:
        problems.append(f"subject is {len(compiled.subject)} characters; write 1 to {subject_max}")
    low, high = settings["MAILING_PREHEADER_MIN"], settings["MAILING_PREHEADER_MAX"]
    if not low <= len(compiled.preheader) <= high:
        problems.append(f"preheader is {len(compiled.preheader)} characters; write {low} to {high} (it shows after the subject in the inbox)")
    return _unique(problems)


def _links(text: str):
    for match in _LINK.finditer(text):
        yield match.group(1).lower(), htmllib.unescape(match.group(2) if match.group(2) is not None else match.group(3))


def _unique(items: list[str]) -> list[str]:
    seen, result = set(), []
    for item in items:
        if item not in seen:
            seen.add(item)
            result.append(item)
    return result
