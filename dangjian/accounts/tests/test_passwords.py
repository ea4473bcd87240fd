import pytest
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.utils import translation

from dangjian.accounts.models import User
from dangjian.accounts.passwords import character_classes


def messages_for(password: str, username: str = "zhangsan") -> list[str]:
    with translation.override("zh-hans"):
        try:
            validate_password(password, User(username=username))
        except ValidationError as exc:
            return exc.messages
    return []


def test_a_long_mixed_password_passes():
    assert messages_for("Huanghe#River2026") == []


def test_nine_characters_is_too_short_and_says_so_in_chinese():
    assert any("至少" in m and "10" in m for m in messages_for("Ab3$efgh9"))


@pytest.mark.parametrize(
    "password",
    ["abcdefghijkmn", "abcdefgh12345", "ABCDEFGH!!!!!", "13579246801357"],
)
def test_fewer_than_three_character_classes_is_refused(password):
    assert any("小写字母" in m for m in messages_for(password))


@pytest.mark.parametrize("password", ["abcdefgh123!", "ABCDEFGH123x", "Abcdefghijk!"])
def test_three_of_four_classes_is_enough(password):
    assert messages_for(password) == []


def test_character_classes_counts_symbols_and_digits():
    assert character_classes("aA1!") == 4
    assert character_classes("党建工作") == 1  # Chinese characters count as symbols


def test_a_password_containing_the_username_in_any_case_is_refused():
    assert any("用户名" in m for m in messages_for("xx-ZhangSan-2026!", username="zhangsan"))


def test_a_common_password_is_refused_whatever_its_case():
    assert any("常见" in m for m in messages_for("PassWord123"))


def test_help_texts_describe_the_whole_policy_in_chinese():
    with translation.override("zh-hans"):
        texts = " ".join(str(t) for t in password_validators_help_texts())
    assert "10" in texts
    assert "用户名" in texts
    assert "常用" in texts or "常见" in texts
