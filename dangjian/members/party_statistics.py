"""Party statistics (党内统计) of an organization's subtree as of a reference date.

Counted where the formal membership sits (the person's branch) and, by default, as of
31 December of last year (DOMAIN.md §4). A person is a party member on `as_of` when they joined
on or before that day and had not exited by then: their latest stage change on or before `as_of`
is not an exit (so an exit after `as_of`, or a re-entry before it, still counts). Full versus
probationary is decided by `full_member_date <= as_of`.

Limitation: the branch is the person's current one (a transfer between two branches inside the
subtree does not change the counts; one across the subtree's border moves the person with it).

Every breakdown comes from four aggregate queries however many people there are:
1. one conditional aggregation (`Count(filter=Q(...))`) over the members for total, sex, age
   band, education, join era, personnel category and stage;
2. ethnicity grouped (`values().annotate(Count)`);
3. the development pipeline (applicants, activists, candidates) grouped by stage on `as_of`;
4. organizations by kind.
Age bands and join eras become date ranges computed here, so the SQL is portable (SQLite,
PostgreSQL, MariaDB).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core.scope import has_perm
from dangjian.members.choices import (
    DEVELOPMENT_STAGES,
    ETHNICITIES,
    EXIT_STAGES,
    MEMBER_STAGES,
    Education,
    PersonnelCategory,
    Sex,
    Stage,
)
from dangjian.members.models import Person, StageChange
from dangjian.orgs.models import Organization, OrgKind

HAN = "01"
TOP_MINORITIES = 5
NOT_RECORDED = gettext_lazy("Not recorded")


def default_as_of(today: date | None = None) -> date:
    """31 December of last year: the reference date of the annual party statistics."""
    today = today or timezone.localdate()
    return date(today.year - 1, 12, 31)


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# (key, label, lowest age, highest age) — the bulletin's bands.
AGE_BANDS = [
    ("le30", gettext_lazy("30 and under"), None, 30),
    *[(f"{low}_{low + 4}", f"{low}–{low + 4}", low, low + 4) for low in range(31, 57, 5)],
    ("ge61", gettext_lazy("61 and over"), 61, None),
]


def age_band_key(age: int) -> str:
    for key, _label, low, high in AGE_BANDS:
        if (low is None or age >= low) and (high is None or age <= high):
            return key
    raise ValueError(age)  # pragma: no cover - the bands cover every age


def _age_q(as_of: date, low: int | None, high: int | None) -> Q:
    """Born so that their age on `as_of` lies in [low, high]: age >= a ⇔ born <= years_before(a)."""
    q = Q()
    if low is not None:
        q &= Q(birth_date__lte=years_before(as_of, low))
    if high is not None:
        q &= Q(birth_date__gt=years_before(as_of, high + 1))
    return q


# (key, label, first day, last day) — the eras of the party statistics bulletin.
JOIN_ERAS = [
    ("pre_1949", gettext_lazy("Before October 1949"), None, date(1949, 9, 30)),
    ("1949_1966", gettext_lazy("October 1949 – April 1966"), date(1949, 10, 1), date(1966, 4, 30)),
    ("1966_1976", gettext_lazy("May 1966 – October 1976"), date(1966, 5, 1), date(1976, 10, 31)),
    ("1976_1978", gettext_lazy("November 1976 – December 1978"), date(1976, 11, 1),
     date(1978, 12, 31)),
    ("1979_2002", gettext_lazy("January 1979 – October 2002"), date(1979, 1, 1),
     date(2002, 10, 31)),
    ("2002_2012", gettext_lazy("November 2002 – October 2012"), date(2002, 11, 1),
     date(2012, 10, 31)),
    ("since_2012", gettext_lazy("Since November 2012"), date(2012, 11, 1), None),
]  # fmt: skip


def join_era_key(joined: date) -> str:
    for key, _label, first, last in JOIN_ERAS:
        if (first is None or joined >= first) and (last is None or joined <= last):
            return key
    raise ValueError(joined)  # pragma: no cover


def _era_q(first: date | None, last: date | None) -> Q:
    q = Q()
    if first is not None:
        q &= Q(join_date__gte=first)
    if last is not None:
        q &= Q(join_date__lte=last)
    return q


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    chart: str  # "pie" or "bar"


SECTIONS = [
    Section("stage", gettext_lazy("Full and probationary members"), "pie"),
    Section("sex", gettext_lazy("Sex"), "pie"),
    Section("ethnicity", gettext_lazy("Ethnicity"), "bar"),
    Section("age", gettext_lazy("Age on the reference date"), "bar"),
    Section("education", gettext_lazy("Education"), "bar"),
    Section("join_era", gettext_lazy("Joined the party"), "bar"),
    Section("personnel_category", gettext_lazy("Personnel category"), "bar"),
    Section("development", gettext_lazy("Development pipeline"), "bar"),
    Section("organizations", gettext_lazy("Party organizations by kind"), "bar"),
]


# --- querysets -------------------------------------------------------------------------------


def _people_in(user, org: Organization):
    """People of `org`'s subtree the user may see (members.view), counted by their branch."""
    return Person.objects.restrict(user, "members.view").filter(branch__path__startswith=org.path)


