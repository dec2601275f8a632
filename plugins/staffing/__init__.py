"""staffing — how well the talent pool fits what recruiting and sales expect to need.

Plain Python over `talentpool` (members, policy, skill vocabulary) and the
matching of `mailing.matching`: the pool fit of a job ad's must-haves before
it is published (`vivier job fit`), and sales' private staffing forecasts
(`vivier forecast …`). Counts only leave this package; member lists go to
the private area, never to `output/` or git. It may import `talentpool`,
`careers` (to read job headers), `mailing.matching` and the k threshold of
`mailing.reports.stats`; none of them imports it (only the `vivier` command
line and the `forecast` message kind do).
"""
