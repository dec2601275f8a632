"""The talent community: join without applying, double opt-in, consent proofs, job-alert criteria.

Plain logic over the talent-pool store, used by the web application's
sign-up and preferences pages (`mailing.webapp.signup`, `.preferences`) and
by the job-alert planner (`mailing.kinds.job_alert.digests`).
"""
