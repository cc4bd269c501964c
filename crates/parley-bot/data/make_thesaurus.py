#!/usr/bin/env python3
"""Regenerates thesaurus.txt from the Aiksaurus English thesaurus data.

    apt-get install libaiksaurus-1.2-data    # Debian; GPL-2+, derived from the Moby thesaurus
    python3 make_thesaurus.py /usr/share/aiksaurus/words.dat > thesaurus.txt

words.dat holds, for each word, its NUL-terminated spelling and the 16-bit big-endian ids
of its meanings (groups of near-synonyms), ended by 0xFFFF. We keep single words made of
ASCII letters (multi-word entries such as "call:off" are dropped), lowercased, each with
the ids of its meanings in the thesaurus's order.
"""
import sys

data = open(sys.argv[1], "rb").read()
entries = {}
i = 0
while i < len(data):
    j = data.index(b"\0", i)
    word = data[i:j].decode("latin-1")
    i = j + 1
    meanings = []
    while True:
        v = data[i] << 8 | data[i + 1]
        i += 2
        if v == 0xFFFF:
            break
        meanings.append(v)
    w = word.lower()
    if w.isascii() and w.isalpha() and meanings:
        seen = entries.setdefault(w, [])
        seen.extend(m for m in meanings if m not in seen)
print("# Aiksaurus English thesaurus (GPL-2.0-or-later, from the public-domain Moby thesaurus):")
print("# word, then the ids of its meanings (groups of near-synonyms). See make_thesaurus.py.")
for w in sorted(entries):
    print(w, " ".join(map(str, entries[w])))
