"""Helpers the tests share: the test password and users, signing in a web client, a JSON client for the API."""

import json

from django.contrib.auth import get_user_model

from heluo.core.models import UserProfile

PASSWORD = "pw-heluo-test-1"


def make_user(username, role=None, **profile):
    user = get_user_model().objects.create_user(username, password=PASSWORD, is_superuser=role == "superuser", is_staff=role == "superuser")
    areas = profile.pop("areas", [])
    if role and role != "superuser":
        p = UserProfile.objects.create(user=user, role=role, **profile)
        p.areas.set(areas)
    return user


def login(client, user):
    """The web client signed in as `user` (None: stays anonymous)."""
    if user is not None:
        assert client.login(username=user.username, password=PASSWORD)
    return client


class Api:
    """A tiny JSON client: Api(client, headers).get("organizations", area="410305")."""

    def __init__(self, client, headers=None):
        self.client, self.headers = client, headers or {}

    def url(self, p):
        return f"/api/v1/{p.lstrip('/')}"

    def get(self, p, **params):
        return self.client.get(self.url(p), params, headers=self.headers)

    def _send(self, method, p, body, headers=None):
        return getattr(self.client, method)(
            self.url(p),
            data=json.dumps(body, default=str),
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )

    def post(self, p, body=None, headers=None):
        """`headers`: more request headers for this call (e.g. an Idempotency-Key)."""
        return self._send("post", p, body or {}, headers)

    def put(self, p, body):
        return self._send("put", p, body)

    def patch(self, p, body):
        return self._send("patch", p, body)

    def delete(self, p):
        return self.client.delete(self.url(p), headers=self.headers)
