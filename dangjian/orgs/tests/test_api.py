import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from dangjian.core.api import NOT_FOUND
from dangjian.core.testing import login_as
from dangjian.orgs.models import Organization, OrgKind
from dangjian.orgs.tests.helpers import audit_actions

pytestmark = pytest.mark.django_db

ORGS = "/api/v1/orgs/"


def api_as(user) -> APIClient:
    client = APIClient()
    login_as(client, user)
    return client


def test_anonymous_api_requests_get_401(client, tree):
    assert client.get(ORGS).status_code == 401
    assert client.get(f"{ORGS}{tree.branch_a.pk}/").status_code == 401
    assert client.get("/api/schema/").status_code == 401


def test_token_authentication_works(tree, personas):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=personas.committee_admin)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(ORGS).json()["count"] == 8


def test_secretary_gets_404_json_for_another_branchs_id(tree, personas):
    client = api_as(personas.secretary_a)
    for method, url, data in [
        ("get", f"{ORGS}{tree.branch_b.pk}/", None),
        ("patch", f"{ORGS}{tree.branch_b.pk}/", {"name": "越权"}),
        ("post", f"{ORGS}{tree.branch_b.pk}/move/", {"parent": tree.branch_a.pk}),
        ("get", f"{ORGS}999999/", None),
    ]:
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 404, url
        assert response.json() == {"detail": str(NOT_FOUND)}


def test_secretary_lists_only_their_subtree(tree, personas):
    data = api_as(personas.secretary_a).get(ORGS).json()
    assert {row["id"] for row in data["results"]} == {tree.branch_a.pk, tree.group_a.pk}
    assert api_as(personas.secretary_a).get(f"{ORGS}{tree.branch_a.pk}/").status_code == 200