def exited_by(as_of: date) -> Exists:
    """True when the person's latest stage change on or before `as_of` is an exit."""
    later_return = StageChange.objects.filter(
        person_id=OuterRef("person_id"), on__lte=as_of
    ).exclude(to_stage__in=EXIT_STAGES)
    later_return = later_return.filter(
        Q(on__gt=OuterRef("on")) | Q(on=OuterRef("on"), pk__gt=OuterRef("pk"))
    )
    return Exists(
        StageChange.objects.filter(
            person_id=OuterRef("pk"), to_stage__in=EXIT_STAGES, on__lte=as_of
        ).filter(~Exists(later_return))
    )


def members_as_of(user, org: Organization, as_of: date):
    """Party members (probationary or full) on `as_of` in the subtree, within the user's scope."""
    return (
        _people_in(user, org)
        .filter(join_date__lte=as_of, stage__in=[*MEMBER_STAGES, *EXIT_STAGES])
        .filter(~exited_by(as_of))
    )


def _stage_on(as_of: date):
    """The stage a person had on `as_of`: their latest change by then, else their current one."""
    last = (
        StageChange.objects.filter(person_id=OuterRef("pk"), on__lte=as_of)
        .order_by("-on", "-pk")
        .values("to_stage")[:1]
    )
    history = Exists(StageChange.objects.filter(person_id=OuterRef("pk"), on__lte=as_of))
    return history, Case(
        When(history, then=Subquery(last)),
        When(stage__in=DEVELOPMENT_STAGES, then=F("stage")),
        default=Value(Stage.APPLICANT.value),
    )


def development_as_of(user, org: Organization, as_of: date):
    """(stage, count) of applicants, activists and candidates on `as_of`.

    Not yet members on that day; in a development stage by their stage history (without any
    history by then: applied on or before `as_of`, in their current development stage, or
    counted as applicants when they have since moved on)."""
    history, stage_then = _stage_on(as_of)
    return (
        _people_in(user, org)
        .filter(Q(join_date__isnull=True) | Q(join_date__gt=as_of))
        .filter(history | Q(application_date__lte=as_of))
        .annotate(stage_then=stage_then)
        .filter(stage_then__in=DEVELOPMENT_STAGES)
        .values("stage_then")
        .annotate(n=Count("pk"))
        .order_by()
    )


# --- the statistics -------------------------------------------------------------------------


def _items(pairs, total: int | None = None) -> list[dict]:
    """[{key, label, count, share}] — share in percent of `total` (one decimal)."""
    items = [{"key": key, "label": str(label), "count": count} for key, label, count in pairs]
    denominator = total if total is not None else sum(item["count"] for item in items)
    for item in items:
        item["share"] = round(100 * item["count"] / denominator, 1) if denominator else 0.0
    return items


