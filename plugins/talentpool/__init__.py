"""The talent pool: members, their store, imports, segments, policy and privacy.

Plain Python on purpose: it imports neither Pelican, nor `careers`, nor
`mailing`, nor the email package, so it can be tested and reused alone.
"today" is always passed in as a `datetime.date`.
"""
