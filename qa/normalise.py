"""Characters as the documents mean them: radical and compatibility code points written as the ideographs.

PDFs printed from web pages by Chromium, and some converters, map many characters of their CJK fonts to the
Kangxi Radicals block (U+2F00–U+2FD5: 第⼀条, ⼈⺠政府) or the CJK Radicals Supplement (U+2E80–U+2EF3: 部⻔, ⻓期),
because the font draws the radical and the ideograph with one glyph. The text looks right and matches
nothing: the statute parser does not see 第⼀条 as an article, search does not find 人民 in ⼈⺠.

`normalise` maps them back, before structure, for every document and every question:
- Kangxi Radicals and CJK Compatibility Ideographs (U+F900–U+FAFF) by their NFKC decomposition (each has
  exactly one), and nothing else by NFKC: full NFKC would also turn （一） into (一) and ２０２５ into 2025,
  which the structure rules and the documents' own words keep;
- the CJK Radicals Supplement, and the Kangxi radicals whose NFKC form is not the simplified ideograph a
  mainland font draws them as (⼾: NFKC 戶, printed for 户), by qa/data/radicals.tsv (Unicode's
  Equivalent_Unified_Ideograph and the glyphs the Noto CJK SC fonts share; eval/_source/radicals.py made it,
  its header says how).
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

KANGXI = range(0x2F00, 0x2FD6)
COMPATIBILITY = range(0xF900, 0xFB00)
SUPPLEMENT = range(0x2E80, 0x2EF4)


@lru_cache(maxsize=1)
def table() -> dict[int, str]:
    """code point -> the ideograph it stands for."""
    mapping = {cp: unicodedata.normalize("NFKC", chr(cp)) for block in (KANGXI, COMPATIBILITY) for cp in block
               if unicodedata.category(chr(cp)) != "Cn"}
    text = resources.files("qa").joinpath("data", "radicals.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            radical, ideograph = line.split("\t")[:2]
            mapping[int(radical, 16)] = chr(int(ideograph, 16))
    return {cp: ch for cp, ch in mapping.items() if ch != chr(cp)}


def normalise(text: str) -> str:
    """`text` with radical and compatibility code points written as ideographs; anything else unchanged."""
    return text.translate(table()) if any(_mapped(ch) for ch in text) else text


def _mapped(ch: str) -> bool:
    cp = ord(ch)
    return 0x2E80 <= cp <= 0x2FD5 or 0xF900 <= cp <= 0xFAFF


def remaining(text: str) -> set[str]:
    """Radical code points `normalise` leaves (no ideograph is equivalent): for checks and tests."""
    return {ch for ch in text if 0x2E80 <= ord(ch) <= 0x2FDF}
