import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_a_visitor_without_a_wallet_reads_the_site_and_is_told_how_to_sign_in(open_as):
    page = open_as("Alice", "/")
    assert "decentralized marketplace for AI compute" in page.content()
    assert page.is_visible("[data-pm-connect]")
    assert "polkadot{.js}" in page.inner_text("main")


def test_signing_in_shows_the_address_and_faucet_funds_arrive_live(open_as):
    page = open_as("Alice", "/wallet/")
    sign_in(page)
    assert "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY" in page.inner_text("main")
    page.select_option("form[data-action=faucet] select[name=asset]", "DOT")
    page.fill("form[data-action=faucet] input[name=amount]", "1000")
    page.click("form[data-action=faucet] button")
    page.wait_for_selector("#pm-toasts >> text=Got 1,000 test DOT")
    # No reload: the balance arrives over /ws/live/ after the faucet commits.
    page.wait_for_selector("#pm-header-balances >> text=1,000 DOT")
    page.wait_for_selector("#pm-balances tr[data-asset=DOT] >> text=1,000 DOT")
    page.wait_for_selector("#pm-statement >> text=+1,000 DOT")


def test_a_wrong_amount_shows_its_error_next_to_the_field(open_as):
    page = open_as("Bob", "/wallet/")
    sign_in(page)
    page.fill("form[data-action=faucet] input[name=amount]", "100000000")
    page.click("form[data-action=faucet] button")
    error = page.wait_for_selector("form[data-action=faucet] [data-error-for=amount]:not(:empty)")
    assert "at most 1000 DOT per request" in error.inner_text()
    form = "form[data-action=faucet]"
    page.fill(f"{form} input[name=amount]", "10")  # the next try: the old error goes
    page.wait_for_selector(f"{form} [data-error-for=amount]:empty", state="attached")
    assert page.get_attribute(f"{form} input[name=amount]", "aria-invalid") is None


def test_the_account_switcher_shows_the_account_signed_in_as(open_as, alice, bob):
    """The wallet remembers Alice and offers her first, but this page is signed in as
    Bob: the switcher shows Bob selected, and nobody is signed in as someone else."""
    page = open_as("Bob", "/wallet/")
    sign_in(page)
    page.evaluate(f"localStorage.setItem('polkamesh.account', {alice.address!r})")
    page.context.add_init_script(script="window.__pmFakeWalletAccount = 'Alice';")
    page.reload()
    switcher = page.wait_for_selector("select#pm-account[data-pm-switch]:enabled", state="attached")
    assert switcher.evaluate("s => s.value") == bob.address
    assert "Bob" in switcher.evaluate("s => s.selectedOptions[0].textContent")
    assert bob.address in page.inner_text("main")  # still Bob's wallet page
