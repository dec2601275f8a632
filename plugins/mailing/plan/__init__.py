"""The plan format: one writer (`writer`), one reader (`mailing.delivery.plan`), versioned (`format`)."""
