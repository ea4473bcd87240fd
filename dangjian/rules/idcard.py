"""Resident ID number rules, GB 11643-1999 (DOMAIN.md §5).

18 characters: 6-digit region code, 8-digit birth date YYYYMMDD, 3-digit sequence (odd = male,
even = female) and an ISO 7064 MOD 11-2 check character. A lowercase `x` is accepted and
normalised; surrounding whitespace is tolerated; anything else wrong raises RuleError with a
Chinese message a secretary can act on.
"""

import re
from dataclasses import dataclass
from datetime import date

from dangjian.rules import RuleError

LENGTH = 18
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"  # indexed by (weighted sum mod 11)

_SHAPE = re.compile(r"[0-9]{17}[0-9X]")  # explicit ASCII class: \d would admit other scripts
_FULL_WIDTH = re.compile(r"[０-９Ｘ]")  # after .upper()


@dataclass(frozen=True)
class IdNumber:
    """A valid resident ID number and the facts it encodes."""

    number: str  # normalised: 18 characters, uppercase X
    birth_date: date
    sex: str  # "M" or "F"
    region_code: str  # first 6 digits

    def __str__(self) -> str:
        return self.number


def check_character(first17: str) -> str:
    """The check character ('0'–'9' or 'X') for the first 17 digits of an ID number."""
    if not isinstance(first17, str) or len(first17) != 17 or not _SHAPE.fullmatch(first17 + "0"):
        raise RuleError("计算校验位需要身份证号码的前17位数字。")
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def parse_id_number(text, *, today: date | None = None) -> IdNumber:
    """Validate and decompose an ID number; raise RuleError saying what is wrong."""
    if not isinstance(text, str):
        raise RuleError("身份证号码必须是文字。")
    number = text.strip().upper()
    if not number:
        raise RuleError("身份证号码不能为空。")
    if _FULL_WIDTH.search(number):
        raise RuleError("身份证号码含有全角字符，请使用半角数字和字母X。")
    if len(number) != LENGTH:
        raise RuleError(f"身份证号码应为18位，当前为{len(number)}位。")
    if not _SHAPE.fullmatch(number):
        raise RuleError("身份证号码格式错误：前17位只能是数字，最后一位只能是数字或字母X。")
    birth_date = _birth_date(number[6:14], today or date.today())
    expected = check_character(number[:17])
    if number[17] != expected:
        raise RuleError("身份证号码校验位不正确，请逐位核对号码是否输错。")
    return IdNumber(
        number=number,
        birth_date=birth_date,
        sex="M" if int(number[16]) % 2 else "F",
        region_code=number[:6],
    )


def _birth_date(digits: str, today: date) -> date:
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    try:
        born = date(year, month, day)
    except ValueError:
        raise RuleError(
            f"身份证号码中的出生日期{digits[:4]}年{digits[4:6]}月{digits[6:]}日不存在。"
        ) from None
    if born > today:
        raise RuleError(f"身份证号码中的出生日期{born.year}年{born.month}月{born.day}日晚于今天。")
    return born


def is_valid_id_number(text, *, today: date | None = None) -> bool:
    try:
        parse_id_number(text, today=today)
    except RuleError:
        return False
    return True


def mask_id_number(number: str) -> str:
    """'110101199003070016' -> '1101**********0016': region prefix and last four kept."""
    value = (number or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
