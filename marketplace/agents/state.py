"""An agent's small durable state: a per-install salt for its nonces, and the journal
of signed payloads it is about to send (so a restart re-sends the same ones)."""

import json
import os
import secrets
from collections.abc import Iterator, MutableMapping
from pathlib import Path


class AgentState(MutableMapping[str, str]):
    """The journal (nonce → payload) as a mapping; every write is saved atomically
    (temporary file + rename) before the caller goes on to send the payload."""

    def __init__(self, path: Path):
        self.path = path
        data = json.loads(path.read_text()) if path.exists() else {}
        self.salt: str = data.get("salt") or secrets.token_hex(8)
        self._journal: dict[str, str] = data.get("journal", {})
        self._save()

    def nonce(self, step: str, subject: int | str) -> str:
        """A deterministic nonce for one step of one subject (`start-42-<salt>`): the
        same step always signs with the same nonce, so the server runs it once."""
        return f"{step}-{subject}-{self.salt}"

    def forget(self, subject: int | str) -> None:
        """Drop the journal entries of a finished subject."""
        marker = f"-{subject}-{self.salt}"
        for nonce in [n for n in self._journal if n.endswith(marker)]:
            del self._journal[nonce]
        self._save()

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"salt": self.salt, "journal": self._journal}))
        os.replace(temporary, self.path)

    def __getitem__(self, nonce: str) -> str:
        return self._journal[nonce]

    def __setitem__(self, nonce: str, payload: str) -> None:
        self._journal[nonce] = payload
        self._save()

    def __delitem__(self, nonce: str) -> None:
        del self._journal[nonce]
        self._save()

    def __iter__(self) -> Iterator[str]:
        return iter(self._journal)

    def __len__(self) -> int:
        return len(self._journal)
