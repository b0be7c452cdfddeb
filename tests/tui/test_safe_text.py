"""One sanitiser: `textsafe.clean_line` / `clean_block` hold the logic, and the TUI's
`plain` builds Rich `Text` of them."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from papersift.textsafe import clean_block, clean_line, has_controls
from papersift.tui.safe_text import plain

# Text rich in what terminals act on: C0/C1 controls, DEL, bidi controls, line breaks.
HOSTILE = st.text(
    alphabet=st.one_of(
        st.characters(max_codepoint=0xA0),
        st.sampled_from("\u202e\u2066\u2028\u2029\u0085\r\n\t[]/@="),
        st.characters(),
    ),
    max_size=60,
)
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


@given(HOSTILE)
def test_clean_line_leaves_nothing_a_terminal_acts_on(text: str) -> None:
    line = clean_line(text)
    assert not CONTROLS.search(line)
    assert clean_line(line) == line


@given(HOSTILE)
def test_clean_block_keeps_only_newlines_and_tabs(text: str) -> None:
    block = clean_block(text)
    assert not CONTROLS.search(block.replace("\n", "").replace("\t", ""))
    assert block.count("\n") == len(re.findall("\r\n|[\r\n\u2028\u2029\u0085]", text))
    assert clean_block(block) == block
    assert not has_controls(block)


@given(HOSTILE)
def test_plain_is_the_cleaned_text_as_data(text: str) -> None:
    assert plain(text).plain == clean_line(text)
    assert plain(text, multiline=True).plain == clean_block(text)
    assert plain(text).spans == []
