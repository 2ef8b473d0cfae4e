"""The access log (issue 15, item 13; issue 16, item 11): a readings token never
appears in it, and agents' requests stay below the default level."""

import logging

import pytest
from channels.testing import HttpCommunicator

from polkamesh_web.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_readings_token_is_redacted_in_the_access_log(caplog):
    caplog.set_level(logging.DEBUG, logger="polkamesh.access")
    path = "/api/data-nfts/1/readings?since=2025-01-01&token=the-secret-bearer-token"
    await HttpCommunicator(application, "GET", path).get_response(timeout=10)
    lines = [r.getMessage() for r in caplog.records if r.name == "polkamesh.access"]
    assert len(lines) == 1
    assert "the-secret-bearer-token" not in lines[0]
    assert "token=[redacted]" in lines[0] and "since=2025-01-01" in lines[0]


async def test_agents_requests_are_logged_below_info_and_peoples_at_info(caplog):
    caplog.set_level(logging.DEBUG, logger="polkamesh.access")
    agent = HttpCommunicator(
        application, "GET", "/api/config", headers=[(b"authorization", b"Token x")]
    )
    await agent.get_response(timeout=10)
    await HttpCommunicator(application, "GET", "/api/config").get_response(timeout=10)
    levels = [r.levelno for r in caplog.records if r.name == "polkamesh.access"]
    assert levels == [logging.DEBUG, logging.INFO]
