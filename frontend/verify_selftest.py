"""Check frontend/selftest.mjs's output with the server's own libraries.

Run from the repository root (needs node and the project's venv):

    .venv/bin/python frontend/verify_selftest.py

It makes an X25519 key, runs `node frontend/selftest.mjs --seal-to <key>`, then checks:
1. every signature verifies with substrate-interface (sr25519) over
   b"<Bytes>" + payload + b"</Bytes>", the way the server verifies;
   (and the same signature over a tampered payload does not);
2. every canonical string equals json.dumps(json.loads(text), sort_keys=True,
   separators=(",", ":")), and every signed payload re-serialises to itself;
3. the sealed box opens with PyNaCl's SealedBox(PrivateKey).decrypt.
Prints one line per check and "N passed, N failed"; exits 1 on any failure.
"""

import base64
import json
import subprocess
import sys
from pathlib import Path

from nacl.public import PrivateKey, SealedBox
from substrateinterface import Keypair, KeypairType

ROOT = Path(__file__).resolve().parent.parent


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def main() -> int:
    secret = PrivateKey.generate()
    result = subprocess.run(
        ["node", "frontend/selftest.mjs", "--seal-to", bytes(secret.public_key).hex()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(result.stdout)
    checks: list[tuple[str, bool]] = []

    for item in report["signatures"]:
        payload = item["payload"].encode()
        signature = bytes.fromhex(item["signature"][2:])
        keypair = Keypair(ss58_address=item["address"], crypto_type=KeypairType.SR25519)
        try:
            valid = keypair.verify(b"<Bytes>" + payload + b"</Bytes>", signature)
        except Exception:  # verify raises on malformed input instead of returning False
            valid = False
        checks.append((f"sr25519 signature via {item['via']} ({item['address']})", valid))
        try:  # negative control: one changed byte must not verify
            tampered = payload.replace(b'"nonce":"', b'"nonce":"x', 1)
            forged = keypair.verify(b"<Bytes>" + tampered + b"</Bytes>", signature)
        except Exception:
            forged = False
        checks.append((f"tampered payload via {item['via']} is rejected", not forged))
        same = canonical(json.loads(payload)) == item["payload"]
        checks.append((f"payload via {item['via']} is canonical", same))

    for n, case in enumerate(report["canonical"], 1):
        same = canonical(json.loads(case["json"])) == case["canonical"]
        checks.append((f"canonical JSON case {n}", same))

    sealed = report["sealed"]
    try:
        opened = SealedBox(secret).decrypt(base64.b64decode(sealed["box"]))
        checks.append(("sealed box opens with PyNaCl", opened.decode() == sealed["plaintext"]))
    except Exception as exc:
        checks.append((f"sealed box opens with PyNaCl ({exc})", False))

    for name, ok in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    failed = sum(1 for _, ok in checks if not ok)
    print(f"{len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
