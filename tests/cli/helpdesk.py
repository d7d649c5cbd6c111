#!/usr/bin/env python3
"""helpdesk.py - closing mails of eleven help desks through `npsgate rewrite`.

Each case of CASES runs one mail of tests/corpus/helpdesk/ (or one made
here) through the real `npsgate rewrite` with a config of its own and a
fresh store, and checks:
  - the row the store got: a survey with the right ticket, agent, team,
    channel (and status of the row), or an event of the right kind with
    the agent and ticket kept, or no row at all;
  - what leaves: every text part decoded (Python's email package) holds
    no piece of the tag (no attribute text, no tag name), none of the
    strings the case names, and all of those it must keep;
  - the warnings npsgate prints, when the case names one;
  - `npsgate stats`, when the case counts mails without a survey.
Needs only the standard library. Exit 0 pass, 1 fail, 77 skip, 99 error.
"""
import email
import email.policy
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

BUILD = os.environ.get("top_builddir", ".")
SRC = os.environ.get("top_srcdir",
                     os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                  "..", ".."))
NPSGATE = os.path.join(BUILD, "npsgate")
CORPUS = os.path.join(SRC, "tests", "corpus", "helpdesk")
NOW = 1800000000
ENV = dict(os.environ, NPSGATE_TEMPLATES_DIR=os.path.join(SRC, "templates"))
failures = []


def fail(case, what):
    failures.append("%s: %s" % (case, what))
    print("FAIL %s: %s" % (case, what), file=sys.stderr)


def write_conf(d, name, extra):
    conf = os.path.join(d, name + ".conf")
    with open(conf, "w") as f:
        f.write("[general]\nreply_address = nps@reply.example\n"
                "key_file = %s/keys\n%s\n[store]\npath = %s/%s.db\n"
                "[milter]\nsocket = inet:8891@127.0.0.1\n%s"
                "[imap]\nhost = 127.0.0.1\nuser = nps\n"
                "password_file = %s/imap.pass\n%s"
                % (d, extra.get("general", ""), d, name,
                   "multiple_recipients = to_header\n"
                   if extra.get("to_header") else "", d,
                   extra.get("sections", "")))
    return conf


