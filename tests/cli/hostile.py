#!/usr/bin/env python3
"""hostile.py - hostile input through the real CLI, with the real store.

Cases (each prints a line; a summary table ends the run, every column but
"tried" must be 0):
  headers    X-NPS-* values with CR, LF folds, NUL, invalid UTF-8,
             10,000 characters, <script> and formula text, through
             `npsgate rewrite`: no internal header leaves, no header is
             injected, header lines stay within 998 bytes, each survey is
             recorded once.
  verbatims  a customer comment with <script> and =HYPERLINK formula text
             through `npsgate ingest` (twice: stored once), then
             `npsgate report --format html|csv` and `npsgate responses
             --format csv|json`: HTML escaped, CSV formula cells
             neutralised and rows intact, JSON giving the comment back.
  big        a 100 MB mail through `npsgate rewrite`: done, the
             attachment byte-identical; a 100 MB reply through `npsgate
             parse`: refused, being over 64 MiB; peak RSS linear in the
             size (at most 4 x the mail + 64 MB).
             Skipped with NPSGATE_UNIT_ONLY=1 (sanitizer builds change
             memory use).
  nesting    1,000 nested multiparts and 1,000 sibling parts: the body
             unchanged but for the tag, removed where it stands
             (nesting), or every tag replaced, no crash.
  bytes      invalid UTF-8 and NUL bytes in headers and bodies: bytes
             outside the tag unchanged, replies give valid JSON.
"""
import csv
import hashlib
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("top_builddir", ".")
SRC = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__),
                                                  "..", ".."))
NPSGATE = os.path.join(BUILD, "npsgate")
UNIT_ONLY = os.environ.get("NPSGATE_UNIT_ONLY") == "1"
NOW = int(time.time()) - 3600  # tokens must not expire before ingest
TAG = b"[InsertSatisfactionEvaluation]"

failures = []
table = {}


def tally(case, tried=0, lost=0, duplicated=0, corrupted=0, crashes=0):
    row = table.setdefault(case, [0, 0, 0, 0, 0])
    for i, v in enumerate((tried, lost, duplicated, corrupted, crashes)):
        row[i] += v


def fail(case, kind, what):
    failures.append("%s: %s" % (case, what))
    tally(case, **{kind: 1})
    print("FAIL %s: %s" % (case, what), file=sys.stderr)


def run(case, args, data=b"", timeout=300, rss=False):
    """Runs npsgate; returns (status, stdout, stderr, max RSS in KiB)."""
    cmd = [NPSGATE] + args
    if rss:
        cmd = ["/usr/bin/time", "-f", "MAXRSS %M"] + cmd
    p = subprocess.run(cmd, input=data, capture_output=True,
                       timeout=timeout)
    err = p.stderr
    kib = 0
    m = re.search(rb"MAXRSS (\d+)", err)
    if m:
        kib = int(m.group(1))
    crashed = p.returncode < 0 or p.returncode >= 128 or \
        b"AddressSanitizer" in err or b"runtime error:" in err
    if crashed:
        fail(case, "crashes", "npsgate %s: status %d: %s" % (
            args[0], p.returncode, err[-400:].decode(errors="replace")))
    return p.returncode, p.stdout, err, kib


def split(msg):
    for sep in (b"\r\n\r\n", b"\n\n"):
        i = msg.find(sep)
        j = msg.find(b"\n\n") if sep == b"\r\n\r\n" else -1
        if i >= 0 and (j < 0 or i < j):
            return msg[:i + len(sep)], msg[i + len(sep):]
    return msg, b""


def fields(block):
    """Header fields of a header block: [(name, raw field)]."""
    out = []
    for line in re.split(rb"\r?\n", block):
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and out:
            out[-1] = (out[-1][0], out[-1][1] + b"\n" + line)
        else:
            out.append((line.split(b":", 1)[0].strip().lower(), line))
    return out


def token_of(msg):
    m = re.search(rb"^Reply-To: nps\+([a-z2-7]{47})@reply\.example",
                  split(msg)[0], re.M | re.I)
    return m.group(1).decode() if m else None


