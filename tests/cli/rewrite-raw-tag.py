#!/usr/bin/env python3
"""rewrite-raw-tag.py - `npsgate rewrite` never lets the customer read the
raw tag, whatever shape the MIME has.

Each mail of tests/data/rawtag, and two made here (multiparts nested
deeper than the parser reads, more parts than it reads), goes through
`npsgate rewrite --dry-run`, without -v:
  - a tag whose bytes can be edited as they are (7bit, 8bit, binary; no
    header at the start; an attachment) is removed where it stands: the
    output is the input without the tag, every other byte identical, exit
    0, and one warning line on stderr says so;
  - a tag that cannot be (quoted-printable in MIME that cannot be read,
    signed content, a UTF-16 part) fails the mail: exit 1, a line on
    stderr names it, and the mail is written as it came (the milter then
    applies on_error).
Needs only the standard library. Exit 0 pass, 1 fail, 99 hard error.
"""
import os
import subprocess
import sys

TAG = b"[InsertSatisfactionEvaluation]"
here = os.path.dirname(os.path.abspath(__file__))
top_srcdir = os.environ.get("top_srcdir",
                            os.path.dirname(os.path.dirname(here)))
top_builddir = os.environ.get("top_builddir", top_srcdir)
npsgate = os.path.join(top_builddir, "npsgate")
data = os.path.join(top_srcdir, "tests", "data", "rawtag")
env = dict(os.environ, NPSGATE_TEMPLATES_DIR=os.path.join(top_srcdir,
                                                          "templates"))
failures = []

REMOVED = ["unclosed-boundary.eml", "leading-blank-line.eml",
           "leading-bom.eml", "boundary-over-200.eml",
           "tag-in-attachment.eml"]
STUCK = ["qp-part-unreadable.eml", "tag-in-signed-content.eml",
         "utf16-part.eml"]


def rewrite(msg):
    p = subprocess.run([npsgate, "rewrite", "--dry-run", "--now",
                        "1800000000"], input=msg, capture_output=True,
                       env=env, timeout=60)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def check_removed(name, msg):
    rc, out, err = rewrite(msg)
    if rc != 0:
        failures.append("%s: exit %d: %s" % (name, rc, err.strip()))
    if TAG in out:
        failures.append("%s: the raw tag leaves" % name)
    elif out != msg.replace(TAG, b""):
        failures.append("%s: bytes other than the tag changed" % name)
    if "removed where they stood" not in err:
        failures.append("%s: nothing on stderr without -v: %r" % (name,
                                                                  err))


def check_stuck(name, msg):
    rc, out, err = rewrite(msg)
    if rc != 1:
        failures.append("%s: exit %d, not 1" % (name, rc))
    if "neither replaced nor removed" not in err:
        failures.append("%s: stderr does not say why: %r" % (name, err))
    if out != msg:
        failures.append("%s: the mail is not written as it came" % name)


def deep(depth):
    body = b""
    for i in range(depth):
        body += (b"--n%d\r\nContent-Type: multipart/mixed; boundary=n%d"
                 b"\r\n\r\n" % (i, i + 1))
    body += (b"--n%d\r\nContent-Type: text/plain\r\n\r\nHello %s bye\r\n"
             b"--n%d--\r\n" % (depth, TAG, depth))
    for i in reversed(range(depth)):
        body += b"--n%d--\r\n" % i
    return (b"From: a@example.com\r\nTo: b@example.org\r\nSubject: s\r\n"
            b"Content-Type: multipart/mixed; boundary=n0\r\n\r\n" + body)


def wide(n):
    parts = b"".join(b"--w\r\nContent-Type: text/plain\r\n\r\n%d %s\r\n"
                     % (i, TAG) for i in range(n))
    return (b"From: a@example.com\r\nTo: b@example.org\r\nSubject: s\r\n"
            b"Content-Type: multipart/mixed; boundary=w\r\n\r\n" + parts +
            b"--w--\r\n")


def main():
    if not os.access(npsgate, os.X_OK):
        print("npsgate not built: %s" % npsgate, file=sys.stderr)
        return 99
    for name in REMOVED:
        with open(os.path.join(data, name), "rb") as f:
            check_removed(name, f.read())
    for name in STUCK:
        with open(os.path.join(data, name), "rb") as f:
            check_stuck(name, f.read())
    # Over the parser's limits (MIME_MAX_DEPTH 100, MIME_MAX_PARTS 10000).
    check_removed("nested 101 deep", deep(101))
    check_removed("10,001 parts", wide(10001))
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    print("%d mails, %d failure(s)" % (len(REMOVED) + len(STUCK) + 2,
                                       len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
