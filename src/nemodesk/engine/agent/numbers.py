"""Numbers as people type them: digits, English words ("three", "one and a half") and Chinese numerals.

The parser rewrites every spelled-out number into digits first (`normalise_numbers`), so each rule
only has to match `\\d+(\\.\\d+)?`. Doing it once, up front, keeps "三秒", "3秒" and "three seconds" on
the same code path instead of three near-copies of every pattern.
"""

from __future__ import annotations

import re

_EN_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_EN_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
EN_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "twentieth": 20,
}  # fmt: skip

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "俩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}

_EN_NUMBER = (
    r"(?:(?:"
    + "|".join(_EN_TENS)
    + r")(?:[\s-](?:"
    + "|".join(k for k in _EN_UNITS if _EN_UNITS[k] < 10)
    + r"))?|"
    + "|".join(sorted(_EN_UNITS, key=len, reverse=True))
    + r")"
)
_EN_RE = re.compile(
    r"\b(?P<n>" + _EN_NUMBER + r")(?P<half>\s+and\s+a\s+half)?\b|\b(?P<a>a|an)\s+(?P<h>half)\b"
    r"|\b(?P<hn>half)\s+an?\s+(?=sec)", re.IGNORECASE)  # fmt: skip
_EN_ORD_RE = re.compile(r"\b(" + "|".join(EN_ORDINALS) + r")\b", re.IGNORECASE)
_CN_RE = re.compile(r"[零〇一二两俩三四五六七八九十百千]+(?:点[零〇一二三四五六七八九]+)?(?P<half>半)?")
_HALF_SECOND_RE = re.compile(r"半\s*(?=秒)")


_ONE_IS_A_PRONOUN_AFTER = {
    "last",
    "this",
    "that",
    "first",
    "next",
    "previous",
    "the",
    "which",
    "each",
    "every",
    "final",
    "other",
    "new",
    "second",
    "third",
    "any",
    "no",
    "middle",
}
# Words where 一 is not a number ("统一3秒" must not become "统13秒"); masked while numerals are converted.
_CN_PROTECTED = {w: w.replace("一", "\ue001") for w in (
    "统一", "一下", "一起", "一些", "一点", "一样", "一致", "一直", "一切", "一共", "一般", "一定", "一边",
    "万一", "唯一", "一会", "每一", "一律", "一键", "一次性",
)}  # fmt: skip


def _en_value(word: str) -> int:
    parts = re.split(r"[\s-]+", word.lower())
    total = 0
    for p in parts:
        total += _EN_TENS.get(p, 0) + _EN_UNITS.get(p, 0)
    return total


def cn_to_int(text: str) -> int | None:
    """Chinese numeral (一, 十五, 二十三, 一百零五, 两) to an int; None when it is not one."""
    if not text:
        return None
    if all(ch in _CN_DIGITS for ch in text) and len(text) > 1:
        # "二零二四": digit by digit, as years are read
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            total += (current or 1) * unit
            current = 0
        else:
            return None
    return total + current


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _cn_sub(m: re.Match[str]) -> str:
    raw = m.group(0)
    half = raw.endswith("半")
    body = raw[:-1] if half else raw
    if "点" in body:
        whole, frac = body.split("点", 1)
        w = cn_to_int(whole) if whole else 0
        digits = "".join(str(_CN_DIGITS[c]) for c in frac)
        if w is None:
            return raw
        return f"{w}.{digits}" + ("半" if half else "")
    if not body:
        return raw
    value = cn_to_int(body)
    if value is None:
        return raw
    # "一秒半" is handled by the caller's pattern; "三个半" → 3.5
    return _fmt(value + 0.5) if half else str(value)


def normalise_numbers(text: str) -> str:
    """Replace spelled numbers with digits: "three seconds" → "3 seconds", "三秒" → "3秒", "两秒半" → "2.5秒"."""

    def en_sub(m: re.Match[str]) -> str:
        n = m.group("n")
        if n and n.lower() == "one" and not m.group("half"):
            before = m.string[: m.start()].split()
            if before and before[-1].lower() in _ONE_IS_A_PRONOUN_AFTER:
                return n  # "the last one", "this one": a pronoun, not a number
        if m.group("h"):
            return "0.5"
        if m.group("hn"):
            return "0.5 "
        value = _en_value(m.group("n"))
        return _fmt(value + 0.5) if m.group("half") else str(value)

    text = _EN_RE.sub(en_sub, text)
    text = re.sub(r"百分之([零〇一二两三四五六七八九十百]+)", lambda m: f"{cn_to_int(m.group(1))}%", text)
    for word, masked in _CN_PROTECTED.items():
        text = text.replace(word, masked)
    text = _CN_RE.sub(_cn_sub, text)
    for word, masked in _CN_PROTECTED.items():
        text = text.replace(masked, word)
    text = re.sub(r"(\d+(?:\.\d+)?)\s*秒半", lambda m: _fmt(float(m.group(1)) + 0.5) + "秒", text)
    text = _HALF_SECOND_RE.sub("0.5", text)
    text = re.sub(r"\b(\d+)\s+and\s+a\s+half\b", lambda m: _fmt(int(m.group(1)) + 0.5), text)
    return text


def ordinal_value(word: str) -> int | None:
    """'third' → 3, '3rd' → 3, '3' → 3."""
    w = word.lower()
    if w in EN_ORDINALS:
        return EN_ORDINALS[w]
    m = re.fullmatch(r"(\d+)(?:st|nd|rd|th)?", w)
    return int(m.group(1)) if m else None