def count(db, sql, *args):
    with sqlite3.connect(db) as c:
        return c.execute(sql, args).fetchone()[0]


def message(headers, body, eol=b"\n"):
    return eol.join([b"From: Support <support@helpdesk.example>",
                     b"To: Client <client@example.com>",
                     b"Subject: Your ticket",
                     b"MIME-Version: 1.0"] + headers + [b"", b""]) + body


def case_headers(conf, db):
    case = "headers"
    long_v = b"A" * 10000
    folded = b"\n ".join([b"B" * 70] * 143)
    variants = [
        [b"X-NPS-Ticket: 1234\rBcc: victim@example.org"],
        [b"X-NPS-Agent: <script>alert(1)</script>"],
        [b"X-NPS-Team: =HYPERLINK(\"http://evil.example\",\"x\")"],
        [b"X-NPS-Agent: " + long_v],
        [b"X-NPS-Reason: " + folded],
        [b"X-NPS-Team: te\x00am", b"X-NPS-Reason: \xff\xfe\xc3("],
        [b"X-NPS-Lang: en\r", b"X-NPS-Channel: email\r"],
        [b"X-NPS-Priority: P1\n Bcc: folded@example.org"],
        [b"x-nps-ticket: lower", b"X-Nps-Agent: mixed", b"X-NPS-: empty"],
        [b"X-NPS-Survey: off", b"X-NPS-Agent: <b>optout</b>"],
        [b"X-NPS-Ticket: " + long_v + b"\r\nX-NPS-Team: " + long_v],
    ]
    surveys = 0
    for i, hdrs in enumerate(variants):
        body = b"Hello,\n\n" + TAG + b"\n\nRegards\n"
        msg = message(hdrs + [b"Message-ID: <hostile-%d@helpdesk.example>"
                              % i, b"Content-Type: text/plain; "
                              b"charset=utf-8"], body)
        tally(case, tried=1)
        st, out, err, _ = run(case, ["rewrite", "-c", conf, "--now",
                                     str(NOW + i)], msg)
        if st != 0 or not out:
            fail(case, "lost", "variant %d: status %d, %d bytes: %s" % (
                i, st, len(out), err[-300:]))
            continue
        block, obody = split(out)
        names = [n for n, _ in fields(block)]
        if any(n.startswith(b"x-nps-") for n in names):
            fail(case, "corrupted", "variant %d: an X-NPS-* header left"
                 % i)
        if b"bcc" in names or re.search(rb"(^|[\r\n])Bcc:", block, re.I):
            fail(case, "corrupted", "variant %d: a Bcc header appeared" % i)
        if any(len(l) > 998 for l in re.split(rb"\r?\n", block)):
            fail(case, "corrupted", "variant %d: header line over 998" % i)
        if b"\r" in block.replace(b"\r\n", b""):
            fail(case, "corrupted", "variant %d: bare CR in headers" % i)
        if TAG in obody:
            fail(case, "corrupted", "variant %d: tag left in the body" % i)
        if token_of(out):
            surveys += 1
    rows = count(db, "SELECT count(*) FROM surveys")
    if rows != surveys:
        fail(case, "duplicated" if rows > surveys else "lost",
             "%d survey mails, %d survey rows" % (surveys, rows))
    if surveys < len(variants) - 2:
        fail(case, "lost", "only %d of %d variants got a survey" % (
            surveys, len(variants)))


HOSTILE_COMMENT = ("=HYPERLINK(\"http://evil.example/x\",\"click\") "
                   "<script>alert('x')</script> & \"quotes\"")


