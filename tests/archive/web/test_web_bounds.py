"""Every id and page parameter of every route is bounded: hostile integers get 404 or 422, never 500,
on every catalog backend (PostgreSQL's id columns are 32-bit: `archive.web.params`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import annotated_types
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from archive.web.params import MAX_ID, MAX_PAGE
from tests.archive.web.web_site import TOKEN, Site, site_on_backend_fixture  # noqa: F401 - fixtures

# Past every bound; for ids also 2**31 and 2**63 - 1, which fit SQLite's ids but not PostgreSQL's
# 32-bit integer.
HOSTILE = ("0", "-1", str(MAX_PAGE + 1), str(2**63), str(2**64), "9" * 30, "9" * 5000, "-" + "9" * 30)
HOSTILE_IDS = (*HOSTILE, str(MAX_ID + 1), str(2**32), str(2**63 - 1))


def _int_params(route: APIRoute) -> list[tuple[str, str]]:
    """(where, name) of the route's integer parameters, where is "path" or "query"."""
    found = []
    for where, params in (("path", route.dependant.path_params), ("query", route.dependant.query_params)):
        for param in params:
            annotation = param.field_info.annotation
            if annotation is int or (annotation is not None and int in getattr(annotation, "__args__", ())):
                found.append((where, param.name))
    return found


def _routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute, list[tuple[str, str]]]]:
    """(method, full path, route, integer parameters) of every route of the app, routers included."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path and (params := _int_params(route)):
            for method in sorted((context.methods or set()) - {"HEAD"}):
                yield method, context.path, route, params


@pytest.fixture(name="site")
def site_fixture(site_on_backend: Site) -> Site:
    return site_on_backend


@pytest.fixture(name="app")
def app_fixture(site: Site) -> FastAPI:
    return site.app(submit_ingest=lambda url: None)


def test_ids_are_bounded_by_what_every_backend_holds() -> None:
    assert MAX_ID == 2**31 - 1  # PostgreSQL's integer, the type of the catalog's id columns


def test_every_integer_parameter_declares_its_bounds(app: FastAPI) -> None:
    routes = list(_routes(app))
    assert len(routes) >= 15  # the pages, the API and the actions
    for method, path, route, params in routes:
        for _, name in params:
            field = next(
                p for p in (*route.dependant.path_params, *route.dependant.query_params) if p.name == name
            )
            lower = [m.ge for m in field.field_info.metadata if isinstance(m, annotated_types.Ge)]
            upper = [m.le for m in field.field_info.metadata if isinstance(m, annotated_types.Le)]
            assert lower and lower[0] >= 1, f"{method} {path}: {name} has no lower bound"
            assert upper, f"{method} {path}: {name} has no upper bound"
            if name.endswith("id"):
                assert upper[0] <= MAX_ID, f"{method} {path}: {name} goes past what an id column holds"
            else:
                assert upper[0] <= MAX_PAGE, f"{method} {path}: {name} is neither an id nor a page"


def test_hostile_integers_never_give_500(app: FastAPI, site: Site) -> None:
    valid = {"article_id": site.ids["article"], "source_id": site.ids["statement"],
             "capture_id": site.ids["v1"], "change_id": site.ids["edited"],
             "before_id": site.ids["v1"], "after_id": site.ids["v2"]}  # fmt: skip
    checked = 0
    with TestClient(app, raise_server_exceptions=False) as client:
        for method, path, _, params in _routes(app):
            for where, name in params:
                for value in HOSTILE_IDS if name.endswith("id") else HOSTILE:
                    values = {k: str(v) for k, v in valid.items()}
                    query = ""
                    if where == "path":
                        values[name] = value
                    else:
                        query = f"?{name}={value}"
                    url = re.sub(r"\{(\w+)\}", lambda m, v=values: v.get(m.group(1), "1"), path) + query
                    response = client.request(
                        method, url, headers={"Authorization": f"Bearer {TOKEN}"}, data={"selector": "x"}
                    )
                    assert response.status_code in (404, 422), (method, url[:120], response.status_code)
                    checked += 1
    assert checked >= 150


def _url(path: str, values: dict[str, int]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), 1)), path)


def test_the_largest_id_in_bounds_is_looked_up_and_not_found(app: FastAPI, site: Site) -> None:
    """``MAX_ID`` itself reaches the database on every backend, which answers "no such row"."""
    checked = 0
    with TestClient(app, raise_server_exceptions=False) as client:
        for method, path, _, params in _routes(app):
            for where, name in params:
                if not name.endswith("id"):
                    continue
                url = _url(path, {name: MAX_ID} if where == "path" else {}) + (
                    f"?{name}={MAX_ID}" if where == "query" else ""
                )
                response = client.request(
                    method, url, headers={"Authorization": f"Bearer {TOKEN}"}, data={"selector": "x"}
                )
                expected = (200,) if where == "query" else (404,)
                assert response.status_code in expected, (method, url, response.status_code)
                checked += 1
    assert checked >= 15
