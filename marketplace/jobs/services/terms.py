"""What a posted job names, checked before any money moves: a job that can never run
is refused at `submit_job` instead of holding its budget until the deadline.

- `inline:<json>` input must be a JSON object (every runner reads one);
- `builtin:<name>` must be a model a built-in runner runs;
- `onnx:sha256:<hex>` must be an ONNX artifact the buyer may read, and its input
  (inline, or `sha256:<hex>` of a JSON artifact the buyer may read) must be
  `{"inputs": {...}}` fitting the model's signature: names, dtypes, shapes."""

import json

from marketplace.agents import onnx_model, runners
from marketplace.agents.onnx_runner import ARTIFACT_REF, INLINE, model_cid
from marketplace.artifacts import selectors as artifact_selectors
from marketplace.artifacts.models import MediaType
from marketplace.core import errors
from marketplace.wallets.models import Wallet

ONNX = "onnx:"
BUILTIN = "builtin:"
INPUTS_SHAPE = 'must be {"inputs": {"<input name>": <nested list>}}'
WHERE_INPUTS = 'must be inline:{"inputs": …} or sha256:<hex> of a JSON artifact you may use'


def check_terms(wallet: Wallet, *, model_ref: str, data_ref: str, data_nft_id: int | None) -> None:
    """InvalidParams with a message per field for every way the job could never run;
    nothing when it can. In the caller's transaction: the artifacts named stay locked
    against deletion until the job that uses them is stored."""
    problems: dict[str, str] = {}
    inline = _inline_document(data_ref, problems)
    if model_ref.startswith(ONNX):
        _check_onnx(wallet, model_ref, data_ref, inline, data_nft_id, problems)
    elif model_ref.startswith(BUILTIN) and runners.get(model_ref) is None:
        known = ", ".join(sorted(runners.RUNNERS))
        problems["model_ref"] = f"no provider runs {model_ref}; the built-in models are {known}"
    if problems:
        listed = "; ".join(f"{field} {text}" for field, text in problems.items())
        raise errors.InvalidParams(f"This job could never run: {listed}."[:1000], problems)


def _inline_document(data_ref: str, problems: dict[str, str]) -> object:
    """The parsed JSON of an `inline:` data_ref (None otherwise, or when it is broken:
    then `problems` says why)."""
    if not data_ref.startswith(INLINE):
        return None
    try:
        document = json.loads(data_ref.removeprefix(INLINE))
    except (ValueError, RecursionError) as exc:
        problems["data_ref"] = f"is not JSON after inline: ({exc})"
        return None
    if not isinstance(document, dict):
        problems["data_ref"] = "must be a JSON object after inline:"
        return None
    return document


def _check_onnx(
    wallet: Wallet,
    model_ref: str,
    data_ref: str,
    inline: object,
    data_nft_id: int | None,
    problems: dict[str, str],
) -> None:
    cid = model_cid(model_ref)
    if cid is None:
        problems["model_ref"] = "must be onnx:sha256:<64 lowercase hex digits>"
        return
    model = artifact_selectors.readable(cid, wallet.public_key, lock=True)
    if model is None:
        # A private model of someone else's is not told apart from a missing one.
        problems["model_ref"] = f"names no model you may use ({cid}): upload it first"
        return
    if model.media_type != MediaType.ONNX or not model.signature:
        problems["model_ref"] = f"{cid} is not an ONNX model"
        return
    if data_nft_id is not None:
        problems["data_nft_id"] = "an ONNX job takes its inputs from data_ref, not a Data NFT"
    document = inline if data_ref.startswith(INLINE) else _artifact_document(wallet, data_ref)
    if document is None:
        problems.setdefault(
            "data_ref",
            'must be inline:{"inputs": …} or sha256:<hex> of a JSON artifact you may use',
        )
        return
    inputs = document.get("inputs") if isinstance(document, dict) else None
    if not isinstance(inputs, dict):
        problems["data_ref"] = INPUTS_SHAPE
        return
    problems.update(onnx_model.check_inputs(model.signature, inputs))


def _artifact_document(wallet: Wallet, data_ref: str) -> object:
    """The document of the JSON artifact `data_ref` names, if the buyer may read it."""
    if not ARTIFACT_REF.fullmatch(data_ref):
        return None
    found = artifact_selectors.readable(data_ref, wallet.public_key, lock=True)
    if found is None or found.media_type != MediaType.JSON:
        return None
    return artifact_selectors.json_content(found)
