#!/usr/bin/env python3
"""imapctl.py - the test side of the IMAP hook tests: append messages to a
private Dovecot and look at where they ended up.

  imapctl.py PORT append DIR            APPEND every DIR/*.eml (sorted) to
                                        INBOX over one connection
  imapctl.py PORT counts FOLDER...      "FOLDER=N" for each folder
  imapctl.py PORT ids FOLDER            the Message-IDs in FOLDER, one a line
                                        ("-" for a message without one)
  imapctl.py PORT fetchall FOLDER       UID FETCH of every message's body,
                                        one command per message, and print
                                        the count and the seconds it took

User nps, password secret: the tests' Dovecot. PORT "s:N" speaks implicit
TLS to port N without checking the certificate (the hook's checks are what
the tests look at, not ours).
"""
import glob
import imaplib
import os
import re
import ssl
import sys
import time

USER, PASSWORD = "nps", "secret"


def connect(port):
    if port.startswith("s:"):
        m = imaplib.IMAP4_SSL("127.0.0.1", int(port[2:]),
                              ssl_context=ssl._create_unverified_context())
    else:
        m = imaplib.IMAP4("127.0.0.1", int(port))
    m.login(USER, PASSWORD)
    return m


def cmd_append(m, args):
    files = sorted(glob.glob(os.path.join(args[0], "*.eml")))
    for f in files:
        with open(f, "rb") as fp:
            data = fp.read()
        typ, resp = m.append("INBOX", None, None, data)
        if typ != "OK":
            sys.exit("append %s: %s" % (f, resp))
    print(len(files))


def folder_count(m, folder):
    typ, data = m.select('"%s"' % folder, readonly=True)
    if typ != "OK":
        return -1
    return int(data[0])


def cmd_counts(m, args):
    print(" ".join("%s=%d" % (f, folder_count(m, f)) for f in args))


def cmd_ids(m, args):
    if folder_count(m, args[0]) <= 0:
        return
    typ, data = m.uid("FETCH", "1:*",
                      "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    for item in data:
        if not isinstance(item, tuple):
            continue
        mid = re.search(rb"<[^>]*>", item[1])
        print(mid.group(0).decode() if mid else "-")


def cmd_fetchall(m, args):
    n = folder_count(m, args[0])
    if n <= 0:
        print("0 0.000")
        return
    typ, data = m.uid("SEARCH", None, "ALL")
    uids = data[0].split()
    t0 = time.monotonic()
    for uid in uids:
        typ, _ = m.uid("FETCH", uid, "(UID BODY.PEEK[])")
        if typ != "OK":
            sys.exit("fetch %s failed" % uid)
    print("%d %.3f" % (len(uids), time.monotonic() - t0))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    port, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    m = connect(port)
    {"append": cmd_append, "counts": cmd_counts, "ids": cmd_ids,
     "fetchall": cmd_fetchall}[cmd](m, args)
    m.logout()


if __name__ == "__main__":
    main()
