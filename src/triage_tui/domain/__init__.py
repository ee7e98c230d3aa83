"""The triage rules, pure: standard library only, no I/O, time passed in.

"Rule 1" … "rule 8" in this package and the rest of the code are the triage project's
rules as numbered in docs/handbook.md.
"""
