"""triage-tui: a keyboard-first terminal board for the Account Triage project."""

__version__ = "0.1.0"