def case_verbatims(conf, db, tmp):
    case = "verbatims"
    msg = message([b"X-NPS-Agent: <script>alert(1)</script>",
                   b"X-NPS-Team: =cmd|' /C calc'!A0",
                   b"X-NPS-Reason: +SUM(1;2)",
                   b"Message-ID: <verbatim-1@helpdesk.example>",
                   b"Content-Type: text/plain; charset=utf-8"],
                  b"Hello\n" + TAG + b"\n")
    tally(case, tried=1)
    st, out, err, _ = run(case, ["rewrite", "-c", conf, "--now", str(NOW)],
                          msg)
    tok = token_of(out) if st == 0 else None
    if not tok:
        fail(case, "lost", "no survey for the verbatim test: %s" % err)
        return
    reply = ("From: Client <client@example.com>\n"
             "To: nps+%s@reply.example\n"
             "Subject: Re: Your ticket\n"
             "Message-ID: <reply-verbatim-1@client.example>\n"
             "Content-Type: text/plain; charset=utf-8\n"
             "\n3\n\n%s\n" % (tok, HOSTILE_COMMENT)).encode()
    path = os.path.join(tmp, "reply.eml")
    with open(path, "wb") as f:
        f.write(reply)
    for attempt in (1, 2):
        tally(case, tried=1)
        st, out, err, _ = run(case, ["ingest", "-c", conf, path])
        if st != 0:
            fail(case, "lost", "ingest %d: status %d: %s" % (attempt, st,
                                                             err))
    n = count(db, "SELECT count(*) FROM responses")
    if n != 1:
        fail(case, "duplicated" if n > 1 else "lost",
             "%d response rows after two ingests" % n)

    for by in ("agent", "team", "reason"):
        tally(case, tried=1)
        st, html, err, _ = run(case, ["report", "-c", conf, "--by", by,
                                      "--format", "html"])
        try:
            html.decode("utf-8")
        except UnicodeDecodeError as e:
            fail(case, "corrupted", "report --by %s html: invalid UTF-8: %s"
                 % (by, e))
        low = html.lower()
        if st != 0 or b"<script>alert" in low or b"<b>optout" in low:
            fail(case, "corrupted", "report --by %s --format html: status "
                 "%d or unescaped markup" % (by, st))
        if by == "agent" and b"&lt;script&gt;" not in html:
            fail(case, "corrupted", "report html does not show the agent "
                 "name escaped")
        tally(case, tried=1)
        st, out, err, _ = run(case, ["report", "-c", conf, "--by", by,
                                     "--format", "csv"])
        check_csv(case, "report --by %s" % by, st, out)
    tally(case, tried=1)
    st, out, err, _ = run(case, ["responses", "-c", conf, "--format", "csv"])
    rows = check_csv(case, "responses", st, out)
    if rows is not None and not any(
            c == "'" + HOSTILE_COMMENT for r in rows for c in r):
        fail(case, "corrupted", "responses csv: the comment is not the "
             "customer's text with a leading apostrophe: %r" % rows)
    tally(case, tried=1)
    st, out, err, _ = run(case, ["responses", "-c", conf, "--format",
                                 "json"])
    try:
        objs = [json.loads(l) for l in out.decode().splitlines() if l]
    except ValueError as e:
        objs = []
        fail(case, "corrupted", "responses json does not parse: %s" % e)
    if not any(o.get("comment") == HOSTILE_COMMENT for o in objs):
        fail(case, "corrupted", "responses json lost the comment")


def check_csv(case, what, st, out):
    if st != 0:
        fail(case, "corrupted", "%s --format csv: status %d" % (what, st))
        return None
    try:
        text = out.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        fail(case, "corrupted", "%s csv: invalid UTF-8: %s" % (what, e))
        text = out.decode("utf-8-sig", errors="replace")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        fail(case, "corrupted", "%s csv: empty" % what)
        return None
    width = len(rows[0])
    for r in rows:
        if len(r) != width:
            fail(case, "corrupted", "%s csv: a row of %d cells, header %d"
                 % (what, len(r), width))
            break
        for c in r:
            if c[:1] in ("=", "+", "@") or (c[:1] == "-" and
                                              not re.match(r"-[\d.]", c)):
                fail(case, "corrupted", "%s csv: formula cell %r" % (what,
                                                                     c))
    return rows


