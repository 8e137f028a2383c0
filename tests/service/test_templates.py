"""Templates match what they say: a placeholder takes any non-empty text, everything else must be
equal; the one-placeholder fast path and the pattern of several placeholders agree."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ihuyi_sandbox.service.templates import fill, match

TEXT = st.text(alphabet=st.characters(blacklist_characters="【】|", blacklist_categories=("Cs",)), max_size=12)
VALUE = TEXT.filter(bool)


@given(TEXT, TEXT, VALUE)
def test_one_placeholder_takes_exactly_the_text_between(head, tail, value):
    template = f"{head}【变量】{tail}"
    found = match(template, head + value + tail, max_length=100)
    assert found is not None and found.variables == (value,) and not found.too_long
    assert match(template, head + tail) is None  # a placeholder is never empty


@given(TEXT, TEXT, VALUE, VALUE)
def test_several_placeholders_are_filled_back_from_what_fill_wrote(head, tail, first, second):
    template = f"{head}【变量1】，【变量2】{tail}"
    text = fill(template, f"{first}|{second}")
    found = match(template, text, max_length=100)
    # where a value holds the separator the split may differ, but what the variables spell may not
    assert found is not None and len(found.variables) == 2
    assert head + found.variables[0] + "，" + found.variables[1] + tail == text


@given(TEXT, VALUE)
def test_a_variable_over_the_limit_is_told_from_a_mismatch(head, value):
    template = f"{head}【变量】。"
    long = value * 9
    found = match(template, head + long + "。", max_length=8)
    assert found is not None and found.too_long == (len(long) > 8)
    assert match(template, head + long + "!") is None


def test_text_without_placeholders_must_be_equal():
    assert match("您好。", "您好。") is not None and match("您好。", "您好") is None
