"""拼音 keys stored beside names, so `zhangsan` and `zs` find 张三 without work at query time."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=4096)
def pinyin_keys(text: str) -> tuple[str, str]:
    """(full pinyin, initials), lower-case, no separators; non-Chinese characters kept as they are."""
    if not text:
        return "", ""
    syllables = [s.lower() for s in lazy_pinyin(text, style=Style.NORMAL, errors="default") if s.strip()]
    full = "".join(syllables).replace(" ", "")
    initials = "".join(s[0] for s in syllables if s[0].isalnum())
    return full[:600], initials[:200]