def rewrite(conf, msg, rcpts=(), now=NOW):
    args = [NPSGATE, "rewrite", "-c", conf, "--now", str(now)]
    for r in rcpts:
        args += ["--rcpt", r]
    p = subprocess.run(args, input=msg, capture_output=True, env=ENV,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def rows(db, sql):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def texts(out):
    """Every text part that leaves, decoded."""
    m = email.message_from_bytes(out, policy=email.policy.compat32)
    res = []
    for part in m.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        data = part.get_payload(decode=True) or b""
        cs = part.get_content_charset() or "us-ascii"
        try:
            res.append(data.decode(cs, "replace"))
        except LookupError:
            res.append(data.decode("latin-1"))
    return res


def load(case):
    if "file" in case:
        with open(os.path.join(CORPUS, case["file"]), "rb") as f:
            return f.read()
    return case["msg"].encode("utf-8")


TAG_PIECE = re.compile(r"InsertSatisfaction|NoSurvey|\b(ticket|agent|team|"
                       r"channel|reason|priority|status|survey)\s*=")


def check(d, case):
    name = case["name"]
    conf = write_conf(d, name, case)
    msg = load(case)
    rc, out, err = rewrite(conf, msg, case.get("rcpts", ()))
    if rc != 0:
        fail(name, "npsgate rewrite exited %d: %s" % (rc, err))
        return
    db = os.path.join(d, name + ".db")
    surveys = rows(db, "SELECT ticket, agent, team, channel, reason, "
                   "priority, recipient FROM surveys")
    events = rows(db, "SELECT kind, ticket, agent, team, channel, detail "
                  "FROM events")
    want = case["want"]
    if want == "survey":
        if len(surveys) != 1 or events:
            fail(name, "want one survey, got %r and events %r"
                 % (surveys, events))
        else:
            got = dict(zip(("ticket", "agent", "team", "channel", "reason",
                            "priority", "recipient"), surveys[0]))
            for k, v in case.get("fields", {}).items():
                if got[k] != v:
                    fail(name, "survey %s is %r, want %r" % (k, got[k], v))
    elif want == "none":
        if surveys or events:
            fail(name, "want no row, got %r %r" % (surveys, events))
    else:
        if surveys or len(events) != 1 or events[0][0] != want:
            fail(name, "want one %s event, got %r and surveys %r"
                 % (want, events, surveys))
        else:
            got = dict(zip(("kind", "ticket", "agent", "team", "channel",
                            "detail"), events[0]))
            for k, v in case.get("fields", {}).items():
                if k == "detail":
                    if v not in (got[k] or ""):
                        fail(name, "event detail %r lacks %r" % (got[k], v))
                elif got[k] != v:
                    fail(name, "event %s is %r, want %r" % (k, got[k], v))
    parts = texts(out)
    if not parts:
        fail(name, "no text part leaves")
    for t in parts:
        m = TAG_PIECE.search(t)
        if m and not case.get("allow_tag_text"):
            fail(name, "a piece of the tag leaves: %r"
                 % t[max(0, m.start() - 30):m.end() + 30])
        for s in case.get("absent", ()):
            if s in t:
                fail(name, "%r leaves" % s)
    whole = "\n".join(parts)
    for s in case.get("present", ()):
        if s not in whole:
            fail(name, "%r is gone" % s)
    widget = "nps+" in out.decode("latin-1")
    if widget != (want == "survey"):
        fail(name, "widget %s" % ("present" if widget else "missing"))
    for s in case.get("warn", ()):
        if s not in err:
            fail(name, "no warning %r in %r" % (s, err))
    if "twice" in case:
        # The same closing mail again: once per ticket.
        rc, out2, err = rewrite(conf, msg, case.get("rcpts", ()))
        n = len(rows(db, "SELECT id FROM surveys"))
        ev = rows(db, "SELECT kind, ticket, agent FROM events")
        want2 = case["twice"]
        if want2 == "duplicate":
            if n != 1 or len(ev) != 1 or ev[0][0] != "duplicate" or \
                    ev[0][1] != case["fields"]["ticket"]:
                fail(name, "second mail: want a duplicate event, got %d "
                     "surveys, events %r" % (n, ev))
            if b"nps+" in out2 or b"InsertSatisfaction" in out2:
                fail(name, "second mail: a widget or a tag leaves")
        elif n != 2 or ev:
            fail(name, "second mail: want a second survey, got %d, %r"
                 % (n, ev))
    head = out.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    for h in case.get("keep_headers", ()):
        if h.encode() not in head:
            fail(name, "the help desk's header %r is gone" % h)
    for k, v in case.get("stats", {}).items():
        p = subprocess.run([NPSGATE, "stats", "-c", conf],
                           capture_output=True, env=ENV, timeout=60)
        got = dict(l.split(None, 1) for l in
                   p.stdout.decode().splitlines() if " " in l)
        if got.get(k, "").strip() != str(v):
            fail(name, "stats %s is %r, want %r" % (k, got.get(k), v))
    print("ok %s" % name)


H = ("From: Support <support@example.com>\nTo: jane@example.org\n"
     "Message-ID: <m1@example.com>\n")

def preset(name):
    return "helpdesk = %s" % name


CASES = [
    # One closing mail per help desk, with its preset.
    dict(name="rt", file="rt-resolved.eml", general=preset("rt"),
         want="survey", fields=dict(ticket="123", agent="jdoe@example.com",
                                    team="Support", channel="email",
                                    recipient="customer@example.org"),
         keep_headers=("X-RT-Ticket: rt.example.com #123",
                       "X-RT-Originator: jdoe@example.com"),
         present=("has been resolved",)),
    dict(name="zammad", file="zammad-closed.eml", general=preset("zammad"),
         want="survey", fields=dict(ticket="31001", agent="jdoe",
                                    team="Users", channel="email",
                                    priority="2 normal", reason=None),
         keep_headers=("X-Mailer: Zammad Mail Service",),
         present=("Your Zammad team",)),
    dict(name="znuny", file="znuny-closed.eml", general=preset("znuny"),
         want="survey", fields=dict(ticket="2024112310000012", agent=None,
                                    team="Postmaster", channel="email"),
         warn=("<OTRS_OWNER_UserLogin>",), present=("Regards",)),
    dict(name="otobo", file="otobo-closed.eml", general=preset("otobo"),
         want="survey", fields=dict(ticket="2024120110000034",
                                    agent="mmustermann", team="Raw",
                                    channel="phone", reason=None),
         warn=("<OTOBO_TICKET_DynamicField_Reason>",)),
    dict(name="osticket", file="osticket-closed.eml",
         general=preset("osticket"), want="survey",
         fields=dict(ticket="123456", agent="Jane Doe", team="Support",
                     channel="email")),
    dict(name="osticket-reply", file="osticket-reply-open.eml",
         general=preset("osticket"), want="none",
         present=("We are looking into it.",),
         stats={"outgoing.not_closing": 1}),
    dict(name="freescout", file="freescout-closed.eml",
         general=preset("freescout"), want="survey",
         fields=dict(ticket="123", agent="jdoe", team="Support"),
         keep_headers=("X-FreeScout-Mail-Type: customer.message",)),
    dict(name="freescout-reply", file="freescout-reply.eml",
         general=preset("freescout"), want="none",
         present=("we are checking",), stats={"outgoing.not_closing": 1}),
    dict(name="glpi", file="glpi-closed.eml", general=preset("glpi"),
         want="survey", fields=dict(ticket="42", agent="jdoe",
                                    team="Support N1", channel="web")),
    dict(name="redmine", file="redmine-closed.eml",
         general=preset("redmine"), want="survey",
         fields=dict(ticket="123", agent="jdoe", team="support"),
         keep_headers=("X-Redmine-Issue-Id: 123",),
         present=("Fixed in 2.4.1",)),
    dict(name="redmine-note", file="redmine-note.eml",
         general=preset("redmine"), want="none",
         present=("We reproduced it.",), stats={"outgoing.not_closing": 1}),
    dict(name="uvdesk", file="uvdesk-closed.eml", general=preset("uvdesk"),
         want="survey", fields=dict(ticket="77",
                                    agent="agent@uvdesk.example.com",
                                    team="Support", channel="web")),
    dict(name="zendesk", file="zendesk-solved.eml",
         general=preset("zendesk"), want="survey",
         fields=dict(ticket="4567", agent="Jane Doe", channel="web")),
    dict(name="freshdesk-optout", file="freshdesk-resolved.eml",
         general=preset("freshdesk"), want="optout",
         fields=dict(ticket="88", agent="Jane Doe", channel="web"),
         present=("is resolved.",)),
    # Once per ticket: on with a preset, or when asked; off otherwise.
    dict(name="zammad-twice", file="zammad-closed.eml",
         general=preset("zammad"), want="survey",
         fields=dict(ticket="31001"), twice="duplicate"),
    dict(name="once-asked", want="survey", twice="duplicate",
         sections="[rules]\nonce_per_ticket = yes\n",
         msg=H + "Subject: x\n\n[InsertSatisfactionEvaluation ticket=T9]\n",
         fields=dict(ticket="T9")),
    dict(name="once-off-by-default", want="survey", twice="survey",
         msg=H + "Subject: x\n\n[InsertSatisfactionEvaluation ticket=T9]\n",
         fields=dict(ticket="T9")),
    dict(name="once-off-with-preset", want="survey", twice="survey",
         general=preset("zammad"),
         sections="[rules]\nonce_per_ticket = no\n",
         msg=H + "Subject: x\n\n[InsertSatisfactionEvaluation ticket=T9]\n",
         fields=dict(ticket="T9")),
    # The recipient: the first To: address that the envelope has too.
    dict(name="to-header", want="survey",
         rcpts=("archive@example.com", "jane@example.org"),
         msg=H + "Subject: x\n\n[InsertSatisfactionEvaluation ticket=1]\n",
         fields=dict(recipient="jane@example.org"), to_header=True),
    dict(name="to-header-off", want="survey",
         rcpts=("archive@example.com", "jane@example.org"),
         msg=H + "Subject: x\n\n[InsertSatisfactionEvaluation ticket=1]\n",
         fields=dict(recipient="archive@example.com")),
    dict(name="to-header-none", want="not_eligible",
         rcpts=("archive@example.com",), to_header=True,
         msg=H + "Subject: x\n\n[InsertSatisfactionEvaluation ticket=1]\n",
         fields=dict(detail="to_header")),
    # Without the preset, the help desk's words stay its own and its
    # headers give nothing.
    dict(name="glpi-without-preset", file="glpi-closed.eml",
         want="survey", fields=dict(ticket="42", channel="Helpdesk")),
    dict(name="redmine-without-preset", file="redmine-closed.eml",
         want="survey", fields=dict(ticket=None, agent=None)),

    # The bare tag and X-NPS-* headers keep working; headers win over
    # the tag's attributes.
    dict(name="headers-win", want="survey",
         msg=H + "X-NPS-Ticket: H-1\nX-NPS-Agent: fromheader\n"
         "Subject: x\n\nHello\n[InsertSatisfactionEvaluation ticket=\"T-1\" "
         "agent=\"fromtag\" team=\"N1\"]\nBye\n",
         fields=dict(ticket="H-1", agent="fromheader", team="N1"),
         present=("Hello", "Bye")),
    # The agent's switch: a value that is neither on nor off.
    dict(name="switch-unknown", want="not_eligible",
         msg=H + "X-NPS-Agent: jdoe\nX-NPS-Ticket: 9\nSubject: x\n\n"
         "[InsertSatisfactionEvaluation survey=\"maybe\"]\n",
         fields=dict(agent="jdoe", ticket="9", detail="'maybe'")),
    dict(name="switch-configured-off", want="optout",
         sections="[rules]\nsurvey_off = nein, aus\n",
         msg=H + "Subject: x\n\n[InsertSatisfactionEvaluation ticket=4 "
         "agent=jdoe survey=Nein]\n",
         fields=dict(agent="jdoe", ticket="4", detail="'Nein'")),
    dict(name="switch-default-off-no-longer", want="not_eligible",
         sections="[rules]\nsurvey_off = nein\n",
         msg=H + "Subject: x\n\n[InsertSatisfactionEvaluation ticket=4 "
         "survey=off]\n", fields=dict(detail="'off'")),
    dict(name="switch-configured-on", want="survey",
         sections="[rules]\nsurvey_on = ja\n",
         msg=H + "Subject: x\n\n[InsertSatisfactionEvaluation ticket=5 "
         "survey=ja]\n", fields=dict(ticket="5")),
    # The marker the agent types: removed, no survey, an opt-out event.
    dict(name="marker-typed", want="optout",
         msg=H + "Subject: x\nContent-Type: text/html; charset=utf-8\n\n"
         "<p>Done. [NoSurvey]</p><p>[InsertSatisfactionEvaluation "
         "ticket=&quot;77&quot; agent=&quot;jdoe&quot;]</p>\n",
         fields=dict(agent="jdoe", ticket="77", detail="[NoSurvey]"),
         present=("Done.",)),
    dict(name="marker-configured", want="optout",
         sections="[rules]\noptout_marker = ##nosurvey##\n",
         msg=H + "X-NPS-Ticket: 8\nX-NPS-Agent: ann\nSubject: x\n\n"
         "Done ##nosurvey##\n[InsertSatisfactionEvaluation]\n",
         fields=dict(agent="ann", ticket="8"), absent=("##nosurvey##",),
         present=("Done",)),
    # Channels: the help desk's word through an alias, to one of ours or
    # of the config's own, an unknown one under its own name, or skipped.
    dict(name="channel-alias", want="survey",
         sections="[rules]\nchannel_aliases = E-Mail: email, Direct: phone\n",
         msg=H + "Subject: x\n\n[InsertSatisfactionEvaluation ticket=1 "
         "channel=Direct]\n", fields=dict(channel="phone")),
    dict(name="channel-defined-by-alias", want="survey",
         sections="[rules]\nchannel_aliases = Self Service: portal\n"
         "unknown_channel = skip\n[channel.Portal]\ntype = csat\n",
         msg=H + "Subject: x\n\n[InsertSatisfactionEvaluation ticket=1 "
         "channel=\"self service\"]\n", fields=dict(channel="portal")),
    dict(name="channel-defined-switched-off", want="not_eligible",
         sections="[channel.kiosk]\nenabled = no\n",
         msg=H + "Subject: x\n\n[InsertSatisfactionEvaluation ticket=1 "
         "channel=Kiosk]\n", fields=dict(channel="kiosk",
                                         detail="kiosk has surveys")),
    dict(name="channel-unknown-surveyed", want="survey",
         msg=H + "Subject: x\n\n[InsertSatisfactionEvaluation ticket=1 "
         "channel=Fax]\n", fields=dict(channel="Fax")),
    dict(name="channel-unknown-skipped", want="not_eligible",
         sections="[rules]\nunknown_channel = skip\n",
         msg=H + "Subject: x\n\n[InsertSatisfactionEvaluation ticket=1 "
         "channel=Fax]\n", fields=dict(channel="Fax", detail="'Fax'")),
    # A help desk whose one reply template carries the tag: only the
    # closing mail is surveyed, the others lose the tag quietly.
    dict(name="closing-status", want="survey",
         sections="[rules]\nclosing_statuses = Resolved, Closed\n",
         msg=H + "Subject: x\n\nBye\n[InsertSatisfactionEvaluation "
         "ticket=5 status=closed]\n", fields=dict(ticket="5"),
         stats={"outgoing.not_closing": 0}),
    dict(name="closing-status-open", want="none",
         sections="[rules]\nclosing_statuses = Resolved, Closed\n",
         msg=H + "Subject: x\n\nWe are on it.\n"
         "[InsertSatisfactionEvaluation ticket=5 agent=jdoe status=Open]\n",
         present=("We are on it.",), stats={"outgoing.not_closing": 1}),
    dict(name="closing-bare-tag-without-status", want="none",
         sections="[rules]\nclosing_statuses = Closed\n",
         msg=H + "Subject: x\n\nHi\n[InsertSatisfactionEvaluation]\n",
         stats={"outgoing.not_closing": 1}),
    dict(name="closing-pattern", want="survey",
         sections="[rules]\nclosing_pattern = Message-ID: /closed\\.\n",
         msg="From: a@example.com\nTo: jane@example.org\nMessage-Id: "
         "<GLPI_9f3a-Ticket-42/closed.1764755700.1@glpi.example>\n"
         "Subject: [GLPI #0000042] Closed\n\nDone\n"
         "[InsertSatisfactionEvaluation ticket=42]\n",
         fields=dict(ticket="42")),
    dict(name="closing-pattern-no-match", want="none",
         sections="[rules]\nclosing_pattern = Message-ID: /closed\\.\n",
         msg="From: a@example.com\nTo: jane@example.org\nMessage-Id: "
         "<GLPI_9f3a-Ticket-42/update.1764755700.1@glpi.example>\n"
         "Subject: [GLPI #0000042] Update\n\nDone\n"
         "[InsertSatisfactionEvaluation ticket=42]\n",
         stats={"outgoing.not_closing": 1}),
    dict(name="marker-without-tag-untouched", want="none",
         msg=H + "Subject: x\n\nDone [NoSurvey]\n", allow_tag_text=True,
         present=("[NoSurvey]",)),
]


def main():
    if not os.access(NPSGATE, os.X_OK):
        print("npsgate not built: %s" % NPSGATE, file=sys.stderr)
        return 99
    with tempfile.TemporaryDirectory(prefix="npsgate-helpdesk.") as d:
        with open(os.path.join(d, "imap.pass"), "w") as f:
            f.write("x\n")
        p = subprocess.run([NPSGATE, "keygen", "--key-file",
                            os.path.join(d, "keys")], capture_output=True)
        if p.returncode != 0:
            print("keygen: %s" % p.stderr.decode(), file=sys.stderr)
            return 99
        for case in CASES:
            check(d, case)
    if failures:
        print("%d failure(s)" % len(failures), file=sys.stderr)
        return 1
    print("helpdesk: %d cases" % len(CASES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
