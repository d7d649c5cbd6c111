#!/usr/bin/env python3
"""rewrite-corpus.py - checks the rewrite corpus with an independent parser.

For every mail of tests/corpus/rewrite/expect.txt, with and without a
survey, runs tests/tools/rewrite_tool (rewrite_message on the file) and checks
with Python's email package that:
  - the status (rewritten, unchanged, malformed) and tag count are right,
    and an unchanged mail is byte-identical;
  - the output parses as MIME without defects, with the same tree;
  - no line exceeds 998 bytes, no quoted-printable or base64 line 76;
  - decoding the output and putting the tag back in place of each widget
    gives the decoded input (so nothing else changed), and without a
    survey the output is the input minus its tags;
  - no tag is left but the deliberate ones (attachments, attached mails,
    signed content).
Needs only the standard library. Exit 0 pass, 1 fail, 77 skip.
"""
import email
import email.policy
import os
import subprocess
import sys

TAG = "[InsertSatisfactionEvaluation]"
here = os.path.dirname(os.path.abspath(__file__))
top_srcdir = os.environ.get("top_srcdir",
                            os.path.dirname(os.path.dirname(here)))
top_builddir = os.environ.get("top_builddir", top_srcdir)
corpus = os.path.join(top_srcdir, "tests", "corpus", "rewrite")
tool = os.path.join(top_builddir, "tests", "tools", "rewrite_tool")
env = dict(os.environ, NPSGATE_TEMPLATES_DIR=os.path.join(top_srcdir,
                                                          "templates"))
failures = []
widgets = {}


def fail(name, why):
    failures.append(f"{name}: {why}")


