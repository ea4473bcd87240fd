"""Pinyin search keys for names: 张三 → ("zhangsan", "zs")."""

from pypinyin import Style, lazy_pinyin

# Surnames read differently from the character's common reading (单 is shàn, not dān).
SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "朴": "piao", "区": "ou",
    "查": "zha", "盖": "ge", "乐": "yue", "覃": "qin", "尉": "yu", "缪": "miao", "翟": "zhai",
    "秘": "bi", "繁": "po", "员": "yun", "种": "chong", "冼": "xian", "折": "she", "召": "shao",
}  # fmt: skip


def pinyin_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials, lowercase, without spaces; non-Chinese characters kept."""
    name = name.strip()
    syllables = [s.lower() for s in lazy_pinyin(name, style=Style.NORMAL) if s.strip()]
    if name and name[0] in SURNAME_READINGS and syllables:
        syllables[0] = SURNAME_READINGS[name[0]]
    full = "".join(syllables).replace(" ", "")
    initials = "".join(s[0] for s in syllables if s)
    return full[:200], initials[:50]
