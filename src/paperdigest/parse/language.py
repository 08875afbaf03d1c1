"""The language a digest is written in, for its page's `lang`: what its front matter says
(`lang:` or `language:`), else what its text shows.

Digests are mostly Chinese with English paper titles, names and terms, so the text is judged by
its share of CJK characters among letters, leaving out code, URLs and formulas: under 5% (and a
title without any) is English; over 15% is Chinese, Japanese (kana) or Korean (hangul); in
between, nothing is said and the page has the site's language. A text whose letters are mostly
Arabic or Hebrew (right-to-left scripts, which pages lay out in their direction) is Arabic or
Hebrew, whatever English titles it cites; a text with many of them is not English.
"""

from __future__ import annotations

import re

LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")  # BCP 47, loosely
NOT_PROSE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`|https?://\S+|\$\$.*?\$\$|\$[^$\n]*\$", re.DOTALL)
# Runs of each script: counted run by run, a digest's thousands of letters are a few hundred matches.
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
KANA = re.compile(r"[\u3040-\u30ff]+")
HANGUL = re.compile(r"[\uac00-\ud7af]+")
LATIN = re.compile(r"[A-Za-z]+")
ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]+")
HEBREW = re.compile(r"[\u0590-\u05ff\ufb1d-\ufb4f]+")
NOT_ENGLISH = (HAN, KANA, HANGUL, ARABIC, HEBREW)  # a title in any of them is not an English page's
ENGLISH_AT_MOST = 0.05
CJK_AT_LEAST = 0.15


def detect_language(title: str, body: str) -> str:
    """'en', 'zh', 'ja', 'ko', 'ar', 'he', or '' when the text does not say clearly."""
    text = NOT_PROSE.sub(" ", body)
    han, kana, hangul = letters(HAN, text), letters(KANA, text), letters(HANGUL, text)
    arabic, hebrew = letters(ARABIC, text), letters(HEBREW, text)
    cjk, rtl, latin = han + kana + hangul, arabic + hebrew, letters(LATIN, text)
    total = cjk + rtl + latin
    if total == 0:
        return ""
    if rtl > total / 2:
        return "he" if hebrew > arabic else "ar"
    if (cjk + rtl) / total <= ENGLISH_AT_MOST and not any(s.search(title) for s in NOT_ENGLISH):
        return "en"
    if cjk / total >= CJK_AT_LEAST:
        return "ja" if kana > han / 10 else "ko" if hangul > han else "zh"
    return ""


def letters(script: re.Pattern[str], text: str) -> int:
    return sum(map(len, script.findall(text)))
