"""Campaign reports, A/B verdicts and recruiting KPIs from what Vivier already knows, with no tracking.

Counts per group only (segment, language, variant, source, kind), never per
person; a group under `MAILING_REPORTS_MIN_GROUP` members shows "< k". See
docs/reports.md for each figure and what it deliberately does not measure.
"""
