"""`E`: the weekly Customer ER call, driven by a lead from the keyboard.

The agenda's sections (triage_tui.domain.er_call) with their counts at the top,
walked in order with 1-5. Every fix goes through the same outbox as the board's
edits and into the call's record in the cache (started when the screen first opens,
resumed after Esc, a restart or a crash, ended with `e`), from which the Markdown
summary (`x`) is built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from triage_tui.domain.accounts import Account
from triage_tui.domain.board import BoardKind, Column, with_card_in
from triage_tui.domain.er_call import (
    DEFAULT_ARR_THRESHOLD,
    ActionKind,
    Agenda,
    CallInputs,
    ERCall,
    Mismatch,
    account_index,
    agenda_with_card,
    score_age,
    score_word,
)
from triage_tui.domain.health import AT_RISK_FIRST, Health
from triage_tui.domain.issue import Card, iid_text
from triage_tui.domain.labels import Region
from triage_tui.domain.new_issue import NewIssueForm
from triage_tui.domain.triage import MoveRefused
from triage_tui.services import TriageService
from triage_tui.tui.detail_pane import render_detail
from triage_tui.tui.edit_hub import hub
from triage_tui.tui.format import WithHint, money_phrase, renewal_phrase, silent_phrase
from triage_tui.tui.guards import can_edit, saving
from triage_tui.tui.keys import key_text
from triage_tui.tui.new_issue_modal import NewIssueModal
from triage_tui.tui.pickers import MenuModal, TextModal

#: Below this width the list takes the whole screen; Enter shows the detail instead.
NARROW_WIDTH = 110

Item = Card | Account | Mismatch


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    item: Item


@dataclass(frozen=True, slots=True)
class Section:
    """One part of the agenda, as the call's screen shows it."""

    key: str
    title: str
    """As the agenda counts it (Agenda.counts)."""
    short: str
    """Where the terminal is narrow (80 columns must show all five)."""
    rows: Callable[[Agenda], list[Row]]
    help: Callable[[Callable[[str], str]], str]
    """The keys that act here, given how to name a binding's key (ERScreen._key)."""
    card_note: Callable[[Card], str] = lambda card: ""
    """What a card's line says after it."""


SECTIONS = (
    Section(
        "new",
        "New at-risk",
        "New",
        lambda agenda: [Row("card", c) for c in agenda.new_issues],
        lambda key: f"{key('er.review')} marks reviewed (removes ~New)",
    ),
    Section(
        "missing",
        "Missing issues",
        "Missing",
        lambda agenda: [Row("account", a) for a in agenda.missing_issues],
        lambda key: f"{key('er.open-issue')} opens a triage issue prefilled from the account",
    ),
    Section(
        "mismatch",
        "Mismatches",
        "Mismatch",
        # Issues that cannot be checked at all come last: their URL needs fixing.
        lambda agenda: (
            [Row("mismatch", m) for m in agenda.mismatches]
            + [Row("card", c) for c in agenda.unmatched_issues]
        ),
        lambda key: (
            f"{key('er.gitlab-right')}: GitLab is right (updates Salesforce) · "
            f"{key('er.salesforce-right')}: Salesforce is right (relabels the issue); both ask why"
        ),
        lambda card: "no Salesforce account: the issue's Salesforce URL is missing or wrong",
    ),
    Section(
        "renewal",
        "Renewals without TAM",
        "No TAM",
        lambda agenda: [Row("account", a) for a in agenda.renewals_without_tam],
        lambda key: "",
    ),
    Section(
        "stale",
        "Stale / silent",
        "Stale",
        lambda agenda: (
            [Row("account", a) for a in agenda.stale_scores]
            + [Row("card", c) for c in agenda.silent_issues]
        ),
        lambda key: (
            f"scores not confirmed in 31 days ({key('er.confirm-score')} confirms one "
            "in Salesforce, with a note), then issues without a weekly update in 7 · "
        ),
        silent_phrase,
    ),
)
SECTION = {section.key: section for section in SECTIONS}


