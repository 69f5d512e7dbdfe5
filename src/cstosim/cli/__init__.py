"""The command-line interface (click). User errors become one-line messages, never tracebacks."""

from cstosim.cli.app import main

__all__ = ["main"]
