"""Personal names: Chinese names read family name first, without a space."""

import re

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def person_name(given: str, family: str) -> str:
    """The display name: 王芳 for (芳, 王); 'Ada Lovelace' for (Ada, Lovelace)."""
    given, family = (given or "").strip(), (family or "").strip()
    if _CJK.search(given + family):
        return f"{family}{given}"
    return " ".join(part for part in (given, family) if part)
