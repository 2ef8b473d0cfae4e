import pytest

pytestmark = pytest.mark.django_db


def test_config_tells_clients_how_to_sign_and_show_amounts(api, settings):
    body = api.get("/api/config").json()
    assert body["domain"] == settings.PM_DOMAIN
    assert body["ss58_prefix"] == 42
    assert {"code": "DOT", "decimals": 10} in body["assets"]
    assert {"code": "USDT", "decimals": 6} in body["assets"]
    assert body["min_budget"]["DOT"] == str(settings.PM_MIN_BUDGET["DOT"])
    for key in (
        "min_stake",
        "fee_bps",
        "review_window_seconds",
        "bid_window_seconds",
        "batch_interval_seconds",
        "faucet_enabled",
    ):
        assert key in body


def test_healthz_reports_each_part(api):
    response = api.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["db"] == body["channel_layer"] == body["broker"] == "ok"
    assert body["worker"] == "stale"  # no worker has beaten in this test


def test_healthz_says_ok_for_a_worker_that_beat_recently(api):
    from marketplace.core.services import record_heartbeat

    record_heartbeat()
    assert api.get("/healthz").json()["worker"] == "ok"


def test_unknown_api_paths_answer_json_not_found(api):
    response = api.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_schema_and_docs_are_served(api):
    assert api.get("/api/schema/").status_code == 200
    assert api.get("/api/docs/").status_code == 200


def test_the_landing_page_says_what_the_site_is(client):
    response = client.get("/")
    assert b"decentralized marketplace for AI compute and data" in response.content


def test_healthz_reports_a_channel_layer_it_cannot_reach(api, settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},  # nothing listens there
        }
    }
    channel_layers.backends.pop("default", None)
    try:
        assert api.get("/healthz").json()["channel_layer"].startswith("error: ")
    finally:
        channel_layers.backends.pop("default", None)


def test_healthz_says_the_in_memory_layer_reaches_this_process_only(api, settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.pop("default", None)
    try:
        assert api.get("/healthz").json()["channel_layer"] == "in-process"
    finally:
        channel_layers.backends.pop("default", None)
