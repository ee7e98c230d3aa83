"""Cleaning remote text: no escape sequence or hidden control character reaches a terminal."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.domain.factories import FAST
from triage_tui.domain.text import clean_line, clean_paste, clean_text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b[1;38;2;255;0;0mbold\x1b[m", "bold"),
        ("\x1b[2J\x1b[Hcleared", "cleared"),
        ("\x1b[?1049hscreen", "screen"),
        ("a\x1b]0;pwned title\x07b", "ab"),
        ("a\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),
        ("a\x1b]52;c;ZXZpbA==\x07b", "ab"),  # OSC 52 would write the clipboard
        ("a\x1b]0;unterminated", "a"),
        ("a\x1bcb", "ab"),  # RIS, a two-byte escape
        ("\x1b7saved\x1b8", "saved"),  # DECSC / DECRC
        ("plain\x1b(B\x1b[m", "plain"),  # what `tput sgr0` writes on xterm
        ("\x1b)0\x1b#8x", "x"),
        ("a\x1b\x00[31mb", "a[31mb"),  # not a sequence: only the controls go
        ("a\x1b", "a"),
        ("a\x1b[", "a"),
        ("nul\x00bell\x07bs\x08", "nulbellbs"),
        ("vt\x0bff\x0c", "vtff"),
        ("del\x7f", "del"),
        ("c1\x9b31mred", "c1red"),  # 8-bit CSI: the whole sequence, as for ESC [
        ("a\x9b2Jb", "ab"),
        ("a\x9d0;PWNED\x9cb", "ab"),  # 8-bit OSC ... ST
        ("a\x9d0;PWNED\x07b", "ab"),
        ("a\x90q#0;2\x9cb", "ab"),  # 8-bit DCS
        ("a\x1bPq#0;2;0;0;0#0~~\x1b\\b", "ab"),  # DCS (sixel) with its payload
        ("a\x1b_apc\x1b\\b", "ab"),
        ("stray\x90 C1 keeps the text after it", "stray C1 keeps the text after it"),
        ("c1\x85\x9d\x9c", "c1"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("crlf\r\nline", "crlf\nline"),
        ("cr\rline", "cr\nline"),
        ("admin\u202e\u2066txt.exe\u2069\u202c", "admintxt.exe"),
        ("\u202a\u202b\u202d\u200e\u200f\u061cx", "x"),
        ("", ""),
        (None, ""),
    ],
)
def test_clean_text(raw: str | None, clean: str) -> None:
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    "text",
    [
        "[@click=app.quit]x[/]",
        "[bold red]not markup[/bold red]",
        "$variable {braces} <tags> & ~New",
        "日本語のタイトル 😀 👩‍👩‍👧 ｆｕｌｌｗｉｄｔｈ",
        "café naïve Ωμέγα",
        "zero\u200bwidth and joiner\u200d",
        "  leading and trailing  ",
    ],
)
def test_safe_text_is_kept_exactly(text: str) -> None:
    assert clean_text(text) == text


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        ("  Acme\n\nCorp\t(EMEA)  ", "Acme Corp (EMEA)"),
        ("a\r\nb", "a b"),
        ("\x1b[31mRed\x1b[0m   account", "Red account"),
        ("wide 日本 \u3000 text", "wide 日本 text"),
        ("", ""),
        (None, ""),
        ("[@click=app.quit]x[/]", "[@click=app.quit]x[/]"),
    ],
)
def test_clean_line(raw: str | None, line: str) -> None:
    assert clean_line(raw) == line


UNSAFE = {
    *map(chr, range(0x09)),
    *map(chr, range(0x0B, 0x20)),
    *map(chr, range(0x7F, 0xA0)),
    *map(chr, range(0x202A, 0x202F)),
    *map(chr, range(0x2066, 0x206A)),
    "\u200e",
    "\u200f",
    "\u061c",
}

HOSTILE = st.text(
    alphabet=st.sampled_from(["\x1b", "[", "]", "\\", "\x07", ";", "0", "3", "1", "m", "\r", "\n"])
    | st.sampled_from(sorted(UNSAFE))
    | st.characters()
)


@FAST
@given(HOSTILE)
def test_no_unsafe_character_survives(raw: str) -> None:
    clean = clean_text(raw)
    assert not UNSAFE & set(clean)
    assert clean_text(clean) == clean
    assert len(clean) <= len(raw)


@FAST
@given(HOSTILE)
def test_clean_line_is_one_line_of_single_spaces(raw: str) -> None:
    line = clean_line(raw)
    assert "\n" not in line
    assert "\t" not in line
    assert "  " not in line
    assert line == line.strip()
    assert not UNSAFE & set(line)


SAFE = st.text(
    alphabet=st.characters(
        codec="utf-8",
        exclude_categories=("Cs",),
        exclude_characters="".join(UNSAFE) + "\r",
    )
)


@FAST
@given(HOSTILE, st.booleans())
def test_a_paste_is_cleaned_and_a_one_line_paste_is_one_line(raw: str, one_line: bool) -> None:
    pasted = clean_paste(raw, one_line=one_line)
    assert not UNSAFE & set(pasted)
    if one_line:
        assert len(pasted.splitlines()) <= 1
    else:
        assert pasted == clean_text(raw)


@FAST
@given(
    st.lists(
        st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1)
    )
)
def test_a_one_line_paste_keeps_every_line(lines: list[str]) -> None:
    """Joined by spaces, not cut at the first line break (Input keeps only the first).
    (Lines of at least a character: a paste's final line break adds no trailing space.)"""
    assert clean_paste("\n".join(lines), one_line=True) == " ".join(lines)


@FAST
@given(SAFE)
def test_text_without_controls_is_unchanged(text: str) -> None:
    assert clean_text(text) == text
