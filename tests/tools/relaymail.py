#!/usr/bin/env python3
"""relaymail.py - the mail of tests/integration/postgres-relays.sh: every
customer gets two survey mails at the same moment, one through each relay;
then the replies to the surveys that went out.

  relaymail.py send PORT1 PORT2 N      customers c0..c(N-1)@customers.example,
                                       two tagged mails each (tickets R-i-1
                                       and R-i-2), sent by pairs through the
                                       relays on 127.0.0.1:PORT1 and PORT2
                                       by 8 workers; a 4xx answer (the
                                       milter's tempfail) is retried for up
                                       to 120 s. Prints "sent N", exit 1
                                       when a mail could not be sent.
  relaymail.py sink DIR N              the smtp-sink dump DIR against the N
                                       customers: prints "mails M",
                                       "duplicates D" (the same mail twice),
                                       "missing X", "surveys S" (mails with
                                       a token), "customers_one C" (with
                                       exactly one survey), "customers_more
                                       K" (with two), "acks A" (other
                                       mails to customers: acknowledgments),
                                       "acks_distinct D" (customers with one)
  relaymail.py replies DIR OUTDIR      one reply per survey in the sink DIR,
                                       to its nps+TOKEN address, score i % 11
                                       for customer i, as files in OUTDIR;
                                       prints "replies R" and "score_sum S"
"""
import email
import email.policy
import os
import re
import smtplib
import sys
import threading
import time

CUSTOMER_RE = re.compile(r"c(\d+)@customers\.example")
TOKEN_RE = re.compile(r"nps\+([a-z2-7]+)@reply\.example")
MARK_RE = re.compile(r"relaymark-(\d+)-([12])")


def survey_mail(i, relay):
    return (
        "From: Support <support@shop.example>\r\n"
        "To: <c%d@customers.example>\r\n"
        "Subject: Ticket R-%d-%d closed relaymark-%d-%d\r\n"
        "Message-ID: <relaymark-%d-%d@shop.example>\r\n"
        "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
        "X-NPS-Ticket: R-%d-%d\r\nX-NPS-Agent: agent%d\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Hello, your ticket is closed.\r\n\r\n"
        "[InsertSatisfactionEvaluation]\r\n"
        % (i, i, relay, i, relay, i, relay, i, relay, i % 7)
    ).encode()


class Relay:
    """One SMTP session to one relay, reopened after an error."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def send(self, i, relay):
        msg = survey_mail(i, relay)
        rcpt = "c%d@customers.example" % i
        end = time.time() + 120
        while True:
            try:
                if self.conn is None:
                    self.conn = smtplib.SMTP("127.0.0.1", self.port,
                                             timeout=60)
                self.conn.sendmail("support@shop.example", [rcpt], msg)
                return True
            except (smtplib.SMTPException, OSError) as e:
                code = getattr(e, "smtp_code", 0)
                if isinstance(e, smtplib.SMTPRecipientsRefused):
                    code = list(e.recipients.values())[0][0]
                try:
                    if self.conn is not None:
                        self.conn.close()
                except Exception:
                    pass
                self.conn = None
                if (code and code >= 500) or time.time() > end:
                    sys.stderr.write("mail %d-%d: %s\n" % (i, relay, e))
                    return False
                time.sleep(0.5)


def cmd_send(port1, port2, n):
    lock = threading.Lock()
    state = {"next": 0, "sent": 0, "failed": 0}

    def worker():
        r1, r2 = Relay(port1), Relay(port2)
        while True:
            with lock:
                i = state["next"]
                state["next"] += 1
            if i >= n:
                break
            # Both mails of customer i at the same moment, one per relay.
            res = {}
            t = threading.Thread(target=lambda: res.update(b=r2.send(i, 2)))
            t.start()
            a = r1.send(i, 1)
            t.join()
            with lock:
                for ok in (a, res.get("b", False)):
                    state["sent" if ok else "failed"] += 1
        for r in (r1, r2):
            if r.conn is not None:
                try:
                    r.conn.quit()
                except Exception:
                    pass

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("sent %d" % state["sent"])
    return 1 if state["failed"] else 0


def load(path):
    with open(path, "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.compat32)


def sink_mails(d, acks=None):
    """(customer, relay, token or None) of each survey mail in the dump
    dir; the customer of each other mail (an acknowledgment) is added to
    the list acks."""
    out = []
    for name in sorted(os.listdir(d)):
        msg = load(os.path.join(d, name))
        m = MARK_RE.search(msg.get("Subject", ""))
        if not m:
            c = CUSTOMER_RE.search(msg.get("To", ""))
            if c and acks is not None:
                acks.append(int(c.group(1)))
            continue
        t = TOKEN_RE.search(msg.get("Reply-To", ""))
        out.append((int(m.group(1)), int(m.group(2)),
                    t.group(1) if t else None))
    return out


def cmd_sink(d, n):
    acks = []
    mails = sink_mails(d, acks)
    seen = {}
    surveys = {}
    for c, r, tok in mails:
        seen[(c, r)] = seen.get((c, r), 0) + 1
        if tok:
            surveys[c] = surveys.get(c, 0) + 1
    dup = sum(k - 1 for k in seen.values() if k > 1)
    missing = sum(1 for c in range(n) for r in (1, 2) if (c, r) not in seen)
    print("mails %d" % len(mails))
    print("duplicates %d" % dup)
    print("missing %d" % missing)
    print("surveys %d" % sum(surveys.values()))
    print("customers_one %d" % sum(1 for c in range(n)
                                   if surveys.get(c, 0) == 1))
    print("customers_more %d" % sum(1 for k in surveys.values() if k > 1))
    print("acks %d" % len(acks))
    print("acks_distinct %d" % len(set(acks)))
    return 0


def cmd_replies(d, outdir):
    count = 0
    total = 0
    for c, r, tok in sink_mails(d):
        if not tok:
            continue
        score = c % 11
        body = (
            "From: <c%d@customers.example>\r\n"
            "To: nps+%s@reply.example\r\n"
            "Message-ID: <reply-%d-%s@customers.example>\r\n"
            "Subject: Re: your opinion\r\n"
            "Date: Mon, 23 Nov 2026 11:00:00 +0000\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "%d\r\n" % (c, tok, c, tok, score))
        # One file per survey: a customer surveyed twice (a broken
        # rule) answers both, and the counts show it.
        with open(os.path.join(outdir, "reply-%d-%s.eml" % (c, tok)),
                  "w") as f:
            f.write(body)
        count += 1
        total += score
    print("replies %d" % count)
    print("score_sum %d" % total)
    return 0


def main():
    a = sys.argv[1:]
    if len(a) == 4 and a[0] == "send":
        return cmd_send(int(a[1]), int(a[2]), int(a[3]))
    if len(a) == 3 and a[0] == "sink":
        return cmd_sink(a[1], int(a[2]))
    if len(a) == 3 and a[0] == "replies":
        return cmd_replies(a[1], a[2])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
