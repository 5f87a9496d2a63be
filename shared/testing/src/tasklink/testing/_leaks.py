"""The forms a secret takes when it leaks in encoded text."""

from __future__ import annotations

import base64

__all__ = ["base64_fragments", "leak_forms"]


def base64_fragments(secret: str) -> list[str]:
    """What a secret looks like inside base64 text, at each of the three byte alignments.

    Only the characters that depend on the secret's bytes alone are kept, so a secret inside
    an encoded ``user:password`` is found whatever stands around it.
    """
    data = secret.encode()
    fragments = []
    for offset, skip in ((0, 0), (1, 2), (2, 3)):
        encoded = base64.b64encode(b"\0" * offset + data).decode()
        fragment = encoded[skip : ((offset + len(data)) // 3) * 4]
        if len(fragment) >= 8:
            fragments.append(fragment)
    return fragments


def leak_forms(secret: str) -> list[str]:
    """The secret and its base64 fragments: what must never appear in anything recorded."""
    return [secret, *base64_fragments(secret)]