def run(args):
    p = subprocess.run([tool] + args, capture_output=True, env=env,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def widget(opts, kind):
    key = (tuple(opts), kind)
    if key not in widgets:
        rc, out, err = run(opts + ["--print-widget", kind])
        if rc != 0:
            raise SystemExit(f"rewrite_tool --print-widget {kind}: {err}")
        widgets[key] = out.decode("utf-8")
    return widgets[key]


def html_ascii(s):
    return "".join(c if ord(c) < 128 else f"&#{ord(c)};" for c in s)


# Labels Python's codecs lack, and the encodings the WHATWG Encoding
# Standard gives them: the independent reading of the aliased corpus mails.
CHARSETS = {
    "x-sjis": "cp932", "shift_jis": "cp932", "x-gbk": "gbk",
    "x-euc-jp": "euc_jp", "iso-8859-8-i": "iso-8859-8",
    "x-mac-cyrillic": "mac_cyrillic", "x-big5": "big5hkscs",
    "x-mac-roman": "mac_roman", "x-windows-949": "cp949",
    "ks_c_5601-1987": "cp949", "unicode-1-1-utf-8": "utf-8",
}
LATIN_FOLD = ("A A A A A A AE C E E E E I I I I D N O O O O O x O U U U U Y "
              "TH ss a a a a a a ae c e e e e i i i i d n o o o o o / o u u "
              "u u y th y").split()


def ascii_fold(s):
    """The widget as a part that keeps a charset without it gets it."""
    out = []
    for c in s:
        o = ord(c)
        if o < 0x80:
            out.append(c)
        elif 0xc0 <= o <= 0xff:
            out.append(LATIN_FOLD[o - 0xc0])
        elif o == 0xa0:
            out.append(" ")
        elif o in (0x152, 0x153):
            out.append("OE" if o == 0x152 else "oe")
        elif o in (0xab, 0xbb, 0x201c, 0x201d):
            out.append('"')
        elif o in (0x2018, 0x2019):
            out.append("'")
        elif o in (0x2013, 0x2014):
            out.append("-")
        elif o == 0x2026:
            out.append("...")
        else:
            out.append("?")
    return "".join(out)


def leaves(msg):
    return [p for p in msg.walk() if not p.is_multipart()]


def decoded(part):
    cte = (part.get("Content-Transfer-Encoding") or "7bit").strip().lower()
    if cte not in ("7bit", "8bit", "binary", "quoted-printable", "base64"):
        raw = part.get_payload(decode=False)
        return raw if isinstance(raw, str) else ""
    data = part.get_payload(decode=True)
    if data is None:
        return ""
    cs = part.get_content_charset() or "us-ascii"
    cs = CHARSETS.get(cs, cs)
    try:
        return data.decode(cs, "surrogateescape")
    except LookupError:
        return data.decode("latin-1")


def eol_of(*texts):
    """The line end of the first text that has one."""
    for s in texts:
        i = s.find("\n")
        if i >= 0:
            return "\r\n" if i > 0 and s[i - 1] == "\r" else "\n"
    return "\r\n"


def drop_tags_text(s):
    out = []
    for line in s.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if TAG in body and body.replace(TAG, "").strip(" \t") == "":
            continue
        out.append(line.replace(TAG, ""))
    return "".join(out)


def raw_lines(b):
    return b.replace(b"\r\n", b"\n").split(b"\n")


def check_mail(name, tags, keep, status, opts, survey):
    path = os.path.join(corpus, name)
    with open(path, "rb") as f:
        data = f.read()
    args = opts + ([] if survey else ["--no-token"]) + [path]
    rc, out, err = run(args)
    label = f"{name} ({'survey' if survey else 'no survey'})"
    if rc != 0:
        return fail(label, f"rewrite_tool exit {rc}: {err.strip()}")
    st = dict(kv.split("=", 1) for kv in err.strip().split(" ", 3))
    if int(st["tags"]) != tags:
        fail(label, f"{st['tags']} tags replaced, expected {tags}")
    if status != "ok":
        if out != data:
            fail(label, "an unchanged mail is not byte-identical")
        if (st["malformed"] == "1") != (status == "malformed"):
            fail(label, f"malformed={st['malformed']}, expected {status}")
        if status == "malformed" and len(st.get("reason", "")) < 10:
            fail(label, "malformed without a reason")
        return
    if st["changed"] != "1":
        return fail(label, "not changed")
    for i, line in enumerate(raw_lines(out)):
        if len(line) > 998:
            fail(label, f"output line {i + 1} is {len(line)} bytes long")
    pol = email.policy.compat32
    min_ = email.message_from_bytes(data, policy=pol)
    mout = email.message_from_bytes(out, policy=pol)
    lin, lout = leaves(min_), leaves(mout)
    if len(lin) != len(lout):
        return fail(label, f"{len(lout)} parts out, {len(lin)} in")
    for p in mout.walk():
        if p.defects:
            fail(label, f"MIME defects in output: {p.defects}")
    left = 0
    for i, (a, b) in enumerate(zip(lin, lout)):
        da, db = decoded(a), decoded(b)
        left += db.count(TAG)
        if TAG not in da or db.count(TAG) == da.count(TAG):
            if a.get_payload(decode=False) != b.get_payload(decode=False) \
                    or a.items() != b.items():
                fail(label, f"part {i} ({a.get_content_type()}) changed")
            continue
        cte = (b.get("Content-Transfer-Encoding") or "").strip().lower()
        if cte in ("quoted-printable", "base64"):
            for line in raw_lines(b.get_payload(decode=False).encode(
                    "ascii", "surrogateescape")):
                if len(line) > 76:
                    fail(label, f"part {i}: {cte} line of {len(line)}")
                    break
        html = a.get_content_subtype() == "html"
        if survey:
            w = widget(opts, "html" if html else "text")
            w = w.replace("\n", eol_of(da, b.get_payload(decode=False),
                                        out.decode("latin-1")))
            back = db.replace(w, TAG)
            if html:
                back = back.replace(html_ascii(w), TAG)
            else:
                back = back.replace(ascii_fold(w), TAG)
            if back != da:
                fail(label, f"part {i}: output minus widget is not the "
                            f"input")
        else:
            want = drop_tags_text(da) if not html else da.replace(TAG, "")
            if db != want:
                fail(label, f"part {i}: output is not the input minus "
                            f"its tags")
    if left != keep:
        fail(label, f"{left} tags left, expected {keep}")


def main():
    if not os.access(tool, os.X_OK):
        print(f"SKIP: {tool} not built")
        return 77
    n = {"ok": 0, "notag": 0, "malformed": 0}
    with open(os.path.join(corpus, "expect.txt")) as f:
        entries = [l.split() for l in f if l.strip() and l[0] != "#"]
    for e in entries:
        name, tags, keep, status, opts = e[0], int(e[1]), int(e[2]), e[3], e[4:]
        n[status] += 1
        for survey in (True, False):
            check_mail(name, tags, keep, status, opts, survey)
    print(f"corpus: {len(entries)} mails: {n['ok']} survey mails rewritten, "
          f"{n['notag']} unchanged (no tag to replace), {n['malformed']} "
          f"malformed; each with and without a survey")
    for f in failures:
        print("FAIL:", f)
    if n["ok"] < 30:
        print("FAIL: fewer than 30 survey mails in the corpus")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
