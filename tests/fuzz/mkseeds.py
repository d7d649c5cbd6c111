#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora, tests/fuzz/seeds/NAME/, from the test
corpora (tests/corpus/replies, tests/corpus/rewrite, tests/data/config,
etc/npsgate.conf.sample) and a few hand-made edge cases.

Run from anywhere: python3 tests/fuzz/mkseeds.py [FUZZDIR]. With FUZZDIR
(the fuzz/ directory `make fuzz` fills), each target then keeps only the
seeds that add coverage (libFuzzer -merge=1). The output is deterministic
for a given build; commit it. Tokens are signed with the public test key (id 1)
at the fuzzers' clock (FUZZ_NOW in the targets), so reply seeds carry
tokens that verify, are forged or are expired, as in the corpus harness.
"""
import base64
import hashlib
import hmac
import os
import shutil
import struct
import subprocess
import sys
import tempfile

TOP = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(TOP, "tests", "fuzz", "seeds")
TEST_SECRET = b"npsgate public test key, no mail"
FUZZ_NOW = 1750000000
LIFETIME = 180 * 86400
TYPES = {"nps": 0, "csat": 1, "ces": 2}


def b32(raw):
    return base64.b32encode(raw).decode().rstrip("=").lower()


def token(name, type_="nps", issued=FUZZ_NOW - 86400, key_id=1,
          secret=TEST_SECRET, forge=False):
    sid = hashlib.sha256(name.encode()).digest()[:10]
    raw = bytes([0x10 | TYPES[type_]]) + sid + struct.pack(">IH", issued,
                                                          key_id)
    tag = hmac.new(secret, raw, hashlib.sha256).digest()[:12]
    if forge:
        tag = bytes([tag[0] ^ 1]) + tag[1:]
    return b32(raw + tag)


def put(name, fname, data):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, fname), "wb") as f:
        f.write(data)


def labels():
    types = {}
    path = os.path.join(TOP, "tests", "corpus", "replies", "labels.tsv")
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 4:
                types[cols[0]] = cols[3]
    return types


def substitute(name, data, type_):
    msgid = "nps-%s@helpdesk.example" % hashlib.sha1(
        name.encode()).hexdigest()[:12]
    data = data.replace(b"{{TOKEN}}", token(name, type_).encode())
    data = data.replace(b"{{TOKEN_FORGED}}",
                        token(name, type_, forge=True).encode())
    data = data.replace(b"{{TOKEN_EXPIRED}}", token(
        name, type_, issued=FUZZ_NOW - LIFETIME - 86400).encode())
    return data.replace(b"{{MSGID}}", msgid.encode())


def main():
    for name in ("token", "config", "mime", "rewrite", "reply"):
        shutil.rmtree(os.path.join(OUT, name), ignore_errors=True)

    # token: tokens in every state, addresses, key files.
    good = token("seed")
    put("token", "valid", good)
    put("token", "valid-upper", good.upper())
    put("token", "csat", token("seed-csat", "csat"))
    put("token", "ces", token("seed-ces", "ces"))
    put("token", "forged", token("seed", forge=True))
    put("token", "expired", token("seed", issued=FUZZ_NOW - LIFETIME - 1))
    put("token", "other-key", token("seed", key_id=7, secret=b"k" * 32))
    put("token", "short", good[:-1])
    put("token", "address", "nps+%s@reply.example" % good)
    put("token", "address-display", "Support <NPS+%s@Reply.Example>"
        % good.upper())
    put("token", "keyfile", "# npsgate keys\n1 1750000000 %s\n"
        "2 1750000100 %s\n" % ("ab" * 32, "0F" * 32))
    put("token", "keyfile-crlf", "3 1 %s\r\n" % ("9" * 64))

    # config: the test configs and the sample.
    cdir = os.path.join(TOP, "tests", "data", "config")
    for f in sorted(os.listdir(cdir)):
        with open(os.path.join(cdir, f), "rb") as fp:
            put("config", f, fp.read())
    with open(os.path.join(TOP, "etc", "npsgate.conf.sample"), "rb") as fp:
        put("config", "sample.conf", fp.read())

    # rewrite and mime: the rewrite corpus; mime also the replies.
    rdir = os.path.join(TOP, "tests", "corpus", "rewrite")
    for f in sorted(os.listdir(rdir)):
        if not f.endswith(".eml"):
            continue
        with open(os.path.join(rdir, f), "rb") as fp:
            data = fp.read()
        put("rewrite", f, data)
        put("mime", f, data)
    put("rewrite", "nested-digest.eml", NESTED)
    put("mime", "nested-digest.eml", NESTED)

    qdir = os.path.join(TOP, "tests", "corpus", "replies")
    types = labels()
    for f in sorted(os.listdir(qdir)):
        if not f.endswith(".eml"):
            continue
        with open(os.path.join(qdir, f), "rb") as fp:
            data = substitute(f, fp.read(), types.get(f, "nps"))
        put("reply", f, data)
        # Every fourth reply is enough variety for the MIME parser.
        if int(f[:3]) % 4 == 0:
            put("mime", "reply-" + f, data)


NESTED = b"""From: a@example.com
To: b@example.com
Subject: =?utf-8?q?Caf=C3=A9?= =?iso-8859-1?b?6Q==?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

preamble
--outer
Content-Type: multipart/digest; boundary=dig

--dig

Subject: inner

[InsertSatisfactionEvaluation]
--dig--
--outer
Content-Type: message/rfc822

Content-Type: text/plain; charset=utf-16le
Content-Transfer-Encoding: base64

WwBJAG4AcwBlAHIAdABdAA==
--outer
Content-Type: text/html; charset="windows-1252"
Content-Transfer-Encoding: quoted-printable

<p>caf=E9 [InsertSatisfaction=
Evaluation]</p>
--outer--
epilogue
"""

def minimize(fuzzdir):
    for name in ("token", "config", "mime", "rewrite", "reply"):
        binary = os.path.join(fuzzdir, "fuzz_" + name)
        seeds = os.path.join(OUT, name)
        if not os.path.exists(binary) or not os.path.isdir(seeds):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([binary, "-merge=1", tmp, seeds],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=True)
            kept = set(os.listdir(tmp))
        for f in os.listdir(seeds):
            with open(os.path.join(seeds, f), "rb") as fp:
                if hashlib.sha1(fp.read()).hexdigest() not in kept:
                    os.unlink(os.path.join(seeds, f))
        print("%s: %d seeds" % (name, len(os.listdir(seeds))))


if __name__ == "__main__":
    main()
    if len(sys.argv) > 1:
        minimize(sys.argv[1])
