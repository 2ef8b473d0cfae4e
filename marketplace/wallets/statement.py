"""A statement row in words: the ledger records a transfer's `kind` and `reference` as
codes (`escrow_hold`, `job:6`); people read "Budget held in escrow for job #6" with a
link to the job. The words of each kind are its TransferKind label. Reversing URL names
keeps this room free of the apps above it."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from ledger.kinds import TransferKind

# A kind's label (TransferKind) is worded for the wallet that usually sees it; where
# the other side of the transfer is a wallet too, what that side reads.
WORDS_OF_THE_PAYEE = {TransferKind.SUBSCRIPTION: "Data subscription sold"}

# reference prefix → (what it names, URL name of its page, whether the URL takes the id)
SUBJECTS = {
    "job": ("job #{}", "job-page", True),
    "batch": ("batch #{}", "trade-batch", True),
    "intent": ("sealed trade #{}", "trade", False),
    "datanft": ("Data NFT #{}", "data-detail", True),
    "federated": ("federated job #{}", "federated-detail", True),
    "withdrawal": ("withdrawal #{}", "wallet", False),
    "provider": ("your provider account", "provide", False),
    "unbonding": ("your provider account", "provide", False),
}


@dataclass(frozen=True)
class Line:
    words: str
    subject: str = ""
    url: str = ""


def describe(kind: str, reference: str, direction: str) -> Line:
    """`describe("escrow_hold", "job:6", "out")` → "Budget held in escrow", "job #6",
    "/jobs/6/". An unknown kind reads as its words ("some_kind" → "Some kind")."""
    words = WORDS_OF_THE_PAYEE.get(kind) if direction == "in" else None
    if words is None:
        words = TransferKind(kind).label if kind in TransferKind else _as_words(kind)
    prefix, _, rest = reference.partition(":")
    subject = SUBJECTS.get(prefix)
    if subject is None or not rest.isdigit():
        return Line(words)
    label, url_name, takes_id = subject
    try:
        url = reverse(url_name, args=[int(rest)] if takes_id else [])
    except NoReverseMatch:
        url = ""
    return Line(words, label.format(rest), url)


def _as_words(code: str) -> str:
    return code.replace("_", " ").capitalize()
