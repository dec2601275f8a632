"""CLI command modules; each exposes `commands = [click commands]`."""