#: "NO HEALTH", the widest health word: the names after it line up.
_HEALTH_WIDTH = 9


def _day_or(day: date | None, otherwise: str) -> str:
    return day.isoformat() if day is not None else otherwise


def _money(value: float | None) -> str:
    return "ARR ?" if value is None else f"ARR {money_phrase(value)}"


def _account_line(account: Account, today: date, *, age: bool = False) -> Content:
    """An account as a line; with `age`, how old its score is comes first ("117d",
    "never"): what the stale-score check is about, before anything is cut off."""
    days = (account.renewal_date - today).days if account.renewal_date is not None else None
    health = account.health.label.upper() if account.health is not None else "NO SCORE"
    old = score_age(account, today)
    return Content.assemble(
        ("⧗ " if account.pending else "", "$warning"),
        (f"{health:<{_HEALTH_WIDTH}}", "bold"),
        (f" {'never' if old is None else f'{old}d':>5}" if age else "", "bold $warning"),
        f" {account.name}",
        (
            f"  {account.region or 'no region'} · {renewal_phrase(days)} · {_money(account.arr)}"
            f" · TAM {('@' + account.tam) if account.tam else 'none'}",
            "$text-muted",
        ),
    )


def _card_line(card: Card, note: str = "") -> Content:
    """A card as a line; without a `note`, what the call asks about it: where, when it
    renews, who its TAM is."""
    health = card.health.label.upper() if card.health is not None else "NO HEALTH"
    if not note:
        tam = f"@{card.summary.tam}" if card.summary.tam else "none"
        region = card.region.label if card.region is not None else "no region"
        note = f"{region} · {renewal_phrase(card.days_to_renewal)} · TAM {tam}"
    return Content.assemble(
        (f"{iid_text(card.iid):<6}", "bold"),
        (f"{health:<{_HEALTH_WIDTH}}", "bold"),
        f" {card.summary.title}",
        (f"  {note}", "$text-muted"),
    )


class AgendaList(OptionList):
    """The section's rows, added CHUNK at a time as the highlight comes near the end of
    those shown: a stock OptionList measures every option as it is added (~7,000 ~New
    issues at 50,000 took over a second to open). End still goes to the very last row."""

    CHUNK = 400

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.pending: list[Row] = []
        """The rows not added yet, in order."""
        self.make: Callable[[Row], Option] = lambda row: Option(str(row))

    def show(self, rows: list[Row], make: Callable[[Row], Option], highlighted: int) -> None:
        """Show `rows` (each made an option by `make` once it is added), `highlighted`
        highlighted."""
        self.clear_options()
        self.pending, self.make = list(rows), make
        self.more(highlighted + 1)
        if self.option_count:
            self.highlighted = min(highlighted, self.option_count - 1)

    def more(self, at_least: int = 0) -> None:
        """Add the next chunk (or up to `at_least` rows in all)."""
        wanted = max(at_least, self.option_count + self.CHUNK) - self.option_count
        if wanted > 0 and self.pending:
            chunk, self.pending = self.pending[:wanted], self.pending[wanted:]
            self.add_options([self.make(row) for row in chunk])

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        if highlighted is not None and highlighted >= self.option_count - self.CHUNK // 4:
            self.more()

    def action_last(self) -> None:
        self.more(self.option_count + len(self.pending))
        super().action_last()


#: The ARR and region filters of sections 4 (renewals) and 5 (stale scores) a call
#: opens with: service.agenda's defaults.
DEFAULT_FILTERS: dict[str, tuple[float, tuple[str, ...]]] = {
    "renewal": (DEFAULT_ARR_THRESHOLD, ()),
    "stale": (0.0, ()),
}


class ERScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "Board", id="er.close"),
        *(
            Binding(str(n), f"section('{s.key}')", s.title, show=False, id=f"er.section-{n}")
            for n, s in enumerate(SECTIONS, start=1)
        ),
        Binding("r", "review", "Reviewed", id="er.review"),
        Binding("n", "open_issue", "Open issue", id="er.open-issue"),
        Binding("g", "gitlab_right", "GitLab is right", id="er.gitlab-right"),
        Binding("f", "salesforce_right", "Salesforce is right", id="er.salesforce-right"),
        Binding("c", "confirm_score", "Confirm score", id="er.confirm-score"),
        Binding("a", "arr", "ARR ≥", id="er.arr"),
        Binding("z", "region", "Region", id="er.region"),
        Binding("x", "export", "Export summary", id="er.export"),
        Binding("e", "end_call", "End call", id="er.end"),
    ]

    def __init__(
        self,
        service: TriageService,
        today: date,
        *,
        cards: list[Card] | None = None,
        prepared: CallInputs | None = None,
    ) -> None:
        """`cards`: the board's, every open one loaded already (None: read them);
        `prepared`: the accounts and agenda the board read ahead for these cards."""
        super().__init__()
        self._inputs: tuple[list[Card], list[Account]] | None = None
        """The cards and accounts the agenda was built from (a filter reuses them)."""
        self._index: Mapping[str, Account] = {}
        """The accounts of _inputs by id (account_index), for one card's change."""
        self._board_cards = cards
        self._prepared = prepared
        self.service = service
        self.today = today
        self.section = "new"
        self.call: ERCall | None = None
        """The call's record (started or resumed when the screen mounts)."""
        # The ARR and region filters of sections 4 (renewals) and 5 (stale scores).
        self.filters: dict[str, tuple[float, tuple[str, ...]]] = dict(DEFAULT_FILTERS)
        self.agenda = Agenda()
        self.rows: list[Row] = []
        self._listed: tuple[str, bool, list[Row]] | None = None
        """What the list shows: (section, Salesforce configured, rows)."""
        self._reopened = False
        self.ended = False
        """The call was ended here: a new one opens on a new screen."""

    def compose(self) -> ComposeResult:
        yield Static(id="er-title", markup=False)
        yield Static(id="er-sections", markup=False)
        with Horizontal(id="er-main"):
            yield AgendaList(id="er-list")
            with VerticalScroll(id="er-detail"):
                yield Static(id="er-detail-text", markup=False)
        yield Static(id="er-help", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._open()

    def reopen(self, cards: list[Card] | None, prepared: CallInputs | None) -> None:
        """Shown again, on the board's cards as they are now (see __init__): the board
        keeps this screen while the call is open, so the lead comes back to the same
        section and row, and opening it again builds no screen (~0.3 s at 50,000)."""
        self._board_cards, self._prepared, self._inputs = cards, prepared, None
        self._reopened = True

    def on_screen_resume(self) -> None:
        # (Also when a dialog over this screen closes: only a reopening reads again.)
        if self._reopened:
            self._reopened = False
            self._open()

    def _open(self) -> None:
        # The agenda: read with the default filters, it gives a new call its counts.
        self.agenda = self._read_agenda()
        # A board that may only read (a follower of `serve`) joins the call, never starts one.
        read_only = bool(self.service.read_only)
        self.call = (
            self.service.current_er_call() if read_only else self.service.er_call(self.agenda)
        )
        self._show()
        self.query_one("#er-list", OptionList).focus()

    # -- showing --------------------------------------------------------------------------

    def refresh_agenda(self, *, changed: bool = True, card: int | None = None) -> None:
        """The agenda again: read from the cache after an edit (`changed`), or from the
        same cards and accounts when only a filter changed. `card`: the edit changed
        that issue alone, so only its card is read again (all of them took ~2 s at
        50,000)."""
        if card is not None and self._inputs is not None:
            cards, accounts = self._inputs
            before = next((c for c in cards if c.iid == card), None)
            after = self.service.card(card)
            cards = with_card_in(cards, card, after)
            self._inputs = (cards, accounts)
            self.agenda = agenda_with_card(self.agenda, cards, before, after, self._index)
        else:
            if changed:
                self._inputs = None
            self.agenda = self._read_agenda()
        self._show()

    def _read_agenda(self) -> Agenda:
        if self._inputs is None:
            cards, self._board_cards = self._board_cards, None  # (the first read only)
            prepared, self._prepared = self._prepared, None
            if cards is not None and prepared is not None:
                self._inputs, self._index = (cards, prepared.accounts), prepared.index
                if self.filters == DEFAULT_FILTERS:  # (as the board read it)
                    return prepared.agenda
            else:
                accounts = self.service.accounts()
                self._inputs = (cards if cards is not None else self.service.cards(), accounts)
                self._index = account_index(accounts)
        cards, accounts = self._inputs
        (arr, regions), (stale_arr, stale_regions) = self.filters["renewal"], self.filters["stale"]
        return self.service.agenda(
            arr_threshold=arr,
            regions=regions,
            stale_arr_threshold=stale_arr,
            stale_regions=stale_regions,
            cards=cards,
            accounts=accounts,
        )

    def _section_rows(self) -> list[Row]:
        return SECTION[self.section].rows(self.agenda)

    def _line(self, row: Row) -> Content:
        item = row.item
        if isinstance(item, Mismatch):
            return Content.assemble(
                (f"{iid_text(item.card.iid):<6}", "bold"),
                f"{item.card.summary.title}  ",
                ("GitLab ", "$text-muted"),
                (item.gitlab, "bold"),
                (" · Salesforce ", "$text-muted"),
                (item.salesforce, "bold $warning"),
            )
        if isinstance(item, Account):
            return _account_line(item, self.today, age=self.section == "stale")
        return _card_line(item, SECTION[self.section].card_note(item))

    def _show(self) -> None:
        self._show_heads()
        self._show_list()

    def _show_heads(self) -> None:
        """The title, the section tabs and the help line (what a resize changes)."""
        counts = self.agenda.counts()
        narrow = self.has_class("narrow")
        call = self.call
        started = (
            f" started {call.started_at.astimezone().strftime('%H:%M')} by @{call.started_by} · "
            if call is not None
            else " "
        )
        title = Content.assemble(
            (" Customer ER call ", "bold reverse"),
            f" {self.today.isoformat()}" + ("" if narrow else started),
            ("" if call is None or narrow else call.tally(), "$accent"),
        )
        close, end = self._key("er.close"), self._key("er.end")
        hint = Content.styled(
            f"  ({close}: board, the call stays open · {end}: end it)", "$text-muted"
        )
        self.query_one("#er-title", Static).update(WithHint(title, hint))
        tabs: list[Content | str | tuple[str, str]] = []
        for n, section in enumerate(SECTIONS, 1):
            style = "bold reverse $accent" if section.key == self.section else ""
            shown = section.short if narrow else section.title
            count = counts[section.title]
            tabs += [(f" {n} {shown} ({count}) ", style), "" if narrow else " "]
        self.query_one("#er-sections", Static).update(Content.assemble(*tabs))
        self._help()

    def _show_list(self) -> None:
        self.rows = self._section_rows()
        listed = (self.section, self.agenda.salesforce, self.rows)
        if listed == self._listed:
            # (The call opened again with nothing changed, say: building the same 400
            # options again was a third of its opening at 50,000.)
            self._detail()
            return
        self._listed = listed
        listing = self.query_one("#er-list", AgendaList)
        highlighted = listing.highlighted or 0
        if self.rows:
            highlighted = min(highlighted, len(self.rows) - 1)
            listing.show(self.rows, lambda row: Option(self._line(row)), highlighted)
        else:
            listing.show([], listing.make, 0)
            empty = "Nothing here: this part of the agenda is done."
            if self.section == "mismatch" and not self.agenda.salesforce:
                empty = self.service.salesforce_setup()
            listing.add_option(Option(Content(empty), disabled=True))  # text, not markup
        self._detail()

    def _help(self) -> None:
        key = self._key
        keys = SECTION[self.section].help(key)
        if self.section in self.filters:  # (the renewals and the stale: 4 and 5)
            keys += self._filters_help(self.section)
        if self.call is not None and self.has_class("narrow"):
            keys = f"{self.call.tally()} · {key('er.end')} ends the call · {keys}"
        self.query_one("#er-help", Static).update(Content.assemble((f" {keys}", "$text-muted")))

    def _filters_help(self, section: str) -> str:
        arr, regions = self.filters[section]
        arr_key, region_key = self._key("er.arr"), self._key("er.region")
        return (
            f"{arr_key}: ARR at least (now {arr:,.0f}) · "
            f"{region_key}: region (now {', '.join(regions) or 'all'})"
        )

    def _key(self, binding_id: str) -> str:
        return key_text(self, binding_id)

    def current(self) -> Row | None:
        listing = self.query_one("#er-list", OptionList)
        if listing.highlighted is None or not self.rows:
            return None
        return self.rows[min(listing.highlighted, len(self.rows) - 1)]

    @on(OptionList.OptionHighlighted, "#er-list")
    def _detail(self) -> None:
        row = self.current()
        text = self.query_one("#er-detail-text", Static)
        if row is None:
            text.update("")
            return
        item = row.item
        card = item.card if isinstance(item, Mismatch) else item if isinstance(item, Card) else None
        account = (
            item.account
            if isinstance(item, Mismatch)
            else item
            if isinstance(item, Account)
            else None
        )
        parts: list[Content | str | tuple[str, str]] = []
        if account is not None:
            parts += [
                ("Salesforce\n", "bold"),
                f"{account.name}\nHealth {score_word(account.health)}",
                f" (confirmed {_day_or(account.health_date, 'never')})\n",
                f"Renewal {_day_or(account.renewal_date, '?')} · {_money(account.arr)}\n",
                f"Region {account.region or '?'} · owner {account.owner or '?'} · "
                f"TAM {account.tam or 'none'}\nReasons: {account.health_reasons or '—'}\n\n",
            ]
        if card is not None:
            detail = self.service.detail(card.iid)
            if detail is not None:
                parts.append(render_detail(detail, self.today))
        text.update(Content.assemble(*parts))

    # -- navigation ----------------------------------------------------------------------

    def action_section(self, key: str) -> None:
        self.section = key
        self.query_one("#er-list", OptionList).highlighted = 0
        self._show()

    def action_close(self) -> None:
        if self.has_class("show-detail"):
            self.remove_class("show-detail")
            return
        self.dismiss(None)

    @on(OptionList.OptionSelected, "#er-list")
    def _toggle_detail(self) -> None:
        """Enter: on a narrow terminal the detail replaces the list; Esc goes back."""
        if self.has_class("narrow"):
            self.add_class("show-detail")

    def on_resize(self, event: events.Resize) -> None:
        # The rows do not depend on the width: only the heads are drawn again (the list
        # was built twice on opening, once more by the first resize).
        self.set_class(event.size.width < NARROW_WIDTH, "narrow")
        self._show_heads()

    # -- fixing things -------------------------------------------------------------------

    def _done(self, kind: ActionKind, text: str, *, iid: int = 0, one_card: bool = False) -> None:
        """An edit was recorded for the call: into its record, then pushed. `one_card`:
        it changed issue `iid`'s card and nothing else (no account, no new issue)."""
        if self.call is not None:
            # The edit itself is recorded: a refused write of the call's record is said
            # here, never taken (by the caller's `saving`) for the edit's, to be redone.
            with saving(self):
                self.call = self.service.er_call_did(self.call, kind, text, iid=iid)
        hub(self).edited(f"{iid_text(iid)} {text}" if iid else text, iid if one_card else None)
        self.refresh_agenda(card=iid if one_card else None)

    def action_review(self) -> None:
        row = self.current() if can_edit(self, self.service) else None
        if row is None or not isinstance(row.item, Card) or self.section != "new":
            return
        card = row.item
        with saving(self):
            self.service.toggle_reviewed(card.iid)
            self._done(ActionKind.REVIEWED, card.summary.title, iid=card.iid, one_card=True)

    def action_open_issue(self) -> None:
        row = self.current() if can_edit(self, self.service) else None
        if row is None or not isinstance(row.item, Account):
            return
        account = row.item

        def created(form: NewIssueForm | None) -> None:
            if form is not None:
                with saving(self):
                    local = self.service.new_issue(form)
                    health = form.health or "?"  # truthy: str (the form's text)
                    line = f"{form.account.strip()} ({health})"
                    self._done(ActionKind.OPENED, line, iid=local)

        members = [(m.username, m.name) for m in self.service.members()]
        form = self.service.form_for_account(account)
        self.app.push_screen(NewIssueModal(form, members=members), created)

    def _ask_reason(self, heading: str, then: Callable[[str], None], typed: str = "") -> None:
        def check(text: str) -> str:
            return "" if text.strip() else "Say why: it goes on the issue and in Salesforce."

        def answered(reason: str | None) -> None:
            if reason:
                # Not saved: asked again with the reason as typed.
                with saving(self, lambda: self._ask_reason(heading, then, reason)):
                    then(reason)

        self.app.push_screen(TextModal(heading, typed, check, "the reason"), answered)

    def _editable_mismatch(self) -> Mismatch | None:
        """The highlighted mismatch, when there is one and this user may edit."""
        row = self.current() if can_edit(self, self.service) else None
        return row.item if row is not None and isinstance(row.item, Mismatch) else None

    def _salesforce_writable(self) -> bool:
        """Say so (and False) when the org's health field cannot be written."""
        problem = self.service.salesforce_write_problem()
        if problem:
            self.notify(
                f"Salesforce writes are off: {problem}.",
                severity="warning",
                timeout=8,
            )
        return not problem

    def action_gitlab_right(self) -> None:
        mismatch = self._editable_mismatch()
        if mismatch is None or not self._salesforce_writable():
            return
        health = mismatch.card.health
        if health is None:
            self.notify("The issue has no single health label to send.", severity="warning")
            return

        def send(reason: str) -> None:
            self.service.set_salesforce_health(
                mismatch.account, health, reason, iid=mismatch.card.iid
            )
            line = (
                f"{mismatch.account.name}: Salesforce {mismatch.salesforce} → {health.label} "
                f"({reason})"
            )
            self._done(ActionKind.CHANGED, line, iid=mismatch.card.iid)

        self._ask_reason(f"Why is {health.label} right for {mismatch.account.name}?", send)

    def action_salesforce_right(self) -> None:
        mismatch = self._editable_mismatch()
        if mismatch is None:
            return
        target = mismatch.account.health
        if target is None:
            return
        column = Column(target.label, target.label, (), health=target)
        try:
            plan = self.service.plan_move(mismatch.card.iid, BoardKind.COLOURS, column)
        except MoveRefused as refused:
            self.notify(str(refused), severity="warning")
            return

        # The board's move dialog, so a move to Red asks here what it asks there (churn
        # class, leader: triage.HealthQuestions), not only a reason.
        from triage_tui.domain.triage import MoveDecision
        from triage_tui.tui.move_modal import MoveModal, TakeSuggestion

        card = mismatch.card

        def relabel(decision: MoveDecision | TakeSuggestion | None) -> None:
            # Salesforce's score is the colour here, so the dialog offers no other
            # (may_retarget): a suggestion against it is overridden, with its reason.
            if not isinstance(decision, MoveDecision):
                return
            with saving(self, lambda: ask(decision)):  # not saved: asked again, as answered
                try:
                    moved = self.service.decide_move(plan, decision)
                except ValueError as refused:  # MoveRefused too: the issue left the cache
                    self.notify(str(refused), severity="warning")
                    return
                line = f"{card.summary.title}: {moved.summary} ({decision.reason})"
                self._done(ActionKind.CHANGED, line, iid=card.iid, one_card=True)

        members = [(m.username, m.name) for m in self.service.members()]
        context = f"Salesforce is right: the issue takes its score, {target.label}. Why?"

        def ask(answers: MoveDecision | None) -> None:
            modal = MoveModal(
                plan, card.summary.title, members, context=context, may_retarget=False,
                answers=answers,
            )  # fmt: skip
            self.app.push_screen(modal, relabel)

        ask(None)

    def _filtered_section(self) -> str | None:
        """The section the ARR and region filters apply to (4 or 5), or None, said."""
        if self.section in self.filters:
            return self.section
        self.notify("The ARR and region filters are for sections 4 and 5.", timeout=4)
        return None

    def action_arr(self) -> None:
        section = self._filtered_section()
        if section is None:
            return

        def check(text: str) -> str:
            try:
                float(text.replace(",", "").rstrip("kK") or "0")
            except ValueError:
                return "A number, e.g. 250000 or 250k."
            return ""

        def saved(text: str | None) -> None:
            if text is not None:
                value = float(text.replace(",", "").rstrip("kK") or "0")
                value = value * 1000 if text.lower().endswith("k") else value
                self.filters[section] = (value, self.filters[section][1])
                self.refresh_agenda(changed=False)

        arr = self.filters[section][0]
        self.app.push_screen(TextModal("Accounts with ARR at least", f"{arr:.0f}", check), saved)

    def action_region(self) -> None:
        section = self._filtered_section()
        if section is None:
            return
        choices = [("0", "All regions"), *((str(n), r.label) for n, r in enumerate(Region, 1))]

        def picked(key: str | None) -> None:
            if key is not None:
                regions = () if key == "0" else (list(Region)[int(key) - 1].label,)
                self.filters[section] = (self.filters[section][0], regions)
                self.refresh_agenda(changed=False)

        self.app.push_screen(MenuModal("Accounts in which region?", choices), picked)

    def action_confirm_score(self) -> None:
        """The account's score is right as it is: confirmed in Salesforce (its date
        refreshed) with a note; an account with no score gets one picked first."""
        row = self.current() if can_edit(self, self.service) else None
        item = row.item if row is not None else None
        account = item.account if isinstance(item, Mismatch) else item
        if not isinstance(account, Account) or not self._salesforce_writable():
            return
        if account.health is not None:
            self._confirm(account, account.health)
            return
        choices = [(str(n), h.label) for n, h in enumerate(AT_RISK_FIRST, 1)]

        def picked(key: str | None) -> None:
            if key is not None and isinstance(account, Account):
                self._confirm(account, AT_RISK_FIRST[int(key) - 1])

        self.app.push_screen(MenuModal(f"{account.name} has no score: which?", choices), picked)

    def _confirm(self, account: Account, health: Health) -> None:
        def send(note: str) -> None:
            self.service.set_salesforce_health(account, health, note)
            self._done(ActionKind.CONFIRMED, f"{account.name}: {health.label} ({note})")

        self._ask_reason(f"{account.name} is {health.label}: what confirms it?", send)

    def action_export(self) -> None:
        if self.call is None or not can_edit(self, self.service):
            return
        text = self.service.er_summary(self.call)
        path = self.service.export_er_summary(text)
        self.app.copy_to_clipboard(text)
        self.notify(f"Summary written to {path} and copied to the clipboard.", timeout=8)

    def action_end_call(self) -> None:
        call = self.call
        if call is None or not can_edit(self, self.service):
            return
        question = f"End the call? ({call.tally()}; the summary is written and copied)"

        def answered(key: str | None) -> None:
            if key != "y":
                return
            with saving(self):
                ended, path = self.service.end_er_call(call)
                self.app.copy_to_clipboard(self.service.er_summary(ended))
                self.notify(f"Call ended. Summary written to {path} and copied.", timeout=8)
                self.ended = True
                self.dismiss(None)

        self.app.push_screen(
            MenuModal(question, [("y", "End the call"), ("n", "Not yet")]), answered
        )