def test_a_member_can_read_but_not_write_their_branch(tree, personas):
    client = api_as(personas.member_a)
    assert client.get(f"{ORGS}{tree.branch_a.pk}/").status_code == 200
    response = client.patch(f"{ORGS}{tree.branch_a.pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 404


def test_committee_admin_filters_by_kind_parent_and_text(tree, personas):
    client = api_as(personas.committee_admin)
    kinds = client.get(ORGS, {"kind": "committee"}).json()["results"]
    assert {row["id"] for row in kinds} == {tree.group.pk, tree.company.pk, tree.other_company.pk}
    children = client.get(ORGS, {"parent": tree.company.pk}).json()["results"]
    assert {row["id"] for row in children} == {tree.general_branch.pk, tree.branch_b.pk}
    found = client.get(ORGS, {"q": "变电"}).json()["results"]
    assert [row["code"] for row in found] == ["T21"]
    row = client.get(f"{ORGS}{tree.branch_a.pk}/").json()
    assert row["parent"] == tree.general_branch.pk and row["parent_name"] == "综采党总支"


def test_create_patch_and_move_go_through_services_and_are_audited(tree, personas):
    client = api_as(personas.committee_admin)
    response = client.post(
        ORGS, {"parent": tree.company.pk, "code": "API1", "name": "接口支部", "kind": "branch"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    response = client.patch(f"{ORGS}{pk}/", {"short_name": "接口"}, format="json")
    assert response.status_code == 200 and response.json()["short_name"] == "接口"
    response = client.post(f"{ORGS}{pk}/move/", {"parent": tree.general_branch.pk}, format="json")
    assert response.status_code == 200
    org = Organization.objects.get(pk=pk)
    assert org.parent == tree.general_branch and org.path.startswith(tree.general_branch.path)
    assert audit_actions(target_id=str(pk)) == ["orgs.create", "orgs.update", "orgs.move"]


def test_bad_input_answers_400_with_chinese_field_errors(tree, personas):
    client = api_as(personas.committee_admin)
    wrong_place = client.post(
        ORGS, {"parent": tree.branch_a.pk, "code": "API2", "name": "错支部", "kind": "branch"},
        format="json",
    )  # fmt: skip
    assert wrong_place.status_code == 400
    assert "党支部之下不能再设" in wrong_place.json()["errors"]["parent"][0]
    duplicate = client.post(
        ORGS, {"parent": tree.company.pk, "code": "T12", "name": "重复", "kind": "branch"},
        format="json",
    )  # fmt: skip
    assert duplicate.status_code == 400 and list(duplicate.json()["errors"]) == ["code"]
    missing = client.post(ORGS, {"parent": tree.company.pk}, format="json")
    assert missing.status_code == 400
    assert {"code", "name", "kind"} <= set(missing.json()["errors"])
    assert re.search(r"[\u4e00-\u9fff]", missing.json()["errors"]["code"][0])
    bad_kind = client.patch(f"{ORGS}{tree.branch_a.pk}/", {"kind": "nonsense"}, format="json")
    assert bad_kind.status_code == 400 and "kind" in bad_kind.json()["errors"]
    into_self = client.post(
        f"{ORGS}{tree.company.pk}/move/", {"parent": tree.general_branch.pk}, format="json"
    )
    assert into_self.status_code == 400 and "parent" in into_self.json()["errors"]
    bad_date = client.patch(f"{ORGS}{tree.branch_a.pk}/", {"term_end": "明天"}, format="json")
    assert bad_date.status_code == 400 and "term_end" in bad_date.json()["errors"]


def test_a_parent_outside_scope_reads_as_nonexistent(tree, personas):
    client = api_as(personas.secretary_a)
    response = client.post(
        ORGS, {"parent": tree.branch_b.pk, "code": "API3", "name": "越权小组",
               "kind": OrgKind.PARTY_GROUP}, format="json",
    )  # fmt: skip
    nonexistent = client.post(
        ORGS, {"parent": 999999, "code": "API3", "name": "越权小组",
               "kind": OrgKind.PARTY_GROUP}, format="json",
    )  # fmt: skip
    assert response.status_code == nonexistent.status_code == 400
    # the same message either way, apart from echoing the id that was sent
    out_of_scope = response.json()["errors"]["parent"][0].replace(str(tree.branch_b.pk), "#")
    assert out_of_scope == nonexistent.json()["errors"]["parent"][0].replace("999999", "#")


def test_put_and_delete_are_not_offered(tree, personas):
    client = api_as(personas.committee_admin)
    assert client.delete(f"{ORGS}{tree.branch_a.pk}/").status_code == 405
    assert client.put(f"{ORGS}{tree.branch_a.pk}/", {}, format="json").status_code == 405


# --- schema and docs ---------------------------------------------------------------------------


def _v1_routes() -> set[str]:
    """Every /api/v1/ route as an OpenAPI path template (format-suffix variants skipped)."""
    found: set[str] = set()

    def walk(patterns, prefix):
        for pattern in patterns:
            text = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, text)
            elif isinstance(pattern, URLPattern) and "format" not in text:
                found.add("/" + re.sub(r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>",
                                       lambda m: "{%s}" % (m[1] or m[2]), text))  # fmt: skip

    walk(get_resolver().url_patterns, "")
    # drf-spectacular names a lookup `pk` after the model's primary key field, `id`
    return {
        route.replace("{pk}", "{id}")
        for route in found
        if route.startswith("/api/v1/") and route != "/api/v1/"
    }


def test_openapi_schema_validates_and_lists_every_v1_route(tree, personas):
    response = api_as(personas.committee_admin).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    routes = _v1_routes()
    assert "/api/v1/orgs/{id}/move/" in routes
    missing = routes - set(schema["paths"])
    assert not missing, missing


def test_docs_page_loads_its_assets_locally(tree, personas):
    client = api_as(personas.committee_admin)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert not re.search(r"(?:src|href)=[\"']?(?:https?:)?//", html), "external asset"
    assert not re.search(r"https?://(?!testserver)", html)
