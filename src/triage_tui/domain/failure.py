"""The one exception every layer may raise with a message already fit for a person."""

from __future__ import annotations


class PhrasedError(Exception):
    """A failure already phrased for a person: shown as it is, never as a class name.

    The store's cache errors are these, so a sync cut off by a full disk says so in its
    report (the sync layer cannot import the store to recognise them)."""
