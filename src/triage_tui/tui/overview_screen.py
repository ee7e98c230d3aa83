"""The overview (v): colour by region with ARR at risk, renewals by quarter, overdue
weekly updates. Drawn from the board's own cards (domain.overview counts them).

Every bar is on a row that names its colour, and every count is printed: the screen
reads the same in 16 colours, on TERM=linux and with NO_COLOR.
"""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Static

from triage_tui.domain.health import Health
from triage_tui.domain.issue import Card
from triage_tui.domain.labels import Region
from triage_tui.domain.overview import HEALTHS, REGIONS, Tally, money, overview
from triage_tui.tui.keys import key_text

#: The board's colours for the health columns (styles/app.tcss, .health--*).
_STYLE = {
    Health.RED: "#ff3b3b",
    Health.AMBER: "#ff8c00",
    Health.YELLOW: "#ffe135",
    Health.GREEN: "#2ecc40",
    None: "$text-muted",
}
_BAR = "█"
#: The label before a bar and, per section, the most text after it: the bar gets the rest
#: of the width (so nothing wraps at 80 columns).
_LABEL = 16
_AFTER = {"healths": 18, "renewals": 36, "overdue": 6}


_SHORT: dict[Health | None, str] = {health: health.name.title() for health in Health}


def health_name(health: Health | None) -> str:
    return "No health" if health is None else health.name.title()


def region_name(region: Region | None) -> str:
    return "No region" if region is None else region.value


def _arr(tally: Tally) -> str:
    """ARR of a tally, and how many of its issues have none known."""
    if tally.count == 0:
        return "-"
    if tally.arr_unknown == tally.count:
        return "ARR ?"
    unknown = f" +{tally.arr_unknown}?" if tally.arr_unknown else ""
    return money(tally.arr) + unknown


def _bar(count: int, most: int, width: int) -> str:
    if count == 0 or most == 0:
        return ""
    return _BAR * max(1, round(count / most * width))


class OverviewScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,v,q", "close", "Back to the board", id="overview.close"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="overview.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="overview.up"),
    ]

    def __init__(self, cards: list[Card], today: date) -> None:
        super().__init__()
        self.today = today
        self.overview = overview(cards, today)

    def compose(self) -> ComposeResult:
        yield Static(id="overview-head", markup=False)
        with VerticalScroll(id="overview-body"):
            yield Static(id="overview-regions", markup=False)
            yield Static(id="overview-healths", markup=False)
            yield Static(id="overview-renewals", markup=False)
            yield Static(id="overview-overdue", markup=False)
        # (j/k and the arrows scroll, as everywhere: the foot keeps to one line at 80.)
        yield Static(
            f"{key_text(self, 'overview.close')} back · ARR from Salesforce; "
            "+2?: 2 more issues with none known",
            id="overview-foot",
            markup=False,
        )

    def on_mount(self) -> None:
        self.query_one("#overview-body").focus()
        self._draw(self.size.width)

    def on_resize(self, event: Resize) -> None:
        self._draw(event.size.width)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, rows: int) -> None:
        self.query_one("#overview-body", VerticalScroll).scroll_relative(y=rows, animate=False)

    def _draw(self, width: int) -> None:
        view = self.overview
        at_risk = view.at_risk()
        self.query_one("#overview-head", Static).update(
            Content.assemble(
                ("Overview ", "bold"),
                f"· {view.total} open · at risk (Amber + Red): {at_risk.count}, ",
                (_arr(at_risk), "bold"),
                " ARR",
            )
        )

        def bar_width(section: str) -> int:
            return max(4, width - _LABEL - _AFTER[section] - 4)  # (padding, scrollbar)

        self.query_one("#overview-regions", Static).update(self._regions())
        self.query_one("#overview-healths", Static).update(self._healths(bar_width("healths")))
        self.query_one("#overview-renewals", Static).update(self._renewals(bar_width("renewals")))
        self.query_one("#overview-overdue", Static).update(self._overdue(bar_width("overdue")))

    def _regions(self) -> Content:
        """Colour by region: counts, and the ARR at risk in each region."""
        view = self.overview
        rows = [
            (region_name(r), {h: view.by_cell[(r, h)] for h in HEALTHS}, view.region_risk(r))
            for r in REGIONS
        ]
        rows.append(("All", {h: view.health_total(h) for h in HEALTHS}, view.at_risk()))
        parts: list[Content | str | tuple[str, str]] = [("Colour by region\n", "bold underline")]
        parts.append(f"{'':<10}")
        for health in HEALTHS:
            parts.append((f"{_SHORT.get(health, 'None'):>7}", f"bold {_STYLE[health]}"))
        parts.append(("   at risk ARR\n", "bold"))
        for name, tallies, risk in rows:
            parts.append((f"{name:<10}", "bold" if name == "All" else ""))
            for health, tally in tallies.items():
                parts.append(
                    (f"{tally.count:>7}", _STYLE[health] if tally.count else "$text-muted")
                )
            parts.append(f"   {_arr(risk)}\n")
        return Content.assemble(*parts)

    def _healths(self, bar_width: int) -> Content:
        view = self.overview
        tallies = {health: view.health_total(health) for health in HEALTHS}
        most = max(t.count for t in tallies.values())
        parts: list[Content | str | tuple[str, str]] = [("By health\n", "bold underline")]
        for health, tally in tallies.items():
            parts.append((f"{health_name(health):<{_LABEL}}", f"bold {_STYLE[health]}"))
            parts.append((_bar(tally.count, most, bar_width), _STYLE[health]))
            parts.append(f" {tally.count}  {_arr(tally)} ARR\n")
        return Content.assemble(*parts)

    def _renewals(self, bar_width: int) -> Content:
        """Open issues by the quarter their account renews in, each bar split by colour
        (and each colour's count printed after it, worst first)."""
        rows = self.overview.renewals
        most = max((sum(counts.values()) for _, counts in rows), default=0)
        parts: list[Content | str | tuple[str, str]] = [("Renewals by quarter\n", "bold underline")]
        for label, counts in rows:
            total = sum(counts.values())
            parts.append((f"{label:<{_LABEL}}", "bold"))
            scale = bar_width / most if most else 0
            for health in HEALTHS:
                parts.append((_BAR * round(counts[health] * scale), _STYLE[health]))
            spelled = " ".join(
                f"{_SHORT[h][0]}{counts[h]}" for h in HEALTHS if h is not None and counts[h]
            )
            if counts[None]:
                spelled += f", {counts[None]} no health"
            parts.append(f" {total}" + (f" ({spelled.lstrip(', ')})" if spelled else "") + "\n")
        parts.append(("R Red · A Amber · Y Yellow · G Green\n", "$text-muted"))
        return Content.assemble(*parts)

    def _overdue(self, bar_width: int) -> Content:
        overdue = self.overview.overdue
        total = sum(overdue.values())
        most = max(overdue.values(), default=0)
        parts: list[Content | str | tuple[str, str]] = [
            ("Weekly update overdue ", "bold underline"),
            (f"{total} of {self.overview.total} open issues\n", "bold"),
        ]
        for health in HEALTHS:
            parts.append((f"{health_name(health):<{_LABEL}}", f"bold {_STYLE[health]}"))
            parts.append((_bar(overdue[health], most, bar_width), _STYLE[health]))
            parts.append(f" {overdue[health]}\n")
        return Content.assemble(*parts)
