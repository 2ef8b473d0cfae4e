"""Confidential jobs in the browser: alice picks dave's approved TEE worker, the page
seals her model and input to its key (with a fresh reply key) and submits; the worker
opens it, runs it and attests; the page shows the valid attestation and opens the sealed
result with the reply key kept in the browser."""

import base64
import json

import pytest
from nacl.public import PrivateKey, PublicKey, SealedBox

from marketplace.agents import runners
from marketplace.confidential import services
from marketplace.confidential.models import ConfidentialJob
from marketplace.wallets.models import Wallet
from tests.confidential.conftest import approve, register_worker
from tests.conftest import DOT
from tests.e2e.conftest import shoot, sign_in
from tests.jobs.market import ok, register

pytestmark = pytest.mark.e2e

VALUES = [100 + (h % 24) * 3 for h in range(48)]


@pytest.fixture
def worker_key(actions, dave, fund) -> PrivateKey:
    """dave: a staked tee provider and an approved TEE worker with this X25519 key."""
    key = PrivateKey.generate()
    fund(dave, 300 * DOT)
    register(actions, dave, capabilities=("tee",))
    ok(register_worker(actions, dave, key), 201)
    approve(dave)
    return key


def work_as_the_worker(dave, worker_key: PrivateKey, confidential: ConfidentialJob) -> dict:
    """What the TEE worker does: open, run, seal the result to the reply key, attest."""
    payload = json.loads(
        SealedBox(worker_key).decrypt(base64.b64decode(confidential.encrypted_payload))
    )
    document = runners.get(payload["model_ref"])(payload["input"])
    result_hash = runners.result_hash(document)
    reply = SealedBox(PublicKey(bytes.fromhex(payload["reply_public_key"])))
    message = f"{confidential.pk}:{confidential.payload_hash}:{result_hash}"
    services.record_attestation(
        Wallet.objects.get(public_key=dave.public_key),
        job_id=confidential.pk,
        result_hash=result_hash,
        attestation_proof=bytes.fromhex(dave.sign(message)[2:]),
        encrypted_result=reply.encrypt(runners.canonical(document)),
    )
    return payload


def seal_a_job_from_the_page(page, dave) -> None:
    form = "form[data-action=submit_confidential_job]"
    page.select_option(f"{form} [name=worker]", dave.address)
    page.select_option(f"{form} [name=model_ref]", "builtin:summary")
    page.fill(
        f"{form} [name=input]",
        json.dumps({"start": 1740960000, "step_seconds": 3600, "values": VALUES}),
    )
    page.fill(f"{form} [name=budget]", "1.5")
    page.fill(f"{form} [name=deadline]", "2035-01-01T12:00")
    page.click(f"{form} button")
    page.wait_for_selector("#pm-confidential-jobs [data-pm-status=assigned]")


def test_alice_seals_a_job_to_a_worker_and_opens_the_attested_result(
    open_as, fund, alice, dave, worker_key
):
    fund(alice, 10 * DOT)
    page = open_as("Alice", "/confidential/")
    sign_in(page)
    assert page.is_visible(f"[data-pm-worker='{dave.address}']")
    seal_a_job_from_the_page(page, dave)

    confidential = ConfidentialJob.objects.select_related("job").get()
    assert confidential.job.budget == 15 * DOT // 10
    assert "builtin:summary" not in confidential.encrypted_payload  # only ciphertext is kept
    payload = work_as_the_worker(dave, worker_key, confidential)
    assert payload["model_ref"] == "builtin:summary"
    assert payload["input"]["values"] == VALUES

    page.reload()
    page.wait_for_selector("#pm-confidential-jobs [data-pm-status=settled]")
    assert page.is_visible("[data-pm-verdict=valid]")
    opened = page.wait_for_selector("pre[data-pm-opened]")
    assert json.loads(opened.inner_text())["model_ref"] == "builtin:summary"
    assert json.loads(opened.inner_text())["n_readings"] == len(VALUES)


def test_a_reply_key_saved_on_one_device_opens_the_result_on_another(
    open_as, fund, alice, dave, worker_key, tmp_path
):
    fund(alice, 10 * DOT)
    laptop = open_as("Alice", "/confidential/")
    sign_in(laptop)
    seal_a_job_from_the_page(laptop, dave)
    confidential = ConfidentialJob.objects.get()
    work_as_the_worker(dave, worker_key, confidential)
    with laptop.expect_download() as saved:
        laptop.click(f"[data-pm-export-reply-key='{confidential.pk}']")
    key_file = tmp_path / saved.value.suggested_filename
    saved.value.save_as(key_file)

    phone = open_as("Alice", "/confidential/")  # a fresh browser: no reply key in it
    sign_in(phone)
    phone.wait_for_selector("#pm-confidential-jobs [data-pm-status=settled]")
    assert phone.is_disabled(f"[data-pm-export-reply-key='{confidential.pk}']")
    assert phone.query_selector("pre[data-pm-opened]") is None
    phone.set_input_files("[data-pm-import-reply-key]", str(key_file))
    opened = phone.wait_for_selector("pre[data-pm-opened]")
    assert json.loads(opened.inner_text())["n_readings"] == len(VALUES)
    assert f"confidential job #{confidential.pk}" in phone.inner_text("[data-pm-import-status]")
    shoot(phone, "confidential")
