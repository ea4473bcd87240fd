from datetime import date

import pytest

from dangjian.members.services import person_create
from dangjian.rules.idcard import check_character


def id_number(birth: date, sex: str = "M", region: str = "140105", seq: int = 1) -> str:
    """A valid ID number for tests: odd sequence digit = male, even = female."""
    sequence = seq * 2 + (1 if sex == "M" else 0)
    first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_character(first17)


@pytest.fixture
def make_person(tree):
    counter = iter(range(1, 10_000))

    def make(branch=None, **fields):
        birth = fields.pop("birth_date", date(1985, 6, 15))
        sex = fields.pop("sex", "M")
        data = dict(
            name="张三",
            sex=sex,
            birth_date=birth,
            id_number=id_number(birth, sex, seq=next(counter)),
            branch=branch or tree.branch_a,
            stage="full",
            join_date=date(2010, 7, 1),
            full_member_date=date(2011, 7, 1),
        )
        data.update(fields)
        return person_create(actor=None, **data)

    return make
