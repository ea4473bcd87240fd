"""Reads of member records. Every one starts from `Person.objects.restrict(user, action)`."""

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.crypto import lookup_hash
from dangjian.core.dates import cn_date
from dangjian.core.scope import get_scoped_or_404, has_perm, scope_paths
from dangjian.members.models import (
    FamilyMember,
    Hardship,
    Person,
    PostHeld,
    RewardPunishment,
    StageChange,
    Training,
)
from dangjian.orgs.models import Organization
from dangjian.rules import RuleError
from dangjian.rules.idcard import parse_id_number
from dangjian.rules.orgs import BRANCH_KINDS, PARTY_GROUP

_PINYIN = re.compile(r"[a-z]+")
_PHONE = re.compile(r"\+?[0-9][0-9 -]{5,19}")


def person_list(user, action: str = "members.view") -> QuerySet[Person]:
    """People `user` may see, with what a list row shows in the same query."""
    return Person.objects.restrict(user, action).select_related("branch", "party_group")


def person_search(queryset: QuerySet[Person], text: str) -> QuerySet[Person]:
    """One search box: an ID number or a phone number matches exactly (through the keyed
    hashes), latin letters match the start of the full pinyin or of the initials
    ("zhangsan", "zs"), anything else matches inside the Chinese name."""
    text = text.strip()[:100]
    if not text:
        return queryset
    try:
        parsed = parse_id_number(text)
    except RuleError:
        parsed = None
    if parsed is not None:
        return queryset.filter(id_number_hash=lookup_hash(parsed.number))
    if _PHONE.fullmatch(text):
        digits = re.sub(r"[ -]", "", text)
        return queryset.filter(phone_hash=lookup_hash(digits))
    letters = text.lower().replace(" ", "")
    if _PINYIN.fullmatch(letters):
        return queryset.filter(
            _prefix_q("name_pinyin", letters) | _prefix_q("name_initials", letters)
        )
    return _name_search(queryset, text)


def _name_search(queryset: QuerySet[Person], text: str) -> QuerySet[Person]:
    """Names starting with `text` (an index range: 张伟, 王) — and only when there are none,
    names containing it (a given name: 晓东, 静), through a subquery that scans the small
    name index rather than every joined row."""
    upper = text[:-1] + chr(ord(text[-1]) + 1)
    by_prefix = queryset.filter(name__gte=text, name__lt=upper)
    if by_prefix.exists():
        return by_prefix
    return queryset.filter(pk__in=Person.objects.filter(name__contains=text).values("pk"))


