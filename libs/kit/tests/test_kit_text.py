"""One-line text: which characters break it, named for error messages, and how old data is shown."""

import pytest
from gymloop_kit.text import breaking_characters, without_breaking_characters

pytestmark = pytest.mark.unit


def test_line_and_paragraph_separators_and_controls_are_named_in_order() -> None:
    assert breaking_characters("Yoga\u2028at 7\u2029\x00\u0085") == ["U+2028", "U+2029", "U+0000", "U+0085"]


def test_plain_text_emoji_and_formatting_characters_pass() -> None:
    assert breaking_characters("Zumba 💃 met Anaïs\u200d") == []


def test_allowed_characters_are_let_through() -> None:
    assert breaking_characters("a\tb\nc", allowed="\t") == ["U+000A"]


def test_old_text_is_shown_with_each_breaking_character_replaced() -> None:
    assert without_breaking_characters("Spin\u2028Class\x07") == "Spin Class "
