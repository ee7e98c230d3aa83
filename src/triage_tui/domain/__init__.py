"""The triage rules, pure: standard library only, no I/O, time passed in."""
