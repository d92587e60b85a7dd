"""Write qa/data/radicals.tsv: radical code points -> the ideograph they stand for.

    .venv/bin/pip install fonttools && .venv/bin/python eval/_source/radicals.py [FONT.ttc ...]

Why from fonts: a PDF's text layer says U+2EA0 (⺠) instead of U+6C11 (民) when the font that printed it draws
both with one glyph and the PDF's ToUnicode map picked the radical (Chromium does this with Noto CJK). So the
radicals that occur are exactly those sharing a glyph with an ideograph, and the font says which one. The
fonts read are Debian's fonts-noto-cjk (Noto Sans / Serif CJK SC, every weight; the Simplified Chinese faces,
whose glyphs a mainland document is printed with). Per radical, the ideograph most fonts share its glyph
with wins; a compatibility ideograph (U+F900–U+FAFF) is written as its NFKC form. The Kangxi Radicals block
has an NFKC mapping for each character, but not always the simplified ideograph a mainland font draws the
radical as: ⼾ (U+2F3E) is NFKC 戶 (U+6236), the SC fonts draw it as 户 (U+6237), and 个体工商⼾条例 is
个体工商户条例. So a Kangxi radical is listed where its SC glyph differs from NFKC (qa/normalise.py applies
NFKC to the rest).

Unicode's EquivalentUnifiedIdeograph.txt is the authority where we have its entries (CHECKS); the header of
the file lists where the fonts differ from it.
"""
from __future__ import annotations

import sys
import unicodedata
from collections import Counter
from pathlib import Path

from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parents[2]
FONTS = sorted(Path("/usr/share/fonts/opentype/noto").glob("Noto*CJK-*.ttc"))
SUPPLEMENT = range(0x2E80, 0x2EF4)
KANGXI = range(0x2F00, 0x2FD6)
# Equivalent_Unified_Ideograph values quoted from Unicode's data file (L2/17-142 and the UCD)
CHECKS = {0x2E82: 0x4E5B, 0x2E83: 0x4E5A, 0x2E84: 0x4E59, 0x2E85: 0x4EBB, 0x2E86: 0x5182, 0x2E87: 0x20628,
          0x2E88: 0x5200, 0x2E89: 0x5202, 0x2E8A: 0x535C, 0x2E8B: 0x353E, 0x2E8C: 0x5C0F, 0x2E8D: 0x5C0F,
          0x2E8E: 0x5140, 0x2E8F: 0x5C23, 0x2E90: 0x5C22, 0x2E91: 0x21BC2, 0x2ECC: 0x8FB6, 0x2ED4: 0x95E8}


def ideograph(cp: int) -> bool:
    return 0x3400 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x3FFFF


def votes(fonts: list[Path]) -> dict[int, Counter]:
    found: dict[int, Counter] = {}
    for path in fonts:
        for font in TTCollection(str(path)).fonts:
            if not font["name"].getDebugName(1).endswith(" SC"):
                continue
            cmap = font.getBestCmap()
            by_glyph: dict[str, list[int]] = {}
            for cp, glyph in cmap.items():
                by_glyph.setdefault(glyph, []).append(cp)
            for cp in (*SUPPLEMENT, *KANGXI):
                if cp in cmap:
                    for other in by_glyph[cmap[cp]]:
                        if other != cp and ideograph(other):
                            target = ord(unicodedata.normalize("NFKC", chr(other))[0])
                            found.setdefault(cp, Counter())[target] += 1
    return found


def main(fonts: list[Path]) -> None:
    table = {cp: counter.most_common(1)[0][0] for cp, counter in votes(fonts).items()}
    differ = {f"{cp:04X}": f"font {table[cp]:04X}, Unicode {v:04X}" for cp, v in CHECKS.items()
              if cp in table and table[cp] != v}
    table = dict(sorted({**table, **CHECKS}.items()))  # Unicode's value wherever we have it
    table = {cp: v for cp, v in table.items()  # a Kangxi radical only where NFKC says otherwise
             if cp not in KANGXI or unicodedata.normalize("NFKC", chr(cp)) != chr(v)}
    lines = ["# Radical code point -> equivalent unified ideograph (hex, tab-separated): the CJK Radicals",
             "# Supplement, and the Kangxi Radicals whose simplified glyph is not their NFKC form (⼾ 户, not 戶).",
             "# Made by eval/_source/radicals.py: the entries of Unicode's EquivalentUnifiedIdeograph.txt quoted",
             f"# there ({len(CHECKS)}), and for the other radicals the ideograph Noto Sans/Serif CJK SC (Debian",
             "# fonts-noto-cjk) draws with the same glyph. Radicals no font draws like an ideograph are absent:",
             "# they do not occur in printed text. Where the fonts and Unicode differ, Unicode's value is kept:",
             f"# {differ or 'none'}.",
             *(f"{cp:04X}\t{v:04X}\t{chr(cp)} {chr(v)}" for cp, v in table.items())]
    out = ROOT / "qa" / "data" / "radicals.tsv"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(table)} radicals -> {out}")


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:]] or FONTS)
