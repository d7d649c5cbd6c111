#!/usr/bin/env python3
"""mailcheck.py - independent checks of the mails smtp-sink received.

  mailcheck.py token KEYFILE TOKEN   verify a token's HMAC with the key file
                                     (DESIGN/token.h layout); prints the
                                     survey id, exit 1 if it does not verify
  mailcheck.py text FILE             decoded text of every text/* part
  mailcheck.py header FILE NAME      every value of header NAME, one a line
  mailcheck.py bodyhash FILE         sha256 of the body bytes (after the
                                     header block), line ends made LF
                                     (without the two empty lines that
                                     smtp-sink adds to each dump)
  mailcheck.py mimeok FILE           exit 0 when Python's email package
                                     reads the MIME tree without defects

The sink's files start with smtp-sink's own X-Client-* lines, which read
as header fields like the rest.
"""
import base64
import email
import email.policy
import hashlib
import hmac
import sys


def cmd_token(keyfile, token):
    raw = base64.b32decode(token.upper() + "=" * (-len(token) % 8))
    if len(raw) != 29:
        sys.exit("token has %d bytes, not 29" % len(raw))
    key_id = int.from_bytes(raw[15:17], "big")
    keys = {}
    with open(keyfile) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            kid, _created, hexkey = line.split()
            keys[int(kid)] = bytes.fromhex(hexkey)
    if key_id not in keys:
        sys.exit("token signed by unknown key %d" % key_id)
    tag = hmac.new(keys[key_id], raw[:17], hashlib.sha256).digest()[:12]
    if not hmac.compare_digest(tag, raw[17:]):
        sys.exit("token tag does not verify")
    print(base64.b32encode(raw[1:11]).decode().lower())


def load(path):
    with open(path, "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.compat32)


def cmd_text(path):
    msg = load(path)
    for part in msg.walk():
        if part.get_content_maintype() != "text":
            continue
        payload = part.get_payload(decode=True) or b""
        cs = part.get_content_charset() or "utf-8"
        try:
            sys.stdout.write(payload.decode(cs, "replace"))
        except LookupError:
            sys.stdout.write(payload.decode("utf-8", "replace"))
        sys.stdout.write("\n")


def cmd_header(path, name):
    for v in load(path).get_all(name) or []:
        print(" ".join(str(v).split()))


def cmd_bodyhash(path):
    data = open(path, "rb").read().replace(b"\r\n", b"\n")
    # smtp-sink ends each dump with two empty lines of its own.
    if data.startswith(b"X-Client-Addr:") and data.endswith(b"\n\n\n"):
        data = data[:-2]
    i = data.find(b"\n\n")
    body = data[i + 2:] if i >= 0 else b""
    print(hashlib.sha256(body).hexdigest())


def cmd_mimeok(path):
    msg = load(path)
    bad = [d for part in msg.walk() for d in part.defects]
    if bad:
        sys.exit("MIME defects: %s" % bad)


def main():
    a = sys.argv[1:]
    if a[:1] == ["token"] and len(a) == 3:
        cmd_token(a[1], a[2])
    elif a[:1] == ["text"] and len(a) == 2:
        cmd_text(a[1])
    elif a[:1] == ["header"] and len(a) == 3:
        cmd_header(a[1], a[2])
    elif a[:1] == ["bodyhash"] and len(a) == 2:
        cmd_bodyhash(a[1])
    elif a[:1] == ["mimeok"] and len(a) == 2:
        cmd_mimeok(a[1])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
