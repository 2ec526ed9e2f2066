"""Fuzzing the REST API against its own OpenAPI document (schemathesis): every operation, for each role and for
the public, with generated valid and invalid input. No answer may be a server error, every answer must be one
the document declares (status code, content type, body shape), and invalid input must be refused with a 4xx.

The document is the one the production WSGI application serves at /api/v1/openapi.json, and the requests go
in-process to that application (no server, no thread), so they share the test's connection and transaction: the
`world` rows are visible and whatever the fuzzer writes is rolled back, on SQLite and PostgreSQL alike.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from heluo.core.models import ApiToken
from heluo.wsgi import application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance, negative_data_rejection]
DOCUMENT = "/api/v1/openapi.json"

# Each role's user in turn gets a token with this key, which schemathesis sends as the document's bearer scheme
# (so that its invalid cases may also leave the token out, and expect the 401). Phases: the schema's examples and
# generated cases; the exhaustive "coverage" phase is left to a manual run (it multiplied the time by about five).
KEY = "fuzz" + "0" * 36
# A fixed seed: CI runs the same cases every time, so a failure is reproducible; change it to explore others.
PHASES = {"seed": 10, "phases": {"coverage": {"enabled": False}}}
signed_in = schemathesis.openapi.from_wsgi(
    DOCUMENT, application, config=schemathesis.Config.from_dict({**PHASES, "auth": {"openapi": {"TokenAuth": {"bearer": KEY}}}})
)
public = schemathesis.openapi.from_wsgi(DOCUMENT, application, config=schemathesis.Config.from_dict(PHASES))

# A few examples for each of the 575 operation × caller tests keep the run to minutes; deadline=None: timings
# vary by machine.
pytestmark = pytest.mark.slow
FUZZ = settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@pytest.fixture(params=["admin", "district_a", "org_a", "expert"])
def role(request, world):
    ApiToken.issue(getattr(world.users, request.param), name="fuzz", key=KEY)
    return request.param


@pytest.fixture
def in_process(world):
    """Django closes "old" connections at the start and end of every request, which inside the test's transaction
    would break it; as Django's own test client does, hold that off while the fuzzer calls the application."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@signed_in.parametrize()
@FUZZ
def test_each_role_gets_documented_answers(case, role, in_process):
    case.call_and_validate(checks=CHECKS)


@public.parametrize()
@FUZZ
def test_the_public_gets_documented_answers(case, in_process):
    case.call_and_validate(checks=CHECKS)
