"""The generic route walker (ARCHITECTURE.md §9): every URL pattern, found automatically.

- Anonymous: an HTML page redirects to the login page; an /api/ route answers 401.
  Only the small PUBLIC allow-list is reachable without signing in.
- A route with parameters must have a ROUTE_SAMPLES entry: the kwargs of a real object that the
  secretary of branch A must NOT see (it lives in branch C of the other company). A new route
  without one fails `test_every_parameterized_route_has_a_sample`, so it is covered by default.
  The secretary gets 404 there — exactly like a missing object — while the sample's `seer`
  (someone who may see it) does not, which proves the sample points at something real.
- No route answers 500 to any persona.
"""

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.shortcuts import resolve_url
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from dangjian.accounts.models import LoginLock
from dangjian.accounts.services import AccountLocked, login_attempt
from dangjian.attachments.services import attachment_store
from dangjian.attachments.tests.samples import png
from dangjian.audit.models import AuditEvent
from dangjian.core.testing import OrgTree, Personas, login_as
from dangjian.notifications.services import notify
from dangjian.orgs.services import committee_member_add

# Routes anyone may use without signing in: the login page and the API's token sign-in
# (an empty POST there answers 400, never 401/403 or a login redirect).
PUBLIC = {"accounts:login", "auth-token"}
# Parameters that only choose a representation, never an object.
REPRESENTATION_PARAMS = {"format"}


@dataclass(frozen=True)
class Route:
    name: str | None
    route: str
    params: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")


def _params(pattern) -> tuple[str, ...]:
    if isinstance(pattern, RoutePattern):
        return tuple(pattern.converters)
    if isinstance(pattern, RegexPattern):
        return tuple(pattern.regex.groupindex)
    return ()


def walk(patterns=None, prefix: str = "", namespace: str = "", params=()) -> Iterator[Route]:
    """Every leaf URL pattern, with its fully qualified name and all its parameters."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        found = params + _params(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, (namespace, pattern.namespace)))
            yield from walk(pattern.url_patterns, route, inner, found)
        elif isinstance(pattern, URLPattern):
            name = ":".join(filter(None, (namespace, pattern.name))) if pattern.name else None
            yield Route(name, route, found)


ROUTES = sorted(set(walk()), key=lambda r: (r.route, r.params))


# --- samples: objects outside branch A's scope ------------------------------------------------


@dataclass(frozen=True)
class Sample:
    kwargs: Callable[[OrgTree, Personas], dict]
    seer: str = "committee_admin"  # a persona who may see the object (so it is not 404)


def _branch_c(tree, personas) -> dict:
    return {"pk": tree.branch_c.pk}


def _committee_member_c(tree, personas) -> dict:
    member = committee_member_add(
        actor=None, org=tree.branch_c, post="secretary", name="周书记", term_start=date(2024, 1, 1)
    )
    return {"pk": member.pk}


def _audit_event_c(tree, personas) -> dict:
    return {"seq": AuditEvent.objects.filter(org_id=tree.branch_c.pk).latest("seq").seq}


def _outsider(tree, personas) -> dict:
    return {"pk": personas.outsider.pk}


def _outsider_assignment(tree, personas) -> dict:
    assignment = personas.outsider.role_assignments.get()
    return {"pk": personas.outsider.pk, "assignment_pk": assignment.pk}


def _lock_of_outsider(tree, personas) -> dict:
    """Lock the outsider's account the real way: failed sign-ins until the policy locks it."""
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="203.0.113.7")
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        with contextlib.suppress(ValidationError, AccountLocked):
            login_attempt(request=request, username=personas.outsider.username, password="wrong")
    return {"pk": LoginLock.objects.get(key=personas.outsider.username).pk}


def _notification_of_outsider(tree, personas) -> dict:
    (notification,) = notify(recipients=[personas.outsider], title="变电运维党支部通知")
    return {"pk": notification.pk}


def _attachment_of_branch_c(tree, personas) -> dict:
    upload = ContentFile(png(), name="变电站巡检.png")
    attachment = attachment_store(actor=None, org=tree.branch_c, upload=upload)
    return {"uid": attachment.uid}


ROUTE_SAMPLES: dict[str, Sample] = {
    "attachments:download": Sample(_attachment_of_branch_c),
    "accounts:user_detail": Sample(_outsider, seer="system_admin"),
    "accounts:role_assign": Sample(_outsider, seer="system_admin"),
    "accounts:role_revoke": Sample(_outsider_assignment, seer="system_admin"),
    "accounts:user_deactivate": Sample(_outsider, seer="system_admin"),
    "accounts:user_reactivate": Sample(_outsider, seer="system_admin"),
    "accounts:lock_release": Sample(_lock_of_outsider, seer="security_admin"),
    "accounts:security_user": Sample(_outsider, seer="security_admin"),
    "accounts:two_factor_reset": Sample(_outsider, seer="security_admin"),
    "accounts:password_reset": Sample(_outsider, seer="security_admin"),
    "orgs:detail": Sample(_branch_c),
    "orgs:tree_children": Sample(_branch_c),
    "orgs:create": Sample(lambda tree, personas: {"parent_pk": tree.branch_c.pk}),
    "orgs:edit": Sample(_branch_c),
    "orgs:move": Sample(_branch_c),
    "orgs:deactivate": Sample(_branch_c),
    "orgs:committee_add": Sample(_branch_c),
    "orgs:committee_edit": Sample(_committee_member_c),
    "orgs:committee_end": Sample(_committee_member_c),
    "audit:detail": Sample(_audit_event_c, seer="audit_admin"),
    "org-detail": Sample(_branch_c),
    "org-move": Sample(_branch_c),
    "notifications:mark_read": Sample(_notification_of_outsider, seer="outsider"),
}


