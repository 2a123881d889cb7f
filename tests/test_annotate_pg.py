"""The same server code against a real PostgreSQL (scripts/setup-system.sh starts one).

These tests FAIL when the server is unreachable: PostgreSQL is a supported backend, not an
optional extra. Point KHLANG_TEST_PG_URL elsewhere to use another server (its tables are dropped)."""

from __future__ import annotations

import pytest
from annotate_support import PG_URL, flow_annotate_and_review, flow_concurrent_submissions, make_app


@pytest.fixture()
def pg_app():
    return make_app(PG_URL)


def test_pg_annotate_review_flow(pg_app):
    assert pg_app.state.db.engine.dialect.name == "postgresql"
    flow_annotate_and_review(pg_app)


def test_pg_concurrent_submissions(pg_app):
    flow_concurrent_submissions(pg_app, n_docs=20)


def test_pg_expired_reservation_gives_its_place_back(pg_app):
    from annotate_support import flow_expired_reservation

    flow_expired_reservation(pg_app)


def test_pg_database_made_before_open_places_keeps_working():
    from annotate_support import flow_database_before_open_places

    flow_database_before_open_places(PG_URL)


def test_pg_reservations(pg_app):
    from annotate_support import flow_reservations

    flow_reservations(pg_app)


def test_pg_same_user_two_tabs(pg_app):
    from annotate_support import flow_same_user_race

    flow_same_user_race(pg_app)
