import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heluo.core.codes import (
    USCC_ALPHABET,
    check_id_number,
    check_uscc,
    make_id_number,
    make_uscc,
    mask_id_number,
)


def test_published_sample_validates():
    assert check_uscc("91110000600037341L").valid


def test_wrong_check_character_names_position_and_expected_value():
    result = check_uscc("91110000600037341M")
    assert not result.valid
    assert result.expected == "L"
    assert "第18位" in result.reason_zh and "character 18" in result.reason_en
    assert "“L”" in result.reason_zh


@pytest.mark.parametrize("code,position", [("9111000060003734IL", 17), ("O1110000600037341L", 1), ("9111000S600037341L", 8)])
def test_excluded_letters_are_rejected_at_their_position(code, position):
    result = check_uscc(code)
    assert not result.valid
    assert f"第{position}位" in result.reason_zh


def test_length_and_area_digits():
    assert "18" in check_uscc("91110000600037341").reason_zh
    assert "第3位" in check_uscc("91A10000600037341L").reason_zh


def test_full_width_and_spaces_are_folded():
    assert check_uscc(" ９１１１００００６０００３７３４１Ｌ ").valid


def test_n_and_y_authorities_are_accepted():
    # python-stdnum rejects these; GB 32100 allows them.
    assert check_uscc(make_uscc("N", "2", "410300", "MA123456")).valid
    assert check_uscc(make_uscc("Y", "1", "410300", "12345678")).valid


body = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8)


@given(body, st.sampled_from(["1", "5", "9"]), st.integers(0, 16), st.integers(1, 30))
def test_any_single_substitution_is_caught(b, authority, position, shift):
    code = make_uscc(authority, "1", "410305", b)
    assert check_uscc(code).valid
    original = code[position]
    replacement = USCC_ALPHABET[(USCC_ALPHABET.index(original) + shift) % 31]
    mutated = code[:position] + replacement + code[position + 1 :]
    if position in range(2, 8) and not replacement.isdigit():
        assert not check_uscc(mutated).valid
    else:
        assert not check_uscc(mutated).valid, mutated


def test_id_number():
    assert check_id_number("11010519491231002X").valid
    bad = check_id_number("110105194912310021")
    assert not bad.valid and bad.expected == "X"
    assert "出生日期" in check_id_number("110105194913310021").reason_zh
    generated = make_id_number("410305", dt.date(1980, 5, 17), 123)
    assert check_id_number(generated).valid
    assert mask_id_number(generated) == generated[:6] + "********" + generated[-4:]
