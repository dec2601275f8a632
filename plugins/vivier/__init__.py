"""vivier — the command line, and the one way to load settings."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("vivier")
except PackageNotFoundError:  # running from a checkout without install
    __version__ = "0.0.0+local"
