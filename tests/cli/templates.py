#!/usr/bin/env python3
"""templates.py - the template set: every language npsgate knows
(lang_codes of lib/base/lang.c) has every template the English folder has,
with the same keys and the same {fields}, in UTF-8; and templates/ holds
no folder of a language npsgate does not know.

  texts.ini      the same keys as en/texts.ini, each value non-empty and
                 using exactly the {fields} of the English value; the
                 question texts translated (not the English ones)
  *.txt          a "Subject:" line first (after the # comments), a blank
                 line, and exactly the {fields} of the English file

Run from make check (top_srcdir set) or by hand from the source tree.
"""
import os
import re
import sys

SRC = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
TPL = os.path.join(SRC, "templates")
FIELD = re.compile(r"\{[a-z_]+\}")
fails = []


def fail(msg):
    fails.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


def lang_codes():
    """The languages of lib/base/lang.c, in its order."""
    with open(os.path.join(SRC, "lib", "base", "lang.c"),
              encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"lang_codes\[LANG_COUNT\]\s*=\s*\{([^}]*)\}", text)
    if m is None:
        fail("lib/base/lang.c: no lang_codes table")
        return []
    return re.findall(r'"([a-z]{2,3})"', m.group(1))


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    if b"\0" in data:
        raise ValueError("NUL byte")
    return data.decode("utf-8")


def ini(path):
    """key -> value of a texts.ini, in file order."""
    out = {}
    for no, line in enumerate(read(path).split("\n"), 1):
        s = line.strip()
        if not s or s[0] in "#;":
            continue
        if "=" not in s:
            fail("%s:%d: not \"key = value\"" % (path, no))
            continue
        k, v = s.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def mail(path):
    """(subject, the set of fields outside comments) of a *.txt."""
    lines = [l for l in read(path).split("\n") if not l.startswith("#")]
    if not lines or not lines[0].startswith("Subject: ") or \
            len(lines) < 3 or lines[1] != "" or not lines[0][9:].strip():
        fail("%s: no \"Subject: ...\" line then a blank line" % path)
        return None, set()
    return lines[0][9:], set(FIELD.findall("\n".join(lines)))


def main():
    langs = lang_codes()
    if "en" not in langs or len(langs) < 2:
        fail("lang_codes lists no English or nothing else: %r" % langs)
    on_disk = sorted(d for d in os.listdir(TPL)
                     if os.path.isdir(os.path.join(TPL, d)))
    for d in on_disk:
        if d not in langs:
            fail("templates/%s: not a language of lib/base/lang.c" % d)
    en_dir = os.path.join(TPL, "en")
    names = sorted(os.listdir(en_dir))
    if "texts.ini" not in names:
        fail("templates/en/texts.ini is missing")
    en_ini = ini(os.path.join(en_dir, "texts.ini"))
    en_mail = {n: mail(os.path.join(en_dir, n))
               for n in names if n.endswith(".txt")}
    checked = 0
    for lang in langs:
        d = os.path.join(TPL, lang)
        if not os.path.isdir(d):
            fail("templates/%s: missing" % lang)
            continue
        extra = set(os.listdir(d)) - set(names)
        for n in sorted(extra):
            fail("templates/%s/%s: not in templates/en" % (lang, n))
        for n in names:
            path = os.path.join(d, n)
            where = "templates/%s/%s" % (lang, n)
            if not os.path.isfile(path):
                fail(where + ": missing")
                continue
            try:
                if n == "texts.ini":
                    got = ini(path)
                    for k in en_ini:
                        if k not in got:
                            fail("%s: key %s missing" % (where, k))
                        elif not got[k]:
                            fail("%s: key %s empty" % (where, k))
                        elif set(FIELD.findall(got[k])) != \
                                set(FIELD.findall(en_ini[k])):
                            fail("%s: %s has fields %s, en has %s" % (
                                where, k, sorted(FIELD.findall(got[k])),
                                sorted(FIELD.findall(en_ini[k]))))
                    for k in got:
                        if k not in en_ini:
                            fail("%s: key %s not in en" % (where, k))
                    if lang != "en":
                        for k in ("nps.question", "csat.question",
                                  "ces.question", "mailto.body"):
                            if got.get(k) == en_ini.get(k):
                                fail("%s: %s is the English text" %
                                     (where, k))
                elif n.endswith(".txt"):
                    subject, fields = mail(path)
                    if subject is not None and \
                            fields != en_mail[n][1]:
                        fail("%s: fields %s, en has %s" % (
                            where, sorted(fields), sorted(en_mail[n][1])))
                    if lang != "en" and subject == en_mail[n][0] and \
                            FIELD.search(subject or "") is None:
                        fail("%s: the English subject" % where)
                checked += 1
            except (UnicodeDecodeError, ValueError) as e:
                fail("%s: not UTF-8 text (%s)" % (where, e))
    print("templates: %d languages, %d files checked" % (len(langs),
                                                          checked))
    if fails:
        return 1
    print("PASS: templates")
    return 0


if __name__ == "__main__":
    sys.exit(main())