def _as_sample(sample) -> Sample:
    """A sample given as Sample-like object, (kwargs, seer) tuple or bare kwargs function."""
    if isinstance(sample, tuple):
        return Sample(*sample)
    if callable(sample):
        return Sample(sample)
    return Sample(sample.kwargs, sample.seer)


def _app_samples() -> dict[str, Sample]:
    """Samples kept beside each app's tests: `dangjian/<app>/tests/route_samples*.py` with a
    SAMPLES dict (see `_as_sample` for the accepted shapes) — so a new module covers its routes
    without editing this file."""
    import importlib
    from pathlib import Path

    found: dict[str, Sample] = {}
    for path in sorted(Path(settings.BASE_DIR, "dangjian").glob("*/tests/route_samples*.py")):
        module = importlib.import_module(
            ".".join(path.relative_to(settings.BASE_DIR).with_suffix("").parts)
        )
        for name, sample in module.SAMPLES.items():
            assert name not in ROUTE_SAMPLES and name not in found, f"two samples for {name}"
            found[name] = _as_sample(sample)
    return found


ROUTE_SAMPLES.update(_app_samples())


def object_params(route: Route) -> set[str]:
    return set(route.params) - REPRESENTATION_PARAMS


def sampled(routes=ROUTES) -> list[Route]:
    """Routes the walker can build a URL for (a missing sample fails its own test)."""
    return [r for r in routes if r.name and (not object_params(r) or r.name in ROUTE_SAMPLES)]


@pytest.fixture
def url_for(tree, personas, settings, tmp_path):
    """route -> URL; each sample object is made once per test."""
    settings.MEDIA_ROOT = tmp_path  # sample attachments are stored in a throw-away folder
    made: dict = {}

    def build(route: Route) -> str:
        kwargs = {}
        if object_params(route):
            make = ROUTE_SAMPLES[route.name].kwargs
            if make not in made:
                made[make] = make(tree, personas)
            kwargs = dict(made[make])
        if "format" in route.params:
            kwargs["format"] = "json"
        return reverse(route.name, kwargs=kwargs)

    return build


def probe(client: Client, url: str):
    """GET; a POST-only route (405) is probed with an empty POST instead."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    return response


def as_persona(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        login_as(client, user)
    return client


# --- tests ------------------------------------------------------------------------------------


def test_the_walker_finds_routes_of_every_app():
    names = {route.name for route in ROUTES}
    assert "core:home" in names
    assert any(route.is_api for route in ROUTES)


def test_every_route_has_a_name():
    assert [route.route for route in ROUTES if route.name is None] == []


def test_every_parameterized_route_has_a_sample():
    missing = sorted({r.name for r in ROUTES if object_params(r) and r.name not in ROUTE_SAMPLES})
    assert missing == [], f"add ROUTE_SAMPLES entries (an object outside branch A) for {missing}"
    stale = sorted(set(ROUTE_SAMPLES) - {r.name for r in ROUTES})
    assert stale == [], f"ROUTE_SAMPLES names routes that no longer exist: {stale}"


def test_anonymous_is_sent_to_login_or_gets_401(url_for):
    login = resolve_url(settings.LOGIN_URL)
    wrong = []
    for route in sampled():
        url = url_for(route)
        response = probe(as_persona(None), url)
        status = response.status_code
        if route.name in PUBLIC:
            ok = status < 500 and status not in (301, 302, 401, 403)
        elif route.is_api:
            ok = status == 401
        else:
            ok = status == 302 and response["Location"].startswith(login)
        if not ok:
            wrong.append((url, status, response.get("Location")))
    assert wrong == []


def test_secretary_gets_404_outside_their_branch(personas, url_for):
    wrong = []
    for route in sampled():
        if not object_params(route):
            continue
        url = url_for(route)
        status = probe(as_persona(personas.secretary_a), url).status_code
        if status != 404:
            wrong.append((url, status))
        seer = ROUTE_SAMPLES[route.name].seer
        seen = probe(as_persona(getattr(personas, seer)), url).status_code
        if seen == 404 or seen >= 500:
            wrong.append((url, f"{seer} got {seen}: the sample is not a visible object"))
    assert wrong == []


@pytest.mark.parametrize("persona", [None, *Personas.__dataclass_fields__])
def test_no_route_answers_500(personas, url_for, persona):
    user = getattr(personas, persona) if persona else None
    failures = []
    for route in sampled():
        url = url_for(route)
        status = as_persona(user).get(url).status_code
        if status >= 500:
            failures.append((url, status))
    assert failures == []
