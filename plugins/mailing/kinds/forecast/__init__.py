"""The staffing-forecast kind: "a mission for your profile may start soon: interested?" (docs/forecasts.md)."""

from . import kind  # noqa: F401  (registers the kind)
