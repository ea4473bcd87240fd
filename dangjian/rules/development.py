"""Member-development rules (发展党员工作细则), as versioned policies. DOMAIN.md §2.

This module starts with what member records need (minimum age, probation end); the full
25-step pipeline rules are added by the development module (issue 4) on the same policy.
"""

from dataclasses import dataclass
from datetime import date

from dangjian.rules import RuleError
from dangjian.rules.dates import add_months, age_on


@dataclass(frozen=True)
class DevelopmentPolicy:
    name: str
    minimum_age: int = 18
    probation_months: int = 12
    extension_min_months: int = 6
    extension_max_months: int = 12


DEVELOPMENT_2014 = DevelopmentPolicy(name="发展党员工作细则（2014）")


def check_application_age(
    birth_date: date, applied_on: date, policy: DevelopmentPolicy = DEVELOPMENT_2014
) -> None:
    """Party Constitution art. 1: an applicant must be at least 18 on the application date."""
    if age_on(birth_date, applied_on) < policy.minimum_age:
        raise RuleError(
            f"申请入党时须年满{policy.minimum_age}周岁：申请日期"
            f"{applied_on:%Y年%m月%d日}时未满{policy.minimum_age}周岁（{policy.name}）。"
        )


def probation_end(
    admitted_on: date, extension_months: int = 0, policy: DevelopmentPolicy = DEVELOPMENT_2014
) -> date:
    """The day probation ends — the full-member date. One extension of 6–12 months allowed."""
    if extension_months and not (
        policy.extension_min_months <= extension_months <= policy.extension_max_months
    ):
        raise RuleError(
            f"预备期只能延长一次，时间不少于{policy.extension_min_months}个月、"
            f"不超过{policy.extension_max_months}个月（{policy.name}）。"
        )
    return add_months(admitted_on, policy.probation_months + extension_months)
