from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.rules import RuleError
from dangjian.rules.idcard import (
    IdNumber,
    check_character,
    is_valid_id_number,
    mask_id_number,
    parse_id_number,
)

# The worked example of GB 11643-1999 itself.
STANDARD_EXAMPLE = "11010519491231002X"
TODAY = date(2026, 11, 21)


def make_number(region: str, born: date, sequence: int) -> str:
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def test_standard_example_is_parsed_into_its_facts():
    parsed = parse_id_number(STANDARD_EXAMPLE)
    assert parsed == IdNumber(
        number=STANDARD_EXAMPLE, birth_date=date(1949, 12, 31), sex="F", region_code="110105"
    )


def test_lowercase_x_and_surrounding_whitespace_are_normalised():
    assert parse_id_number("  11010519491231002x\t\n").number == STANDARD_EXAMPLE


def test_odd_sequence_means_male():
    assert parse_id_number(make_number("440304", date(1990, 3, 7), 13)).sex == "M"


def test_check_character_uses_the_standard_weights():
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "不能为空"),
        ("   ", "不能为空"),
        ("1101051949123100", "应为18位，当前为16位"),
        ("11010519491231002X1", "应为18位，当前为19位"),
        ("1101051949123100XX", "格式错误"),
        ("11010519491231 02X", "格式错误"),
        ("X1010519491231002X", "格式错误"),
        ("１１０１０５１９４９１２３１００２Ｘ", "全角"),
        ("110105194912310021", "校验位"),
        ("ID:11010519491231002X", "应为18位"),
        ("11010519491231002X。", "应为18位"),
    ],
)
def test_invalid_numbers_say_what_is_wrong(text, message):
    with pytest.raises(RuleError, match=message):
        parse_id_number(text)


def test_impossible_birth_date_is_refused():
    first17 = "11010519990230001"  # 30 February
    with pytest.raises(RuleError, match="1999年02月30日不存在"):
        parse_id_number(first17 + "0")


def test_future_birth_date_is_refused():
    tomorrow = TODAY + timedelta(days=1)
    with pytest.raises(RuleError, match="晚于今天"):
        parse_id_number(make_number("110105", tomorrow, 1), today=TODAY)
    assert parse_id_number(make_number("110105", TODAY, 1), today=TODAY).birth_date == TODAY


@pytest.mark.parametrize("value", [None, 11010519491231002, b"11010519491231002X", ["x"]])
def test_non_text_is_refused_with_rule_error(value):
    with pytest.raises(RuleError, match="必须是文字"):
        parse_id_number(value)


@pytest.mark.parametrize("value", ["1234", "1101051949123100", None, 17])
def test_check_character_needs_seventeen_digits(value):
    with pytest.raises(RuleError):
        check_character(value)


def test_rule_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_id_number("bad")


def test_masking_keeps_region_prefix_and_last_four():
    assert mask_id_number(STANDARD_EXAMPLE) == "1101**********002X"
    assert mask_id_number("1234") == "****"
    assert mask_id_number("") == ""


def test_is_valid_is_the_boolean_form():
    assert is_valid_id_number(STANDARD_EXAMPLE)
    assert not is_valid_id_number("110105194912310021")


# --- properties ------------------------------------------------------------------------------

regions = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


@given(region=regions, born=birth_dates, sequence=sequences)
def test_any_valid_number_round_trips(region, born, sequence):
    number = make_number(region, born, sequence)
    parsed = parse_id_number(number, today=TODAY)
    assert parsed.number == number
    assert parsed.birth_date == born
    assert parsed.region_code == region
    assert parsed.sex == ("M" if sequence % 2 else "F")
    assert parse_id_number(f" {number.lower()} ", today=TODAY) == parsed


@given(
    region=regions,
    born=birth_dates,
    sequence=sequences,
    position=st.integers(min_value=0, max_value=17),
    data=st.data(),
)
def test_any_single_character_change_breaks_the_number(region, born, sequence, position, data):
    number = make_number(region, born, sequence)
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != number[position]]))
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(RuleError):
        parse_id_number(changed, today=TODAY)


@given(st.text(max_size=40))
def test_random_text_raises_nothing_but_rule_error(text):
    try:
        result = parse_id_number(text)
    except RuleError as exc:
        assert str(exc)
    else:
        assert len(result.number) == 18


@given(st.from_regex(r"\s*[0-9]{17}[0-9xX]\s*", fullmatch=True))
def test_well_shaped_text_is_either_valid_or_a_rule_error(text):
    try:
        parsed = parse_id_number(text)
    except RuleError:
        return
    assert parsed.number == text.strip().upper()
