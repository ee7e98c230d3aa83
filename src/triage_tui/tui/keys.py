"""The keys each binding is bound to now (the config's [keymap] applied), for every hint
that names a key, and the check of that keymap (unknown ids, impossible keys, a key
bound twice on one screen).

Hints are built from the bindings, never typed: a key remapped in [keymap] shows its
new key in the title bar, the dialogs' help lines and the command palette alike.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.keys import KEY_NAME_REPLACEMENTS, Keys

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
#: Key names Textual knows besides single characters and Unicode names ("question_mark").
_NAMED = frozenset(
    {key.value.rpartition("+")[2] for key in Keys if not key.value.startswith("<")}
    | set(KEY_NAME_REPLACEMENTS.values())
)


def normal_key(key: str) -> str:
    """A key as Textual binds it: "?" is "question_mark", "/" is "slash"."""
    key = key.strip()
    if len(key) != 1 or key.isalnum():
        return key
    try:
        name = unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return key
    return KEY_NAME_REPLACEMENTS.get(name, name)


def key_problem(key: str) -> str:
    """Why `key` can never be pressed ("" when it can): a typo such as "ctl+s" or "tabb"
    would otherwise leave the action with no key at all, silently."""
    *modifiers, base = key.strip().split("+")
    if not base:
        return "an empty key" if not modifiers else f'"{key}" ends with "+"'
    if unknown := [m for m in modifiers if m not in MODIFIERS]:
        return f'"{key}": no modifier "{unknown[0]}" (ctrl, shift, alt, meta, super)'
    if len(base) == 1 and base.isprintable():
        return ""
    if base in _NAMED:
        return ""
    try:
        unicodedata.lookup(base.replace("_", " "))  # "question_mark", "full_stop"
    except KeyError:
        return f'"{key}": no key called "{base}"'
    return ""


def keymap_of(app: App[object]) -> Mapping[str, str]:
    """The app's [keymap] (binding id -> keys), as the config gave it."""
    keymap: Mapping[str, str] = getattr(app, "keymap", {})
    return keymap


def bound_keys(binding: Binding, keymap: Mapping[str, str]) -> list[str]:
    """The keys `binding` answers to under `keymap`, normalised ("?" -> question_mark)."""
    keys = keymap.get(binding.id or "") or binding.key
    return [normal_key(key) for key in keys.split(",") if key.strip()]


def find_binding(node: DOMNode, binding_id: str) -> Binding:
    """The binding `binding_id` of `node`'s class (or a base class) or of its app."""
    for cls in (*type(node).__mro__, *type(node.app).__mro__):
        for binding in getattr(cls, "BINDINGS", ()):
            if isinstance(binding, Binding) and binding.id == binding_id:
                return binding
    raise LookupError(f"no binding {binding_id!r} on {type(node).__name__}")


def display_keys(app: App[object], binding: Binding) -> str:
    """The binding's keys under the app's keymap, as the footer writes them ("shift+→ / L")."""
    keys = bound_keys(binding, keymap_of(app))
    return " / ".join(app.get_key_display(binding.with_key(key, key_display=None)) for key in keys)


def key_text(node: DOMNode, binding_id: str) -> str:
    """What to press for `binding_id` on `node` (a screen), e.g. "b", "^s", "esc"."""
    return display_keys(node.app, find_binding(node, binding_id))


# -- checking the keymap ----------------------------------------------------------------------


