"""Bring your own model in the browser: a buyer drops an ONNX model on the models page
and sees its signature; posts a job with the form generated from that signature; reads
the outputs as a table and a chart, with Accept under them. Each page is looked at on a
laptop and a phone (docs/screenshots/models*, jobs-onnx*, job-onnx-result*)."""

import base64
import hashlib
import json
from datetime import timedelta

import numpy as np
import pytest

from marketplace.core.canonical import canonical_json
from marketplace.jobs.models import Job
from tests.artifacts.conftest import upload
from tests.conftest import DOT
from tests.e2e.conftest import local_input, shoot, sign_in
from tests.jobs.market import ok, register, step, submit
from tests.onnx_models import matmul_add

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


# Not the site's errors: the injected test wallet's own WASM (a real extension runs
# outside the page's CSP); htmx's notice for a pushed fragment this page does not show,
# and the missing favicon, are the live-updates' and the layout's to remove.
FOREIGN = ("@polkadot/wasm-crypto", "htmx:oobErrorNoTarget", "/favicon.ico")


def watch_for_errors(page, *expected: str) -> list[str]:
    """Console errors and uncaught exceptions of the page, as they happen; `expected`:
    URLs whose refusal the test provokes (the browser logs every 4xx)."""
    errors: list[str] = []

    def seen(text: str) -> None:
        if not any(part in text for part in (*FOREIGN, *expected)):
            errors.append(text)

    page.on(
        "console",
        lambda message: (
            message.type == "error" and seen(f"{message.text} {message.location.get('url')}")
        ),
    )
    page.on("pageerror", lambda error: seen(str(error)))
    return errors


def assert_fits_a_phone(page) -> None:
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def drop_file(page, selector: str, name: str, data: bytes) -> None:
    """What the browser fires when a file from the desktop is dropped on `selector`."""
    page.evaluate(
        """([selector, name, b64]) => {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const transfer = new DataTransfer();
          transfer.items.add(new File([bytes], name, { type: 'application/octet-stream' }));
          const zone = document.querySelector(selector);
          const options = { dataTransfer: transfer, bubbles: true, cancelable: true };
          for (const type of ['dragenter', 'dragover', 'drop']) {
            zone.dispatchEvent(new DragEvent(type, options));
          }
        }""",
        [selector, name, base64.b64encode(data).decode()],
    )


def onnx_job(cid: str, rows: list) -> dict:
    return {
        "model_ref": f"onnx:{cid}",
        "data_ref": "inline:" + json.dumps({"inputs": {"x": rows}}, separators=(",", ":")),
        "compute_type": "cpu",
    }


def test_a_dropped_model_shows_its_signature_and_cannot_be_deleted_while_a_job_uses_it(
    open_as, actions, fund, alice
):
    model, _, _ = matmul_add(n_in=3, n_out=6)
    cid = f"sha256:{hashlib.sha256(model).hexdigest()}"
    page = open_as("Alice", "/models/")
    errors = watch_for_errors(page, f"/api/artifacts/{cid}/delete")
    sign_in(page)
    page.wait_for_selector("#pm-my-models >> text=You have not uploaded anything yet")

    drop_file(page, "[data-pm-dropzone]", "traffic-forecaster.onnx", model)
    assert page.input_value("form[data-pm-upload] [name=name]") == "traffic-forecaster.onnx"
    page.click("form[data-pm-upload] button")
    shown = page.wait_for_selector("#pm-upload-result [data-pm-input=x]")
    assert "float32" in shown.inner_text() and "batch, 3" in shown.inner_text()
    assert "batch, 6" in page.inner_text("#pm-upload-result [data-pm-output=y]")
    page.wait_for_selector(f"#pm-my-models [data-pm-cid='{cid}']")

    fund(alice, 20 * DOT)
    ok(submit(actions, alice, **onnx_job(cid, [[1, 2, 3]])), 201)
    card = f"#pm-my-models [data-pm-cid='{cid}']"
    page.click(f"{card} form[data-action=delete_artifact] button")
    refused = page.wait_for_selector(f"{card} [data-form-error]:not(:empty)")
    assert refused.inner_text() == "An active job uses this artifact; it cannot be deleted."

    shoot(page, "models")
    assert_fits_a_phone(page)
    assert errors == [], "\n".join(errors)


def test_a_job_posted_with_the_generated_form_shows_its_outputs_as_a_table_and_a_chart(
    open_as, api, actions, fund, alice, bob
):
    model, W, b = matmul_add(n_in=3, n_out=6)
    cid = ok(upload(api, alice, model, name="Traffic forecaster"), 201)["cid"]
    fund(alice, 50 * DOT)
    fund(bob, 500 * DOT)
    register(actions, bob, capabilities=("cpu",))

    page = open_as("Alice", f"/jobs/?model=onnx:{cid}")
    errors = watch_for_errors(page)
    sign_in(page)
    form = "form[data-action=submit_job]"
    field = f"{form} [data-pm-model-input=x]"
    assert "batch is any size" in page.inner_text(f"{form} [data-pm-model-inputs]")
    page.select_option(f"{form} [name=compute_type]", "cpu")
    page.fill(f"{form} [name=budget]", "5")
    page.fill(f"{form} [name=deadline]", local_input(timedelta(hours=2)))
    page.fill(field, "87, 79, ninety")
    page.click(f"{form} button")
    said = page.wait_for_selector(f"{form} [data-error-for='inputs.x']:not(:empty)")
    assert said.inner_text() == "“ninety” is not a number."
    assert Job.objects.count() == 0  # refused in the browser, nothing signed

    page.fill(field, "87, 79, 91")
    shoot(page, "jobs-onnx")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.click(f"{form} button")
    page.wait_for_url("**/jobs/*/")
    job = Job.objects.get()
    assert job.model_ref == f"onnx:{cid}"
    assert json.loads(job.data_ref.removeprefix("inline:")) == {"inputs": {"x": [[87, 79, 91]]}}

    bid = ok(step(actions, bob, job.pk, "bids", price=str(4 * DOT), sla_seconds=600), 201)
    ok(step(actions, alice, job.pk, "assign", bid_id=bid["id"]))
    ok(step(actions, bob, job.pk, "start"))
    y = (np.asarray([[87, 79, 91]], dtype=np.float32) @ W + b).tolist()
    content = {"outputs": {"y": y}}
    canonical = canonical_json(content).encode()
    ok(
        step(
            actions,
            bob,
            job.pk,
            "result",
            result_ref="inline:outputs",
            result_hash=hashlib.sha256(canonical).hexdigest(),
            result_content=content,
        )
    )
    page.wait_for_selector(f"#pm-job-state-{job.pk} [data-status=completed]")
    table = page.inner_text("#pm-result [data-pm-output=y] .pm-output-table")
    assert f"{y[0][5]:.6g}" in table and len(table.strip().splitlines()) == 7  # header + 6
    page.wait_for_selector("[data-pm-chart='pm-output-chart-1'][data-pm-chart-ready] canvas")
    accept_is_under_the_result = page.evaluate(
        """() => Boolean(document.querySelector('#pm-result').compareDocumentPosition(
             document.querySelector('form[data-action=accept_result]'))
             & Node.DOCUMENT_POSITION_FOLLOWING)"""
    )
    assert accept_is_under_the_result

    shoot(page, "job-onnx-result")
    assert_fits_a_phone(page)
    assert errors == [], "\n".join(errors)