def member_statistics(*, user, org: Organization, as_of: date) -> dict:
    """The party statistics of `org`'s subtree on `as_of` (Http404 outside members.view scope).

    Returns {"org": {id, name}, "as_of": "YYYY-MM-DD", "total": n, and one list of
    {key, label, count, share} per section key in SECTIONS}. The shares of the member
    breakdowns are percentages of `total`."""
    if org is None or not has_perm(user, "members.view", org):
        raise Http404
    members = members_as_of(user, org, as_of)

    buckets: dict[str, list[tuple[str, object, Q]]] = {
        "stage": [
            (Stage.FULL.value, Stage.FULL.label, Q(full_member_date__lte=as_of)),
            (
                Stage.PROBATIONARY.value,
                Stage.PROBATIONARY.label,
                Q(full_member_date__isnull=True) | Q(full_member_date__gt=as_of),
            ),
        ],
        "sex": [(value, label, Q(sex=value)) for value, label in Sex.choices],
        "age": [(key, label, _age_q(as_of, low, high)) for key, label, low, high in AGE_BANDS],
        "education": [
            *[(value, label, Q(education=value)) for value, label in Education.choices],
            ("", NOT_RECORDED, Q(education="")),
        ],
        "join_era": [
            (key, label, _era_q(first, last)) for key, label, first, last in JOIN_ERAS
        ],
        "personnel_category": [
            *[(value, label, Q(personnel_category=value)) for value, label in
              PersonnelCategory.choices],
            ("", NOT_RECORDED, Q(personnel_category="")),
        ],
    }  # fmt: skip
    aggregates = {"total": Count("pk")}
    for section, entries in buckets.items():
        for i, (_key, _label, q) in enumerate(entries):
            aggregates[f"{section}__{i}"] = Count("pk", filter=q)
    counts = members.aggregate(**aggregates)  # query 1
    total = counts["total"]

    result: dict = {
        "org": {"id": org.pk, "name": org.name},
        "as_of": as_of.isoformat(),
        "total": total,
    }
    for section, entries in buckets.items():
        pairs = [
            (key, label, counts[f"{section}__{i}"]) for i, (key, label, _q) in enumerate(entries)
        ]
        if section in ("education", "personnel_category") and not pairs[-1][2]:
            pairs.pop()  # no "not recorded" row when everything is recorded
        result[section] = _items(pairs, total)

    # query 2: ethnicity — 汉族, the largest minorities by name, the other minorities together
    by_code = dict(members.values_list("ethnicity").annotate(n=Count("pk")).order_by())
    names = dict(enumerate(ETHNICITIES, start=1))
    minorities = sorted(
        ((code, n) for code, n in by_code.items() if code != HAN), key=lambda kv: (-kv[1], kv[0])
    )
    ethnic = [(HAN, names[1], by_code.get(HAN, 0))]
    ethnic.append(("minorities", _("Ethnic minorities"), sum(n for _c, n in minorities)))
    for code, n in minorities[:TOP_MINORITIES]:
        label = names.get(int(code), code) if code.isdigit() else code
        ethnic.append((code, "　" + _("of which %(name)s") % {"name": label}, n))
    if len(minorities) > TOP_MINORITIES:
        rest = sum(n for _c, n in minorities[TOP_MINORITIES:])
        ethnic.append(("other_minorities", "　" + _("of which other minorities"), rest))
    result["ethnicity"] = _items(ethnic, total)

    # query 3: development pipeline on as_of
    pipeline = {row["stage_then"]: row["n"] for row in development_as_of(user, org, as_of)}
    result["development"] = _items(
        [(stage, Stage(stage).label, pipeline.get(stage, 0))
         for stage in (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE)]
    )  # fmt: skip

    # query 4: active organizations founded on or before as_of, by kind
    kinds = dict(
        Organization.objects.restrict(user, "members.view")
        .filter(path__startswith=org.path, is_active=True)
        .filter(Q(founded_on__isnull=True) | Q(founded_on__lte=as_of))
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result["organizations"] = _items(
        [(value, label, kinds.get(value, 0)) for value, label in OrgKind.choices]
    )
    return result


def statistics_rows(stats: dict):
    """Rows (section, item, count, share %) of the statistics for the spreadsheet export."""
    yield [str(_("Total party members")), "", stats["total"], 100.0 if stats["total"] else 0.0]
    for section in SECTIONS:
        for item in stats[section.key]:
            yield [str(section.title), item["label"].strip("　 "), item["count"], item["share"]]
