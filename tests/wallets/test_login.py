import pytest

from marketplace.wallets.models import ApiToken, SignedAction

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login"


def test_login_returns_the_address_and_a_token_that_reads_private_data(actions, api, alice):
    response = actions.post(LOGIN, alice, "login", {})
    assert response.status_code == 200
    body = response.json()
    assert body["address"] == alice.address
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    me = api.get("/api/me")
    assert me.status_code == 200
    assert me.json()["address"] == alice.address


def test_login_opens_a_browser_session(actions, alice):
    actions.post(LOGIN, alice, "login", {})
    me = actions.client.get("/api/me")
    assert me.status_code == 200
    assert me.json()["address"] == alice.address


def test_only_a_hash_of_the_token_is_stored_and_replays_do_not_reveal_it(actions, alice):
    body = alice.envelope("login", {})
    first = actions.client.post(LOGIN, body, format="json").json()
    assert ApiToken.objects.get().key_hash == ApiToken.hash(first["token"])
    assert "token" not in SignedAction.objects.get().response_body
    replay = actions.client.post(LOGIN, body, format="json")
    assert replay["Idempotent-Replayed"] == "true"
    assert "token" not in replay.json()
    assert ApiToken.objects.count() == 1


def test_the_schema_says_a_given_once_token_may_be_absent(api):
    components = api.get("/api/schema/?format=json").json()["components"]["schemas"]
    for name in ("LoginResult", "AccessResult"):
        assert "token" in components[name]["properties"]
        assert "token" not in components[name]["required"], name


def test_logout_revokes_the_token(actions, api, alice):
    token = actions.post(LOGIN, alice, "login", {}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.post("/api/auth/logout").status_code == 204
    response = api.get("/api/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_private_reads_without_a_session_or_token_are_not_authenticated(api):
    for url in ("/api/me", "/api/ledger/entries"):
        response = api.get(url)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"


def test_an_unknown_token_is_not_authenticated(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer nope")
    response = api.get("/api/me")
    assert (response.status_code, response.json()["error"]["code"]) == (401, "not_authenticated")


def test_a_session_logout_needs_the_csrf_token(actions, alice):
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    browser.post(LOGIN, alice.envelope("login", {}), format="json")
    response = browser.post("/api/auth/logout")
    assert response.status_code == 403
    assert browser.get("/api/me").status_code == 200
