"""Local policies shared by the development-rule tests.

The public notice (公示) is local practice (DOMAIN.md §2), not part of the 2014 rules, so
`DEVELOPMENT_2014` has none: tests of notices name a local policy that has one.
"""

import dataclasses

from dangjian.rules.development import DEVELOPMENT_2014

LOCAL_5 = dataclasses.replace(
    DEVELOPMENT_2014,
    name="某省细则（公示5个工作日）",
    public_notice_working_days=5,
    conversion_notice_working_days=5,
)
# The same local rules, counting Monday–Friday for years without statutory holiday data.
LOCAL_5_WEEKENDS = dataclasses.replace(
    LOCAL_5,
    name="某省细则（公示5个工作日，缺节假日数据时按周末推算）",
    calendar_fallback="weekends",
)
