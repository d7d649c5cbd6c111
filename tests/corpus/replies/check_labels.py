#!/usr/bin/env python3
"""Checks tests/corpus/replies/labels.tsv against the .eml files.

- header line and six tab-separated columns on every row;
- every .eml has exactly one label and every label names an existing file;
- kind, type and lang take their allowed values; score is - or an integer in
  the type's range (nps 0-10, csat 1-5, ces 1-7), and is - for every kind
  other than response; comment is - or non-empty text;
- every .eml parses with Python's email package (and its text parts decode);
- prints counts per kind, language, type and client.
Exit status 0 when everything holds, 1 otherwise.  Standard library only.
"""
import collections
import email
import email.policy
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KINDS = ("response", "autoreply", "bounce", "unsubscribe", "unmatched", "unparsed")
RANGES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
LANGS = ("fr", "en", "de", "es", "it", "nl", "pt", "pl", "sv", "da", "no", "fi", "cs",
         "ru", "tr", "ja", "zh", "vi")
HEADER = ["file", "kind", "score", "type", "lang", "comment"]
NAME_RE = re.compile(r"^\d{3}-[a-z0-9][a-z0-9-]*\.eml$")


def main():
    errors = []
    path = os.path.join(HERE, "labels.tsv")
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        print("labels.tsv is not UTF-8: %s" % e)
        return 1
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0].split("\t") != HEADER:
        errors.append("first line must be: " + "\\t".join(HEADER))
    labels = {}
    for no, line in enumerate(lines[1:], 2):
        cols = line.split("\t")
        if len(cols) != 6:
            errors.append("line %d: %d columns, want 6" % (no, len(cols)))
            continue
        f, kind, score, typ, lang, comment = cols
        where = "line %d (%s)" % (no, f)
        if not NAME_RE.match(f):
            errors.append("%s: file name not NNN-description.eml" % where)
        if f in labels:
            errors.append("%s: labelled twice" % where)
        if kind not in KINDS:
            errors.append("%s: bad kind %r" % (where, kind))
        if typ not in RANGES:
            errors.append("%s: bad type %r" % (where, typ))
        if lang not in LANGS:
            errors.append("%s: bad lang %r" % (where, lang))
        if score != "-":
            if not re.fullmatch(r"\d{1,2}", score):
                errors.append("%s: bad score %r" % (where, score))
            elif typ in RANGES:
                lo, hi = RANGES[typ]
                if not lo <= int(score) <= hi:
                    errors.append("%s: score %s out of range for %s" % (where, score, typ))
            if kind != "response":
                errors.append("%s: a %s carries no score" % (where, kind))
        if comment != "-" and (not comment.strip() or comment != comment.strip()):
            errors.append("%s: comment empty or not trimmed" % where)
        if kind != "response" and comment != "-":
            errors.append("%s: a %s carries no comment" % (where, kind))
        labels[f] = dict(kind=kind, score=score, type=typ, lang=lang, comment=comment)

    files = sorted(f for f in os.listdir(HERE) if f.endswith(".eml"))
    for f in files:
        if f not in labels:
            errors.append("%s: no label" % f)
    for f in labels:
        if f not in files:
            errors.append("%s: labelled but missing" % f)
    nums = [f[:3] for f in files]
    if len(set(nums)) != len(nums):
        errors.append("duplicate file numbers")

    for f in files:
        with open(os.path.join(HERE, f), "rb") as fh:
            data = fh.read()
        try:
            msg = email.message_from_bytes(data, policy=email.policy.default)
            for part in msg.walk():
                if part.get_content_maintype() == "text":
                    part.get_content()
        except Exception as e:  # noqa: any failure is a finding
            if labels.get(f, {}).get("kind") != "unparsed":
                errors.append("%s: does not parse: %s" % (f, e))
            continue
        if labels.get(f, {}).get("kind") not in (None, "unparsed"):
            if msg.defects and any("Missing" in type(d).__name__ for d in msg.defects):
                errors.append("%s: parse defects %s" % (f, msg.defects))
            if not msg["From"] and labels[f]["kind"] != "bounce":
                errors.append("%s: no From" % f)

    def count(key):
        return collections.Counter(v[key] for v in labels.values())
    print("files: %d, labels: %d" % (len(files), len(labels)))
    for key in ("kind", "lang", "type"):
        print("%-7s %s" % (key + ":", ", ".join("%s %d" % kv for kv in sorted(count(key).items()))))
    known = ("gmail-android", "gmail-ios", "outlook-android", "yahoo-android", "webmail-html", "gmail", "outlook", "owa",
             "iphone", "applemail", "thunderbird", "yahoo", "samsung", "roundcube", "mutt", "k9", "auto", "bounce",
             "spam", "unparsed")
    def client(f):
        rest = f.split("-", 1)[1]
        for k in known:
            if rest.startswith(k + "-"):
                return k
        return "other"
    clients = collections.Counter(client(f) for f in labels)
    print("client: %s" % ", ".join("%s %d" % kv for kv in sorted(clients.items())))
    scored = sum(1 for v in labels.values() if v["score"] != "-")
    nocom = sum(1 for v in labels.values() if v["kind"] == "response" and v["comment"] != "-")
    print("responses with a score: %d, responses with a comment: %d" % (scored, nocom))
    for e in errors:
        print("ERROR: " + e)
    print("OK" if not errors else "%d error(s)" % len(errors))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