def _prefix_q(field: str, prefix: str) -> Q:
    """`field` starts with lowercase `prefix`, as a range so the b-tree index serves it on every
    database (LIKE 'x%' does not use it on SQLite's case-insensitive LIKE, nor on PostgreSQL
    without text_pattern_ops)."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})


# --- bands used by the filters (and reusable by statistics) -----------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def age_q(low: int | None, high: int | None, today: date | None = None) -> Q:
    """People whose age in full years on `today` lies in [low, high] (either end open)."""
    today = today or timezone.localdate()
    q = Q()
    if low is not None:  # at least `low` years old: born on or before today - low years
        q &= Q(birth_date__lte=_years_before(today, low))
    if high is not None:  # younger than high + 1
        q &= Q(birth_date__gt=_years_before(today, high + 1))
    return q


@dataclass(frozen=True)
class Band:
    key: str
    label: str
    low: object = None
    high: object = None


# The party-statistics bulletin's bands: ≤30, 31–35, …, 56–60, ≥61 (DOMAIN.md §4).
AGE_BANDS = (
    Band("-30", "≤30", None, 30),
    *(Band(f"{a}-{a + 4}", f"{a}–{a + 4}", a, a + 4) for a in range(31, 60, 5)),
    Band("61-", "≥61", 61, None),
)

# Join eras (入党时间段). Local practice varies, so this is a constant to adjust, not law.
JOIN_ERAS = (
    Band("-1978", _("1978 and before"), None, date(1978, 12, 31)),
    Band("1979-2002", "1979–2002", date(1979, 1, 1), date(2002, 12, 31)),
    Band("2003-2012", "2003–2012", date(2003, 1, 1), date(2012, 12, 31)),
    Band("2013-", _("2013 to now"), date(2013, 1, 1), None),
)


def age_band_q(key: str, today: date | None = None) -> Q:
    band = next((b for b in AGE_BANDS if b.key == key), None)
    return age_q(band.low, band.high, today) if band else Q()


def join_era_q(key: str) -> Q:
    band = next((b for b in JOIN_ERAS if b.key == key), None)
    if band is None:
        return Q()
    q = Q(join_date__isnull=False)
    if band.low:
        q &= Q(join_date__gte=band.low)
    if band.high:
        q &= Q(join_date__lte=band.high)
    return q


def branches_for(user, action: str) -> QuerySet[Organization]:
    """Active branches where `user` may do `action` (for filter and form choices)."""
    return (
        Organization.objects.restrict(user, action)
        .filter(kind__in=BRANCH_KINDS, is_active=True)
        .order_by("path")
    )


def party_groups_of(branch_id) -> QuerySet[Organization]:
    return Organization.objects.filter(
        kind=PARTY_GROUP, parent_id=branch_id, is_active=True
    ).order_by("path")


# --- one person ---------------------------------------------------------------------------------


def person_detail(user, pk, action: str = "members.view") -> Person:
    """One person `user` may `action`, or 404 (missing and forbidden look the same)."""
    queryset = Person.objects.select_related("branch", "party_group", "photo__org", "user")
    return get_scoped_or_404(queryset, user, action, pk=pk)


def can_see_sensitive(user, person: Person) -> bool:
    """May `user` unmask this person's data: view_sensitive on the branch, or their own record."""
    own = person.user_id is not None and person.user_id == user.pk
    return own or has_perm(user, "members.view_sensitive", person.branch)


def sensitive_prefixes(user) -> tuple[str, ...]:
    """Path prefixes under which `user` sees clear personal data (exports mask per row)."""
    return tuple(scope_paths(user, "members.view_sensitive"))


@dataclass(frozen=True)
class RecordSet:
    """A record set shown on the detail page and edited through record_services."""

    key: str
    model: type
    title: str
    fields: tuple[str, ...]


RECORD_SETS = {
    s.key: s
    for s in (
        RecordSet("posts", PostHeld, _("Posts held"), ("organization", "post", "start", "end")),
        RecordSet(
            "rewards", RewardPunishment, _("Rewards and punishments"),
            ("kind", "name", "on", "issuer", "note"),
        ),
        RecordSet(
            "trainings", Training, _("Trainings"), ("name", "start", "end", "hours", "organizer")
        ),
        RecordSet(
            "family", FamilyMember, _("Family members"),
            ("relation", "name", "birth_year", "political_status", "work_unit"),
        ),
        RecordSet("hardships", Hardship, _("Hardships"), ("kind", "description", "since", "until")),
    )
}  # fmt: skip


def _display(record, name: str) -> str:
    value = getattr(record, f"get_{name}_display", lambda: getattr(record, name))()
    if isinstance(value, date):
        return cn_date(value)
    return "" if value is None else str(value)


def record_sets_of(person: Person) -> list[tuple[RecordSet, list]]:
    """Every record set of `person` as [(set, [(record, [(label, text)])])]: one query per
    set, whatever their sizes."""
    result = []
    for rs in RECORD_SETS.values():
        labels = [(n, rs.model._meta.get_field(n).verbose_name) for n in rs.fields]
        rows = [
            (record, [(label, _display(record, name)) for name, label in labels])
            for record in rs.model.objects.filter(person=person)
        ]
        result.append((rs, rows))
    return result


def stage_history(person: Person) -> list[StageChange]:
    return list(
        StageChange.objects.filter(person=person).select_related("recorded_by").order_by("on", "id")
    )


def record_of(user, key: str, pk, action: str = "members.manage"):
    """One record-set row in `user`'s scope (through its person's branch), or 404."""
    record_set = RECORD_SETS.get(key)
    if record_set is None:
        raise Http404
    queryset = record_set.model.objects.select_related("person__branch")
    return record_set, get_scoped_or_404(queryset, user, action, pk=pk)
