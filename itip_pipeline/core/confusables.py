"""Characters that look like Latin letters or digits, from Unicode's confusables (TR39), for folding names.

What belongs here is data only: the table `core/personal_values.py` folds with, so that a column name or a
value written with look-alike characters (a Cyrillic `е` in `fritеkst`, a Greek omicron, a Cherokee `Ꭺ`) is
compared as the Latin text a reader sees. Source: Unicode Technical Standard #39, Security Mechanisms,
confusables.txt (https://www.unicode.org/Public/security/latest/confusables.txt), as shipped in the PyPI
package confusable-homoglyphs 3.3.1 (confusables.json). Kept: every single non-ASCII character whose
prototype there is one to three ASCII letters or digits, except those that NFKC normalisation already maps
to that prototype (full-width and mathematical letters), which the folding applies first. Prototypes are
lower-cased; `rn` stands for `m` as in the source. Regenerate it from a newer confusables.txt the same way.
"""

from __future__ import annotations

# Prototype (lower case) -> the characters whose skeleton it is.
LOOKALIKES: dict[str, str] = {
    "2": "ƧϨᒿꙄꛯꝚ",
    "3": "ƷȜЗӠⳌꝪꞫ𑣊𖼻𝈆",
    "4": "Ꮞ𑢯",
    "5": "Ƽ𑢻",
    "6": "бᏮⳒ𑣕",
    "7": "𐓒𑣆𝈒",
    "8": "Ȣȣ৪੪ଃ𐌚",
    "9": "৭੧୨൭ⳊꝮ𑢬𑣌𑣖",
    "a": "ɑΑαАаᎪᗅ⍺ꓮ𐊠𖽀𝚨𝛂𝛢𝛼𝜜𝜶𝝖𝝰𝞐𝞪",
    "aa": "Ꜳꜳ",
    "ae": "ÆæӔӕ",
    "ao": "Ꜵꜵ",
    "ar": "🜇",
    "au": "Ꜷꜷ",
    "av": "ꜸꜹꜺꜻ",
    "ay": "Ꜽꜽ",
    "b": "ƄΒВЬᏏᏴᑲᖯᗷꓐꞴ𐊂𐊡𐌁𝚩𝛣𝜝𝝗𝞑",
    "bl": "Ы",
    "c": "ϲϹСсᏟᴄⲤⲥꓚꮯ𐊢𐌂𐐕𐐽𐔜𑣩𑣲🝌",
    "d": "ԁᎠᏧᑯᗞᗪꓒꓓ",
    "dz": "ʣ",
    "e": "ΕЕеҽᎬ℮⋿ⴹꓰꬲ𐊆𑢦𑢮𝚬𝛦𝜠𝝚𝞔",
    "f": "ſϜքᖴẝꓝꞘꞙꬵ𐊇𐊥𐔥𑢢𑣂𝈓𝟊",
    "g": "ƍɡԌցᏀᏳᶃꓖ",
    "h": "ΗНһհᎻᏂᕼⲎꓧ𐋏𝚮𝛨𝜢𝝜𝞖",
    "i": "ıɩɪ˛ͺιіӏᎥι⍳ꙇꭵ𑣃𝚤𝛊𝜄𝜾𝝸𝞲",
    "j": "ͿϳЈјᎫᒍꓙꞲ",
    "k": "ΚКᏦᛕⲔꓗ𐔘𝚱𝛫𝜥𝝟𝞙",
    "l": "ƖǀΙІӀ۱ᏞᒪᛁℐℑⅠ∣⏽ⲒⳐⵏꓡꓲＩ￨𐊊𐌉𐌠𐐛𐔦𑢣𑢲𖼖𖼨𝈪𝐈𝐼𝑰𝓘𝕀𝕴𝖨𝗜𝘐𝙄𝙸𝚰𝛪𝜤𝝞𝞘𝟏𝟙𝟣𝟭𝟷🯱",
    "lj": "Ĳ",
    "ll": "ǁ‖Ⅱ∥",
    "lll": "Ⅲ",
    "lo": "Ю",
    "ls": "ʪ",
    "lt": "₶",
    "lv": "Ⅳ",
    "lx": "Ⅸ",
    "lz": "ʫ",
    "m": "ΜϺМᎷᗰᛖⲘꓟ𐊰𐌑𝚳𝛭𝜧𝝡𝞛",
    "mb": "🝫",
    "n": "ΝոռⲚꓠ𐔓𝚴𝛮𝜨𝝢𝞜",
    "o": "ΟοσОоՕօ۵०০੦૦ଠ୦௦ం౦ಂ೦ംഠ൦ං๐໐ဝ၀ჿዐᴏᴑⲞⲟⵔ〇ꓳꬽ𐊒𐊫𐐄𐐬𐓂𐓪𐔖𑓐𑢵𑣈𑣗𑣠𝚶𝛐𝛔𝛰𝜊𝜎𝜪𝝄𝝈𝝤𝝾𝞂𝞞𝞸𝞼𝟎𝟘𝟢𝟬𝟶🯰",
    "oe": "Œœ",
    "oo": "∞ꚘꚙꝎꝏ",
    "p": "ΡρϱРрᏢᑭ⍴Ⲣⲣꓑ𐊕𝚸𝛒𝛠𝛲𝜌𝜚𝜬𝝆𝝔𝝦𝞀𝞎𝞠𝞺𝟈",
    "q": "ԛգզⵕ",
    "qe": "🜀",
    "r": "ƦгᎡᏒᖇᴦⲅꓣꭇꭈꮁ𐒴𖼵𝈖",
    "rn": "ⅿ𑜀𑣣𝐦𝑚𝒎𝓂𝓶𝔪𝕞𝖒𝗆𝗺𝘮𝙢𝚖",
    "s": "ƽЅѕՏᏕᏚꓢꜱꮪ𐊖𐐠𐑈𑣁𖼺",
    "sss": "🝜",
    "t": "ΤТᎢ⊤⟙Ⲧꓔ𐊗𐊱𐌕𑢼𖼊𝚻𝛵𝜯𝝩𝞣🝨",
    "t3": "Ꜩ",
    "tf": "ꝷ",
    "ts": "ʦ",
    "u": "ʋυՍսሀᑌᴜ∪⋃ꓴꞟꭎꭒ𐓎𐓶𑢸𑣘𖽂𝛖𝜐𝝊𝞄𝞾",
    "ue": "ᵫ",
    "uo": "ꭣ",
    "v": "νѴѵ۷Ꮩᐯᴠ∨⋁ⴸꓦꛟꮩ𐔝𑜆𑢠𑣀𖼈𝈍𝛎𝜈𝝂𝝼𝞶",
    "vb": "🝬",
    "vl": "Ⅵ",
    "vll": "Ⅶ",
    "w": "ɯѡԜԝաᎳᏔᴡꓪꮃ𑜊𑜎𑜏𑣦𑣯",
    "x": "×ΧХхᕁᕽ᙭᙮ᚷ╳⤫⤬⨯ⲬⵝꓫꞳ𐊐𐊴𐌗𐌢𐔧𑣬𝚾𝛸𝜲𝝬𝞦",
    "xl": "Ⅺ",
    "xll": "Ⅻ",
    "y": "ɣʏΥγϒУуҮүყᎩᎽᶌỿℽⲨꓬꭚ𐊲𑢤𑣜𖽃𝚼𝛄𝛶𝛾𝜰𝜸𝝪𝝲𝞤𝞬",
    "z": "ΖᏃᴢꓜꮓ𐋵𑢩𑣄𑣥𝚭𝛧𝜡𝝛𝞕",
}

# Character -> its Latin prototype, the table above turned around.
TO_LATIN: dict[str, str] = {char: latin for latin, chars in LOOKALIKES.items() for char in chars}
