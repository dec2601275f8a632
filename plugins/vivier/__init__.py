"""vivier — the command line, and the one way to load settings."""


def __getattr__(name: str):
    """`__version__`, read from the installed metadata when first asked for.

    `importlib.metadata` costs about 35 ms to import, which every command
    paid at start-up for a value only `vivier --version` shows.
    """
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("vivier")
    except PackageNotFoundError:  # running from a checkout without install
        found = "0.0.0+local"
    globals()["__version__"] = found
    return found