def screens_bindings() -> dict[str, list[Binding]]:
    """Every screen's bindings, in the order Textual looks a key up (focused widget first,
    the app's last; a modal's chain stops at the modal). Imported here, not at start-up:
    only a keymap to check pays for the screens' imports."""
    from triage_tui.tui.app import TriageApp
    from triage_tui.tui.board_screen import BoardScreen, FilterBar
    from triage_tui.tui.board_view import BoardView
    from triage_tui.tui.er_screen import ERScreen
    from triage_tui.tui.help_modal import HelpModal
    from triage_tui.tui.move_modal import MoveModal
    from triage_tui.tui.new_issue_modal import NewIssueModal
    from triage_tui.tui.notes_screen import NotesScreen
    from triage_tui.tui.outbox_screen import OutboxScreen
    from triage_tui.tui.pickers import MenuModal, PickModal, TextModal
    from triage_tui.tui.team_screen import TeamScreen

    def own(*classes: type) -> list[Binding]:
        found = (b for cls in classes for b in getattr(cls, "BINDINGS", ()))
        return [b for b in found if isinstance(b, Binding)]

    app = own(TriageApp)
    return {
        "the board": own(BoardView, BoardScreen) + app,
        "the filter bar": own(FilterBar),
        "the ER call": own(ERScreen) + app,
        "the weekly updates": own(NotesScreen) + app,
        "the keys list": own(HelpModal),
        "the move dialog": own(MoveModal),
        "the new issue dialog": own(NewIssueModal),
        "the team dialog": own(TeamScreen),
        "the outbox": own(OutboxScreen),
        "a menu": own(MenuModal),
        "a pick list": own(PickModal),
        "a text dialog": own(TextModal),
    }


def keymap_problems(
    keymap: Mapping[str, str], screens: Mapping[str, Sequence[Binding]]
) -> list[str]:
    """What is wrong with `keymap`, one sentence each: ids that name no binding (with
    the valid ones), keys that cannot be pressed, and a key two bindings of one screen
    share (Textual runs one of them; the other would never run)."""
    problems: list[str] = []
    known = sorted({b.id for bindings in screens.values() for b in bindings if b.id})
    for binding_id in keymap:
        if binding_id not in known:
            problems.append(
                f"[keymap] has no binding {binding_id!r}{_valid_ids(binding_id, known)}"
            )
    for binding_id, keys in keymap.items():
        bad = [key_problem(key) for key in keys.split(",")] if keys.strip() else ["no key"]
        if bad := [reason for reason in bad if reason]:
            problems.append(f"[keymap] {binding_id!r} = {keys!r}: {'; '.join(bad)}.")
    for screen, bindings in screens.items():
        problems += _clashes(screen, bindings, keymap)
    return problems


def _valid_ids(unknown: str, known: list[str]) -> str:
    """The ids to pick from: the likeliest first, then those of its family ("board.")."""
    guess = difflib.get_close_matches(unknown, known, n=1)
    family = unknown.partition(".")[0] + "."
    ids = [binding_id for binding_id in known if binding_id.startswith(family)] or known
    said = f" (did you mean {guess[0]!r}?)" if guess else ""
    return f"{said}; the ids are: {', '.join(_runs(ids))} (`?` lists them by key)."


def _runs(ids: list[str]) -> list[str]:
    """ "board.column-1" … "board.column-9" as one "board.column-1…9"."""
    out: list[str] = []
    for binding_id in ids:
        stem, _, number = binding_id.rpartition("-")
        if number.isdigit() and out and out[-1].startswith(f"{stem}-"):
            out[-1] = f"{out[-1].partition('…')[0]}…{number}"
        else:
            out.append(binding_id)
    return out


def _clashes(screen: str, bindings: Iterable[Binding], keymap: Mapping[str, str]) -> list[str]:
    owners: dict[str, list[str]] = {}
    for binding in bindings:
        for key in bound_keys(binding, keymap):
            ids = owners.setdefault(key, [])
            if binding.id and binding.id not in ids:
                ids.append(binding.id)
    return [
        f"In {screen}, {key!r} is bound to both {' and '.join(ids)}: only one of them "
        "can run; remap the other in [keymap]."
        for key, ids in owners.items()
        if len(ids) > 1 and any(binding_id in keymap for binding_id in ids)
    ]


def key_name(app: App[object], key: str) -> str:
    """A key no binding of ours holds (Enter in a text field, Tab), written as the bound
    ones are, so one help line reads alike."""
    return app.get_key_display(Binding(key, ""))
