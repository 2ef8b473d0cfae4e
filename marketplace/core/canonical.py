"""The canonical JSON of API.md (sorted keys, no spaces): what a signed payload spells
and what result hashes are taken over. One spelling for the server and the agents."""

import json


def canonical_json(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))