def case_big(conf, tmp):
    case = "big"
    if UNIT_ONLY:
        print("big: skipped (NPSGATE_UNIT_ONLY=1)")
        return
    size = 100 * 1024 * 1024
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJz\r\n"
    att = line * (size // len(line))
    head = message([b"X-NPS-Ticket: big",
                    b"Message-ID: <big-1@helpdesk.example>",
                    b"Content-Type: multipart/mixed; boundary=\"big\""],
                   b"", b"\r\n")
    text = (b"--big\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            b"Hello " + TAG + b"\r\n--big\r\n"
            b"Content-Type: application/octet-stream\r\n"
            b"Content-Transfer-Encoding: base64\r\n"
            b"Content-Disposition: attachment; filename=big.bin\r\n\r\n")
    tail = att + b"--big--\r\n"
    msg = head + text + tail
    tally(case, tried=1)
    st, out, err, kib = run(case, ["rewrite", "-c", conf, "--now", str(NOW)],
                            msg, rss=True)
    limit = (4 * len(msg) + 64 * 1024 * 1024) // 1024
    print("big: rewrite of %d MB: status %d, peak RSS %d MB (limit %d MB)"
          % (len(msg) >> 20, st, kib >> 10, limit >> 10))
    if st != 0 or not out.endswith(tail):
        fail(case, "lost" if not out else "corrupted",
             "100 MB rewrite: status %d, attachment not identical" % st)
    # Beyond max_body (50 MiB by default) the milter passes the body
    # unchanged with the internal headers stripped; rewrite does the same.
    if not out.endswith(text + tail) or b"X-NPS-" in out[:len(head)]:
        fail(case, "corrupted", "100 MB rewrite: over max_body, the body "
             "changed or an X-NPS-* header was left")
    if kib > limit:
        fail(case, "corrupted", "100 MB rewrite: peak RSS %d KiB over %d"
             % (kib, limit))
    del out
    reply = (b"From: client@example.com\r\nTo: nps@reply.example\r\n"
             b"Subject: Re: big\r\n\r\n9\r\n" + att)
    tally(case, tried=1)
    st, out, err, kib = run(case, ["parse", "-c", conf, "-"], reply,
                            rss=True)
    print("big: parse of %d MB: status %d, peak RSS %d MB (limit %d MB)"
          % (len(reply) >> 20, st, kib >> 10, limit >> 10))
    # Every verb that reads a reply reads at most 64 MiB of it (the
    # hook's --stdin too): a larger one is refused, named, and not read.
    if st != 1 or b"larger than" not in err or out:
        fail(case, "lost", "100 MB parse: not refused as too large "
             "(status %d): %s" % (st, err[-300:]))
    if kib > limit:
        fail(case, "corrupted", "100 MB parse: peak RSS %d KiB over %d" % (
            kib, limit))


def case_nesting(conf):
    case = "nesting"
    depth = 1000
    body = b""
    for i in range(depth):
        body += b"--n%d\nContent-Type: multipart/mixed; boundary=\"n%d\"\n\n" \
            % (i, i + 1)
    body += b"--n%d\nContent-Type: text/plain\n\n%s\n--n%d--\n" % (
        depth, TAG, depth)
    for i in reversed(range(depth)):
        body += b"--n%d--\n" % i
    msg = message([b"X-NPS-Ticket: deep", b"Content-Type: multipart/mixed; "
                   b"boundary=\"n0\""], body)
    tally(case, tried=1)
    st, out, err, _ = run(case, ["rewrite", "-c", conf, "--now", str(NOW)],
                          msg)
    # Too deep to read as MIME: the tag goes where it stands, and not
    # one other byte changes.
    if st != 0 or split(out)[1] != body.replace(TAG, b""):
        fail(case, "corrupted", "1,000 nested multiparts: status %d, body "
             "changed beyond the tag, or the tag left" % st)
    if b"x-nps-" in split(out)[0].lower():
        fail(case, "corrupted", "1,000 nested multiparts: X-NPS-* left")
    tally(case, tried=1)
    st, out, err, _ = run(case, ["parse", "-c", conf, "-"], msg)
    try:
        json.loads(out.decode().splitlines()[0])
    except (ValueError, IndexError):
        fail(case, "lost", "1,000 nested multiparts: parse gave no JSON")

    for n in (999, 1000, 1001):
        parts = b"".join(b"--s\nContent-Type: text/plain\n\n%d %s\n" % (
            i, TAG) for i in range(n))
        body = b"preamble\n" + parts + b"--s--\n"
        msg = message([b"Content-Type: multipart/mixed; boundary=s"], body)
        tally(case, tried=1)
        st, out, err, _ = run(case, ["rewrite", "-c", conf, "--now",
                                     str(NOW)], msg)
        ob = split(out)[1]
        if st != 0 or (ob != body and TAG in ob):
            fail(case, "corrupted", "%d sibling parts: status %d, some "
                 "tags left in a changed body" % (n, st))


def case_bytes(conf):
    case = "bytes"
    before = b"Caf\xe9 \xff\xfe \x00 nul \xc3\x28 \xed\xa0\x80 line\n"
    after = b"\nafter \x00\xff the tag\n"
    msg = message([b"Subject: =?utf-8?b?/w==?= \xff\x00",
                   b"Content-Type: text/plain; charset=utf-8",
                   b"Content-Transfer-Encoding: 8bit",
                   b"X-NPS-Agent: \xff\x00agent"],
                  before + TAG + after)
    tally(case, tried=1)
    st, out, err, _ = run(case, ["rewrite", "-c", conf, "--now", str(NOW)],
                          msg)
    ob = split(out)[1]
    if st != 0:
        fail(case, "lost", "invalid UTF-8 and NUL: status %d" % st)
    elif TAG in ob or (ob != before + TAG + after and not (
            ob.startswith(before) and ob.endswith(after)) and
            b"quoted-printable" not in split(out)[0].lower()):
        fail(case, "corrupted", "invalid UTF-8 and NUL: bytes around the "
             "tag changed")
    reply = (b"From: =?utf-8?q?=FF?= <client@example.com>\n"
             b"To: nps+abc@reply.example\nSubject: Re: \xff\x00\n"
             b"Content-Type: text/plain; charset=utf-8\n\n"
             b"9 \xff\xfe\x00 merci \xc3\x28\n")
    for cs in (b"utf-8", b"iso-8859-1", b"x-unknown", b"utf-16"):
        tally(case, tried=1)
        st, out, err, _ = run(case, ["parse", "-c", conf, "-"],
                              reply.replace(b"utf-8", cs))
        try:
            json.loads(out.decode("utf-8").splitlines()[0])
        except (ValueError, IndexError, UnicodeDecodeError) as e:
            fail(case, "corrupted", "reply in %s: no valid JSON: %s" % (
                cs.decode(), e))


def main():
    if not os.access(NPSGATE, os.X_OK):
        print("hostile: %s not built" % NPSGATE)
        return 99
    with tempfile.TemporaryDirectory(prefix="npsgate-hostile.") as tmp:
        conf = os.path.join(tmp, "npsgate.conf")
        db = os.path.join(tmp, "npsgate.db")
        with open(conf, "w") as f:
            f.write("[general]\nreply_address = nps@reply.example\n"
                    "key_file = %s/keys\ntemplates_dir = %s/templates\n"
                    "[store]\npath = %s\n[milter]\n"
                    "socket = inet:8891@127.0.0.1\n" % (tmp, SRC, db))
        p = subprocess.run([NPSGATE, "keygen", "-c", conf],
                           capture_output=True)
        if p.returncode != 0:
            print("hostile: keygen failed: %s" % p.stderr.decode())
            return 99
        case_headers(conf, db)
        case_verbatims(conf, db, tmp)
        case_nesting(conf)
        case_bytes(conf)
        case_big(conf, tmp)

    print("\n%-10s %7s %6s %11s %10s %8s" % ("case", "tried", "lost",
                                             "duplicated", "corrupted",
                                             "crashes"))
    total = [0] * 5
    for case, row in table.items():
        print("%-10s %7d %6d %11d %10d %8d" % ((case,) + tuple(row)))
        total = [a + b for a, b in zip(total, row)]
    print("%-10s %7d %6d %11d %10d %8d" % (("total",) + tuple(total)))
    if failures:
        print("\n%d failure(s):" % len(failures))
        for f in failures:
            print("  " + f)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
