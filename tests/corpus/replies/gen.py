#!/usr/bin/env python3
"""Regenerates the labelled reply corpus (NNN-*.eml + labels.tsv).

Realistic samples of client output: each builder below reproduces the MIME
shape, headers, quoting, attribution and signature conventions of one mail
client.  Run from anywhere: python3 tests/corpus/replies/gen.py
"""
import base64
import os
import random
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
rnd = random.Random(20251103)

TOK = "nps+{{TOKEN}}@reply.example"

# ---------------------------------------------------------------- helpers

def qp_encode(text, charset="utf-8", maxlen=76):
    """Quoted-printable, never splitting a {{PLACEHOLDER}} or an =XX."""
    out_lines = []
    for line in text.split("\n"):
        units = []
        i = 0
        raw = line
        while i < len(raw):
            if raw.startswith("{{", i):
                j = raw.index("}}", i) + 2
                units.append(raw[i:j])
                i = j
                continue
            ch = raw[i]
            b = ch.encode(charset)
            if ch == "=" or ord(ch) > 126 or (ord(ch) < 32 and ch != "\t"):
                units.append("".join("=%02X" % x for x in b))
            else:
                units.append(ch)
            i += 1
        # trailing whitespace must be encoded
        if units and units[-1] in (" ", "\t"):
            units[-1] = "=%02X" % ord(units[-1])
        cur = ""
        for u in units:
            if len(cur) + len(u) > maxlen - 1:
                out_lines.append(cur + "=")
                cur = ""
            cur += u
        out_lines.append(cur)
    return "\n".join(out_lines)


def b64_encode(data, width=76):
    s = base64.b64encode(data).decode("ascii")
    return "\n".join(s[i:i + width] for i in range(0, len(s), width))


def encode_body(text, charset, cte):
    """Returns the transfer-encoded body as str (lines joined with \n)."""
    if cte == "base64":
        assert "{{" not in text, "placeholder inside base64"
        return b64_encode(text.replace("\n", "\r\n").encode(charset))
    if cte == "quoted-printable":
        return qp_encode(text, charset)
    return text  # 7bit / 8bit: encoded to charset at the end


def html_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def png_bytes(w=24, h=18, seed=1):
    r = random.Random(seed)
    raw = b""
    for y in range(h):
        raw += b"\x00"
        for x in range(w):
            base = 140 + r.randint(-25, 25)
            raw += bytes((min(255, base + 30), base, max(0, base - 60)))
    def chunk(t, d):
        c = struct.pack(">I", len(d)) + t + d
        return c + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def urand(n):
    return bytes(rnd.getrandbits(8) for _ in range(n))


def hexid(n):
    return "".join(rnd.choice("0123456789abcdef") for _ in range(n))


def alnum(n):
    return "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(n))

# ---------------------------------------------------------------- dates

FR_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
FR_DAYS_AB = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]
FR_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet",
             "août", "septembre", "octobre", "novembre", "décembre"]
FR_MONTHS_AB = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.",
                "août", "sept.", "oct.", "nov.", "déc."]
EN_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July",
             "August", "September", "October", "November", "December"]


class D:
    """A tiny date (2025, Oct-Dec) with weekday computed."""
    def __init__(self, y, m, d, hh, mm, ss=0):
        import datetime
        self.dt = datetime.datetime(y, m, d, hh, mm, ss)
    def add_min(self, n):
        import datetime
        x = D(2000, 1, 1, 0, 0)
        x.dt = self.dt + datetime.timedelta(minutes=n)
        return x
    @property
    def wd(self):
        return self.dt.weekday()
    def rfc(self, tz="+0100"):
        return "%s, %d %s %d %02d:%02d:%02d %s" % (
            EN_DAYS[self.wd][:3], self.dt.day, EN_MONTHS[self.dt.month - 1][:3],
            self.dt.year, self.dt.hour, self.dt.minute, self.dt.second, tz)
    def h12(self):
        h = self.dt.hour % 12 or 12
        return "%d:%02d %s" % (h, self.dt.minute, "AM" if self.dt.hour < 12 else "PM")
    def hm(self):
        return "%02d:%02d" % (self.dt.hour, self.dt.minute)


def rand_survey_date():
    m = rnd.choice([10, 11, 11, 12])
    d = rnd.randint(1, 28)
    return D(2025, m, d, rnd.randint(8, 18), rnd.randint(0, 59), rnd.randint(0, 59))

# ---------------------------------------------------------------- world

BRANDS = {
    "fr": [
        dict(name="Maison Lumière", dom="maison-lumiere.fr", svc="Service client Maison Lumière", sector="shop",
             subj="Livraison incomplète", agent="Julien"),
        dict(name="Banque Solvéa", dom="solvea-banque.fr", svc="Banque Solvéa - Relation client", sector="bank",
             subj="Opposition carte bancaire", agent="Nadia"),
        dict(name="Tellis Mobile", dom="tellis-mobile.fr", svc="Tellis Mobile Assistance", sector="telecom",
             subj="Coupure fibre", agent="Karim"),
        dict(name="Voyages Azur", dom="voyages-azur.fr", svc="Voyages Azur", sector="travel",
             subj="Modification de réservation", agent="Élodie"),
        dict(name="Atelier Bernard", dom="atelier-bernard.fr", svc="Atelier Bernard", sector="shop",
             subj="Retour article", agent="Sophie"),
        dict(name="Énergie Claire", dom="energie-claire.fr", svc="Énergie Claire - Service clients", sector="utility",
             subj="Relevé de compteur", agent="Thomas"),
    ],
    "en": [
        dict(name="Northwind Outfitters", dom="northwind-outfitters.com", svc="Northwind Outfitters Support", sector="shop",
             subj="Missing item in my order", agent="Megan"),
        dict(name="Harbor Bank", dom="harborbank.co.uk", svc="Harbor Bank Customer Care", sector="bank",
             subj="Card declined abroad", agent="Tom"),
        dict(name="Brightline Telecom", dom="brightline.net", svc="Brightline Support", sector="telecom",
             subj="Broadband outage", agent="Priya"),
        dict(name="Skyway Travel", dom="skywaytravel.com", svc="Skyway Travel", sector="travel",
             subj="Change of flight date", agent="Daniel"),
        dict(name="Pennyworth Books", dom="pennyworthbooks.co.uk", svc="Pennyworth Books", sector="shop",
             subj="Damaged parcel", agent="Olivia"),
    ],
}

PEOPLE = {
    "fr": [("Claire", "Dupont"), ("Jean-Marc", "Lefèvre"), ("Amélie", "Rousseau"), ("Karim", "Benali"),
           ("Sophie", "Marchand"), ("Hélène", "Girard"), ("Thierry", "Moreau"), ("Nathalie", "Petit"),
           ("François", "Lambert"), ("Inès", "Haddad"), ("Lucas", "Fontaine"), ("Céline", "Garnier"),
           ("Olivier", "Chevalier"), ("Maëlle", "Le Goff"), ("Pascal", "Roux"), ("Zoé", "Mercier"),
           ("Bernard", "Faure"), ("Aurélie", "Blanc"), ("Yannick", "Guérin"), ("Marion", "Perrin"),
           ("Rémi", "Caron"), ("Josiane", "Besson"), ("Mathieu", "Aubert"), ("Chloé", "Vidal")],
    "en": [("Emily", "Carter"), ("James", "O'Neill"), ("Sarah", "Whitfield"), ("Michael", "Brown"),
           ("Priya", "Shah"), ("David", "Kowalski"), ("Laura", "Jenkins"), ("Tom", "Harrington"),
           ("Rachel", "Green"), ("Chris", "Morgan"), ("Aisha", "Okafor"), ("Ben", "Taylor"),
           ("Hannah", "Lewis"), ("Mark", "Davies"), ("Grace", "Liu"), ("Peter", "Walsh"),
           ("Sophie", "Turner"), ("Daniel", "Reyes"), ("Megan", "Price"), ("Oliver", "Hughes")],
}

MAILDOMS = {
    "gmail": ["gmail.com"], "outlook": ["outlook.fr", "hotmail.fr", "live.fr", "outlook.com", "hotmail.com"],
    "apple": ["icloud.com", "me.com"], "yahoo": ["yahoo.fr", "yahoo.com", "yahoo.co.uk"],
    "isp_fr": ["orange.fr", "wanadoo.fr", "free.fr", "sfr.fr", "laposte.net", "bbox.fr"],
    "isp_en": ["btinternet.com", "sky.com", "comcast.net", "virginmedia.com"],
    "corp_fr": ["groupe-vernier.fr", "cabinet-roussel.fr", "mairie-saint-aubin.fr", "lycee-jean-moulin.fr"],
    "corp_en": ["acme-logistics.co.uk", "brookfield-partners.com", "riverside-clinic.org"],
}

def strip_accents(s):
    import unicodedata
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")

def person(lang, domkind):
    first, last = rnd.choice(PEOPLE[lang])
    dom = rnd.choice(MAILDOMS[domkind])
    f = strip_accents(first).lower().replace("'", "")
    l = strip_accents(last).lower().replace("'", "").replace(" ", "")
    local = rnd.choice(["%s.%s" % (f, l), "%s%s" % (f[0], l), "%s.%s%d" % (f, l, rnd.randint(1, 99)),
                        "%s_%s" % (f, l)])
    return dict(first=first, last=last, name="%s %s" % (first, last), email="%s@%s" % (local, dom))


def ticket_no():
    return str(rnd.randint(10000, 99999))

# ---------------------------------------------------------------- survey text

def survey_text(lang, typ, brand, cust, ticket):
    if lang == "fr":
        q = {
            "nps": "Sur une échelle de 0 à 10, quelle est la probabilité que vous recommandiez %s à un proche ?" % brand["name"],
            "csat": "Êtes-vous satisfait(e) du traitement de votre demande ? Notez-nous de 1 (pas du tout satisfait) à 5 (très satisfait).",
            "ces": "Sur une échelle de 1 (très difficile) à 7 (très facile), a-t-il été facile d'obtenir une réponse à votre demande ?",
        }[typ]
        scale = {"nps": "0 - 1 - 2 - 3 - 4 - 5 - 6 - 7 - 8 - 9 - 10", "csat": "1 - 2 - 3 - 4 - 5",
                 "ces": "1 - 2 - 3 - 4 - 5 - 6 - 7"}[typ]
        return [
            "Bonjour %s," % cust["first"], "",
            "Votre demande n° %s « %s » a été clôturée par %s." % (ticket, brand["subj"], brand["agent"]), "",
            q, "", scale, "",
            "Répondez simplement à ce message avec votre note et, si vous le souhaitez, un commentaire.", "",
            "Vos réponses servent uniquement à améliorer nos services. Politique de confidentialité : https://www.%s/confidentialite" % brand["dom"],
            "", "L'équipe %s" % brand["name"],
        ]
    q = {
        "nps": "On a scale of 0 to 10, how likely are you to recommend %s to a friend or colleague?" % brand["name"],
        "csat": "How satisfied are you with the way we handled your request? Rate us from 1 (very dissatisfied) to 5 (very satisfied).",
        "ces": "On a scale of 1 (very difficult) to 7 (very easy), how easy was it to get your issue resolved?",
    }[typ]
    scale = {"nps": "0 - 1 - 2 - 3 - 4 - 5 - 6 - 7 - 8 - 9 - 10", "csat": "1 - 2 - 3 - 4 - 5",
             "ces": "1 - 2 - 3 - 4 - 5 - 6 - 7"}[typ]
    return [
        "Hi %s," % cust["first"], "",
        "Your request #%s \"%s\" has been closed by %s." % (ticket, brand["subj"], brand["agent"]), "",
        q, "", scale, "",
        "Just reply to this email with your score and, if you like, a comment.", "",
        "We only use your answers to improve our service. Privacy policy: https://www.%s/privacy" % brand["dom"],
        "", "The %s team" % brand["name"],
    ]


def survey_subject(lang, brand, ticket):
    if lang == "fr":
        return rnd.choice(["Votre avis sur notre service - demande n° %s",
                           "Votre demande n° %s est clôturée : votre avis compte",
                           "%s : comment s'est passé votre échange ?" % brand["name"] + " (n° %s)"]) % ticket
    return rnd.choice(["How did we do? Request #%s", "Your request #%s is closed - tell us how we did",
                       "Quick question about request #%s"]) % ticket


def survey_html(lines, tokenised=True):
    """Simplified HTML rendering of the survey, as quoted by HTML clients."""
    out = []
    for l in lines:
        if not l:
            continue
        if l.startswith("0 - 1") or l.startswith("1 - 2"):
            cells = []
            for n in l.split(" - "):
                href = ("mailto:%s?subject=Re%%3A%%20Note%%20%%3A%%20%s" % (TOK, n)) if tokenised else "#"
                cells.append('<td style="padding:4px"><a href="%s" style="color:#1a73e8">%s</a></td>' % (href, n))
            out.append('<table role="presentation"><tr>%s</tr></table>' % "".join(cells))
        else:
            out.append("<p>%s</p>" % html_escape(l))
    return "\n".join(out)

# ---------------------------------------------------------------- MIME assembly

def hdr_word(s, charset="UTF-8", mode="Q"):
    """RFC 2047 encoded word when s is not ASCII."""
    try:
        s.encode("ascii")
        return s
    except UnicodeEncodeError:
        pass
    if mode == "B":
        return "=?%s?B?%s?=" % (charset, base64.b64encode(s.encode(charset)).decode())
    enc = ""
    for ch in s:
        if ch == " ":
            enc += "_"
        elif ord(ch) < 127 and (ch.isalnum() or ch in "-!*+/.,"):
            enc += ch
        else:
            enc += "".join("=%02X" % b for b in ch.encode(charset))
    return "=?%s?Q?%s?=" % (charset, enc)


def addr(name, email, charset="UTF-8", mode="Q", quote=False):
    if not name:
        return email
    n = hdr_word(name, charset, mode)
    if n == name and (quote or any(c in name for c in ",.()'")):
        n = '"%s"' % name
    return "%s <%s>" % (n, email)


def text_part(text, charset="utf-8", cte="quoted-printable", subtype="plain", params="", cs_label=None):
    cs = cs_label or charset
    h = "Content-Type: text/%s; charset=\"%s\"%s\n" % (subtype, cs, params)
    if cte:
        h += "Content-Transfer-Encoding: %s\n" % cte
    body = encode_body(text, charset, cte)
    return h.encode("ascii") + b"\n" + body.encode(charset if cte in ("8bit", None, "7bit") else "ascii") + b"\n"


def multipart(subtype, boundary, parts, params=""):
    out = ("Content-Type: multipart/%s; boundary=\"%s\"%s\n\n" % (subtype, boundary, params)).encode()
    for p in parts:
        out += ("--%s\n" % boundary).encode() + p
    out += ("--%s--\n" % boundary).encode()
    return out


def attach_part(filename, data, ctype, inline=False, cid=None):
    h = "Content-Type: %s; name=\"%s\"\n" % (ctype, filename)
    h += "Content-Disposition: %s; filename=\"%s\"\n" % ("inline" if inline else "attachment", filename)
    h += "Content-Transfer-Encoding: base64\n"
    if cid:
        h += "Content-ID: <%s>\nX-Attachment-Id: %s\n" % (cid, cid.split("@")[0])
    return h.encode() + b"\n" + b64_encode(data).encode() + b"\n"


def finish(headers, body_with_ctype, eol="\r\n"):
    """headers: list of (name, value); body_with_ctype: bytes starting with
    the top-level Content-Type lines, then blank line, then body."""
    h = ""
    for k, v in headers:
        if v is None:
            continue
        h += "%s: %s\n" % (k, v)
    raw = h.encode("utf-8") + body_with_ctype
    raw = raw.replace(b"\r\n", b"\n")
    if eol == "\r\n":
        raw = raw.replace(b"\n", b"\r\n")
    return raw


def received(spec, helo, ip, via="ESMTPS"):
    rcpt = spec["rcpt"]
    d = spec["rdate"].add_min(0).rfc(spec.get("tz", "+0100"))
    return ("from %s (%s [%s])\n\tby mx1.reply.example (Postfix) with %s id %s\n\tfor <%s>; %s"
            % (helo, helo, ip, via, alnum(11), rcpt, d))


def dkim(dom, sel):
    return ("v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=%s; t=17%s;\n"
            "\th=to:subject:message-id:date:from:in-reply-to:references:mime-version;\n"
            "\tbh=%s=;\n\tb=%s..." % (dom, sel, "".join(rnd.choice("0123456789") for _ in range(8)),
                                     base64.b64encode(urand(30)).decode()[:43],
                                     base64.b64encode(urand(45)).decode()))


def std_headers(spec, msgid, mailer_hdr=None, helo=("mail-ej1-f41.google.com", "209.85.218.41"),
                from_charset="UTF-8", from_mode="Q", subj_charset="UTF-8", subj_mode="Q", extra=()):
    c = spec["cust"]
    h = [("Return-Path", "<%s>" % c["email"])]
    if spec.get("delivered_to", True):
        h.append(("Delivered-To", spec["rcpt"]))
    h.append(("Received", received(spec, helo[0], helo[1])))
    dom = c["email"].split("@")[1]
    if spec.get("dkim", True):
        h.append(("DKIM-Signature", dkim(dom, rnd.choice(["20230601", "selector1", "s2048", "default"]))))
    h += list(extra)
    h.append(("MIME-Version", "1.0"))
    h.append(("From", addr(c["name"], c["email"], from_charset, from_mode)))
    h.append(("Date", spec["rdate"].rfc(spec.get("tz", "+0100"))))
    h.append(("Message-ID", "<%s>" % msgid))
    if spec.get("irt", True) and spec.get("irt_id"):
        h.append(("In-Reply-To", "<%s>" % spec["irt_id"]))
        h.append(("References", "<%s>" % spec["irt_id"]))
    h.append(("Subject", hdr_word(spec["subject"], subj_charset, subj_mode)))
    h.append(("To", spec["to_hdr"]))
    if spec.get("cc"):
        h.append(("Cc", spec["cc"]))
    if mailer_hdr:
        h.append(mailer_hdr)
    h += list(spec.get("more_headers", ()))
    return h

# ---------------------------------------------------------------- attributions

def attr_line(style, lang, sd, sname, saddr):
    d = sd.dt
    if style == "gmail":
        if lang == "fr":
            return "Le %s %d %s %d à %s, %s <%s> a écrit :" % (FR_DAYS_AB[sd.wd], d.day, FR_MONTHS_AB[d.month - 1], d.year, sd.hm(), sname, saddr)
        sp = rnd.choice(["\u202f", " "])
        return "On %s, %s %d, %d at %s%s%s %s <%s> wrote:" % (EN_DAYS[sd.wd][:3], EN_MONTHS[d.month - 1][:3], d.day, d.year,
                                                          sd.h12().split()[0], sp, sd.h12().split()[1], sname, saddr)
    if style == "gmail_mobile":
        if lang == "fr":
            return "Le %s %d %s %d, %s, %s <%s> a écrit :" % (FR_DAYS_AB[sd.wd], d.day, FR_MONTHS_AB[d.month - 1], d.year, sd.hm(), sname, saddr)
        return "On %s, %s %d, %d, %s %s <%s> wrote:" % (EN_DAYS[sd.wd][:3], EN_MONTHS[d.month - 1][:3], d.day, d.year, sd.h12(), sname, saddr)
    if style == "apple":
        if lang == "fr":
            return "Le %d %s %d à %s, %s <%s> a écrit :" % (d.day, FR_MONTHS_AB[d.month - 1], d.year, sd.hm(), sname, saddr)
        return "On %s %d, %d, at %s, %s <%s> wrote:" % (EN_MONTHS[d.month - 1][:3], d.day, d.year, sd.h12(), sname, saddr)
    if style == "thunderbird":
        if lang == "fr":
            return "Le %02d/%02d/%d à %s, %s a écrit :" % (d.day, d.month, d.year, sd.hm(), sname)
        return "On %d/%d/%02d %s, %s wrote:" % (d.month, d.day, d.year % 100, sd.h12(), sname)
    if style == "yahoo":
        if lang == "fr":
            return "Le %s %d %s %d à %s:%02d UTC+1, %s <%s> a écrit :" % (FR_DAYS[sd.wd], d.day, FR_MONTHS[d.month - 1], d.year, sd.hm(), d.second, sname, saddr)
        return "On %s, %s %d, %d at %s GMT, %s <%s> wrote:" % (EN_DAYS[sd.wd], EN_MONTHS[d.month - 1], d.day, d.year,
                                                            sd.h12().replace(" ", ":%02d " % d.second), sname, saddr)
    if style == "k9":
        if lang == "fr":
            return "Le %d %s %d %s:%02d GMT+01:00, %s <%s> a écrit :" % (d.day, FR_MONTHS[d.month - 1], d.year, sd.hm(), d.second, sname, saddr)
        return "On %d %s %d %s:%02d GMT+00:00, %s <%s> wrote:" % (d.day, EN_MONTHS[d.month - 1], d.year, sd.hm(), d.second, sname, saddr)
    if style == "roundcube":
        if lang == "fr":
            return "Le %d-%02d-%02d %s, %s a écrit :" % (d.year, d.month, d.day, sd.hm(), sname)
        return "On %d-%02d-%02d %s, %s wrote:" % (d.year, d.month, d.day, sd.hm(), sname)
    if style == "mutt":
        return "On %s, %s %02d, %d at %s:%02d%s +0100, %s wrote:" % (EN_DAYS[sd.wd][:3], EN_MONTHS[d.month - 1][:3], d.day, d.year,
                                                              sd.h12().split()[0], d.second, sd.h12().split()[1], sname)
    raise ValueError(style)


def outlook_block(lang, sd, sname, saddr, cust, subject, old=False, date_style="long"):
    d = sd.dt
    if lang == "fr":
        sent = "%s %d %s %d %s" % (FR_DAYS[sd.wd], d.day, FR_MONTHS[d.month - 1], d.year, sd.hm())
        lines = ["De : %s <%s>" % (sname, saddr), "Envoyé : %s" % sent,
                 "À : %s <%s>" % (cust["name"], cust["email"]), "Objet : %s" % subject]
        if old:
            lines = ["-----Message d'origine-----"] + lines
    else:
        sent = "%s, %s %d, %d %s" % (EN_DAYS[sd.wd], EN_MONTHS[d.month - 1], d.day, d.year, sd.h12())
        lines = ["From: %s <%s>" % (sname, saddr), "Sent: %s" % sent,
                 "To: %s <%s>" % (cust["name"], cust["email"]), "Subject: %s" % subject]
        if old:
            lines = ["-----Original Message-----"] + lines
    return lines

# ---------------------------------------------------------------- text layout

def qlines(lines, prefix="> ", blank=">"):
    return [(prefix + l) if l else blank for l in lines]


def layout_plain(spec, attr, quoted, sig_lines, sig_before_quote=True):
    """Plain-text body from the customer's own text, signature and quote."""
    own = spec["own"].split("\n")
    sig = sig_lines or []
    post = spec.get("posting", "top")
    if post == "top":
        body = own + ([""] + sig if sig else []) + ["", attr] + ([""] if spec.get("attr_gap", True) else []) + quoted
    elif post == "bottom":
        body = [attr] + quoted + [""] + own + ([""] + sig if sig else [])
    else:  # inline: answer right under the quoted question
        cut = spec.get("inline_cut", 7)
        body = [attr] + quoted[:cut] + [""] + own + [""] + quoted[cut:]
        if spec.get("own2"):
            body += [""] + spec["own2"].split("\n")
        body += ([""] + sig if sig else [])
    return "\n".join(body) + "\n"


def own_html(text, tag="div", attrs=' dir="ltr"', br_blank=True):
    out = []
    for l in text.split("\n"):
        if l.strip():
            out.append("<%s%s>%s</%s>" % (tag, attrs, html_escape(l), tag))
        elif br_blank:
            out.append("<%s%s><br></%s>" % (tag, attrs, tag))
    return "".join(out)


def flow(text, width=72):
    """format=flowed: wrap long lines with a trailing space on soft breaks."""
    out = []
    for line in text.split("\n"):
        if len(line) <= width or line.startswith(">"):
            out.append(line)
            continue
        words = line.split(" ")
        cur = ""
        for w in words:
            if cur and len(cur) + len(w) + 1 > width:
                out.append(cur + " ")
                cur = w
            else:
                cur = (cur + " " + w) if cur else w
        out.append(cur)
    return "\n".join(out)


def smart(s):
    return s.replace("'", "\u2019")

# ---------------------------------------------------------------- clients

def c_gmail(spec, mobile=False):
    lang = spec["lang"]
    sname, saddr = spec["survey_from"]
    attr = attr_line("gmail_mobile" if mobile else "gmail", lang, spec["sdate"], sname, saddr)
    sv = spec["survey_lines"]
    sig = spec.get("sig")
    sig_lines = (["-- "] + sig.split("\n")) if sig else []
    plain = layout_plain(spec, attr, qlines(sv), sig_lines)
    dirattr = ' dir="auto"' if mobile else ""
    own = own_html(spec["own"], "div", dirattr)
    sig_html = ('<br clear="all"><div><br></div><span class="gmail_signature_prefix">-- </span><br><div dir="ltr" class="gmail_signature">%s</div>'
                % "<br>".join(html_escape(x) for x in sig.split("\n"))) if sig else ""
    quote = ('<div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">%s<br></div>'
             '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">%s</blockquote></div>'
             % (html_escape(attr).replace(" :", "&nbsp;:"), survey_html(sv, spec.get("tok_links", True))))
    if spec.get("posting") == "bottom":
        html = '<div dir="ltr"><br></div>%s<div%s><br></div><div%s>%s</div>%s\n' % (quote, dirattr, dirattr, own, sig_html)
    else:
        html = '<div dir="%s">%s%s</div><br>%s\n' % ("auto" if mobile else "ltr", own, sig_html, quote)
    cte = spec.get("cte", "quoted-printable")
    if cte == "quoted-printable" and all(ord(c) < 127 for c in plain + html) and max(len(x) for x in (plain + html).split("\n")) < 76:
        cte = None
    b = "000000000000" + hexid(16)
    alt = multipart("alternative", b, [text_part(plain, "utf-8", cte, cs_label="UTF-8"),
                                       text_part(html, "utf-8", cte, "html", cs_label="UTF-8")])
    if spec.get("attach"):
        fn, data, ct = spec["attach"]
        alt = multipart("mixed", "000000000000" + hexid(16),
                        [alt, attach_part(fn, data, ct, cid="f_" + hexid(8).lower() + "0")])
    msgid = "CA%s%s@mail.gmail.com" % (alnum(1), base64.b64encode(urand(33)).decode().replace("/", "_").replace("+", "-")[:44])
    h = std_headers(spec, msgid, extra=[("X-Gm-Message-State", "AOJu0Yw" + alnum(40))])
    return finish(h, alt, spec.get("eol", "\r\n"))


def c_outlook_desktop(spec):
    lang = spec["lang"]
    sname, saddr = spec["survey_from"]
    cs = spec.get("charset", "windows-1252")
    block = outlook_block(lang, spec["sdate"], sname, saddr, spec["cust"], spec["survey_subject"], old=spec.get("old", False))
    sig = spec.get("sig")
    sig_lines = sig.split("\n") if sig else []
    disc = spec.get("disclaimer")
    body = spec["own"].split("\n") + ([""] + sig_lines if sig_lines else []) + ([""] + disc.split("\n") if disc else [])
    if spec.get("old"):
        body += ["", ""] + block + [""] + spec["survey_lines"]
    else:
        body += ["", ""] + block + [""] + spec["survey_lines"]
    plain = "\n".join(body) + "\n"
    def p(l):
        return '<p class="MsoNormal">%s<o:p></o:p></p>' % (html_escape(l) if l.strip() else "<o:p>&nbsp;</o:p>")
    own_h = "\n".join(p(l) for l in spec["own"].split("\n"))
    sig_h = ("\n" + p("") + "\n" + "\n".join(p(l) for l in sig_lines)) if sig_lines else ""
    disc_h = ('\n<p class="MsoNormal"><span style="font-size:8.0pt;color:gray">%s<o:p></o:p></span></p>' % html_escape(disc.replace("\n", " "))) if disc else ""
    bl = [l.split(" : ", 1) if lang == "fr" else l.split(": ", 1) for l in block if not l.startswith("-----")]
    colon = "&nbsp;:" if lang == "fr" else ":"
    hb = "<br>\n".join("<b>%s%s</b> %s" % (html_escape(k), colon, html_escape(v)) for k, v in bl)
    html = ('<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" '
            'xmlns="http://www.w3.org/TR/REC-html40">\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=%s">\n'
            '<meta name="Generator" content="Microsoft Word 15 (filtered medium)">\n<style><!--\n/* Font Definitions */\n'
            '@font-face\n\t{font-family:"Cambria Math";\n\tpanose-1:2 4 5 3 5 4 6 3 2 4;}\n@font-face\n\t{font-family:Aptos;}\n'
            '/* Style Definitions */\np.MsoNormal, li.MsoNormal, div.MsoNormal\n\t{margin:0cm;\n\tfont-size:12.0pt;\n\tfont-family:"Aptos",sans-serif;\n\tmso-ligatures:standardcontextual;}\n'
            'a:link, span.MsoHyperlink\n\t{mso-style-priority:99;\n\tcolor:#467886;\n\ttext-decoration:underline;}\nspan.EmailStyle19\n\t{mso-style-type:personal-reply;\n\tfont-family:"Aptos",sans-serif;\n\tcolor:windowtext;}\n'
            '.MsoChpDefault\n\t{mso-style-type:export-only;\n\tfont-size:10.0pt;\n\tmso-ligatures:none;}\n@page WordSection1\n\t{size:612.0pt 792.0pt;\n\tmargin:70.85pt 70.85pt 70.85pt 70.85pt;}\n'
            'div.WordSection1\n\t{page:WordSection1;}\n--></style><!--[if gte mso 9]><xml>\n<o:shapedefaults v:ext="edit" spidmax="1026" />\n</xml><![endif]--><!--[if gte mso 9]><xml>\n'
            '<o:shapelayout v:ext="edit">\n<o:idmap v:ext="edit" data="1" />\n</o:shapelayout></xml><![endif]-->\n</head>\n'
            '<body lang="%s" link="#467886" vlink="#96607D" style="word-wrap:break-word">\n<div class="WordSection1">\n%s%s%s\n'
            '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n<div>\n<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">\n'
            '<p class="MsoNormal"><b><span lang="%s" style="font-size:11.0pt;font-family:&quot;Calibri&quot;,sans-serif">%s<o:p></o:p></span></p>\n</div>\n</div>\n'
            '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n%s\n</div>\n</body>\n</html>\n'
            % (cs, "FR" if lang == "fr" else "EN-GB", own_h, sig_h, disc_h, "FR" if lang == "fr" else "EN-US", hb,
               "\n".join(p(l) for l in spec["survey_lines"])))
    b = "_000_%s_" % alnum(40)
    parts = [text_part(plain, cs, "quoted-printable", cs_label=cs if cs != "utf-8" else "utf-8"),
             text_part(html, cs, "quoted-printable", "html", cs_label=cs)]
    top = multipart("alternative", b, parts)
    if spec.get("attach"):
        fn, data, ct = spec["attach"]
        top = multipart("mixed", "_004_%s_" % alnum(40), [top, attach_part(fn, data, ct)])
    if spec.get("exch_corp"):
        dom = spec["cust"]["email"].split("@")[1]
        msgid = "%s@EXCH%02d.%s" % (alnum(32), rnd.randint(1, 4), dom.split(".")[0] + ".local")
    else:
        pod = rnd.choice(["PAXPR08MB", "AM0PR02MB", "DB9PR10MB", "PR3P192MB", "MRZP264MB"]) + str(rnd.randint(1000, 9999))
        msgid = "%s%s@%s.%s.PROD.OUTLOOK.COM" % (pod, alnum(12), pod, rnd.choice(["eurprd08", "EURP192", "FRAP264"]))
    ti = base64.b64encode(urand(22)).decode()
    extra = [("Thread-Topic", hdr_word(spec["survey_subject"])), ("Thread-Index", "AQH" + ti),
             ("Accept-Language", "fr-FR, en-US" if lang == "fr" else "en-GB, en-US"),
             ("Content-Language", "fr-FR" if lang == "fr" else "en-GB"),
             ("X-MS-Has-Attach", "yes" if spec.get("attach") else ""), ("X-MS-TNEF-Correlator", "")]
    mailer = ("X-Mailer", "Microsoft Outlook 16.0") if spec.get("x_mailer", True) else None
    h = std_headers(spec, msgid, mailer, helo=("EUR05-DB8-obe.outbound.protection.outlook.com", "40.92.89.%d" % rnd.randint(10, 99)),
                    subj_charset="iso-8859-1" if cs != "utf-8" else "utf-8", extra=extra)
    return finish(h, top, "\r\n")


def c_outlook_web(spec, android=False):
    lang = spec["lang"]
    sname, saddr = spec["survey_from"]
    block = outlook_block(lang, spec["sdate"], sname, saddr, spec["cust"], spec["survey_subject"])
    sig = spec.get("sig")
    sig_lines = sig.split("\n") if sig else []
    if android:
        sig_lines = ["Get Outlook for Android<https://aka.ms/AAb9ysg>" if lang == "en" else
                     "Obtenir Outlook pour Android<https://aka.ms/AAb9ysg>"]
    body = spec["own"].split("\n") + ([""] + sig_lines if sig_lines else []) + \
        ["", "________________________________"] + block + [""] + spec["survey_lines"]
    plain = "\n".join(body) + "\n"
    own_h = "".join('<div class="elementToProof" style="font-family: Aptos, Aptos_EmbeddedFont, Aptos_MSFontService, Calibri, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">%s</div>'
                    % (html_escape(l) if l.strip() else "<br>") for l in spec["own"].split("\n"))
    if android:
        own_h = '<div dir="auto">%s</div><div dir="auto"><br></div><div id="ms-outlook-mobile-signature" dir="auto"><div dir="auto">%s</div></div>' % (
            "<br>".join(html_escape(l) for l in spec["own"].split("\n")),
            'Get <a href="https://aka.ms/AAb9ysg">Outlook for Android</a>' if lang == "en" else 'Obtenir <a href="https://aka.ms/AAb9ysg">Outlook pour Android</a>')
    elif sig_lines:
        own_h += '<div class="elementToProof"><br></div><div id="Signature">%s</div>' % "<br>".join(html_escape(l) for l in sig_lines)
    bl = [l.split(" : ", 1) if lang == "fr" else l.split(": ", 1) for l in block]
    colon = " :" if lang == "fr" else ":"
    hb = "<br>".join("<b>%s%s</b> %s" % (html_escape(k), colon, html_escape(v)) for k, v in bl)
    html = ('<html><head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
            '<style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} </style>\n</head>\n<body dir="ltr">\n%s\n'
            '<div id="appendonsend"></div>\n<hr style="display:inline-block;width:98%%" tabindex="-1">\n'
            '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">%s</font>\n<div>&nbsp;</div>\n</div>\n'
            '<div>%s</div>\n</body>\n</html>\n' % (own_h, hb, survey_html(spec["survey_lines"], spec.get("tok_links", True))))
    b = "_000_%s_" % alnum(40)
    top = multipart("alternative", b, [text_part(plain, "utf-8", "quoted-printable", cs_label="utf-8"),
                                       text_part(html, "utf-8", "quoted-printable", "html", cs_label="utf-8")])
    if spec.get("attach"):
        fn, data, ct = spec["attach"]
        top = multipart("mixed", "_004_%s_" % alnum(40), [top, attach_part(fn, data, ct)])
    pod = rnd.choice(["AS8PR07MB", "VI1PR04MB", "DU0PR02MB", "PA4PR10MB"]) + str(rnd.randint(1000, 9999))
    msgid = "%s%s@%s.eurprd07.prod.outlook.com" % (pod, alnum(12), pod)
    extra = [("Thread-Topic", hdr_word(spec["survey_subject"])), ("Thread-Index", "AQH" + base64.b64encode(urand(22)).decode()),
             ("Accept-Language", "fr-FR, en-US" if lang == "fr" else "en-US"),
             ("Content-Language", "fr-FR" if lang == "fr" else "en-US"),
             ("X-MS-Has-Attach", "yes" if spec.get("attach") else ""), ("X-MS-TNEF-Correlator", "")]
    h = std_headers(spec, msgid, None, helo=("EUR03-AM7-obe.outbound.protection.outlook.com", "52.100.%d.%d" % (rnd.randint(1, 200), rnd.randint(1, 200))),
                    extra=extra)
    return finish(h, top, "\r\n")


def c_iphone(spec):
    lang = spec["lang"]
    sname, saddr = spec["survey_from"]
    attr = attr_line("apple", lang, spec["sdate"], sname, saddr)
    sig = spec.get("sig", None)
    if sig is None:
        sig = rnd.choice(["Envoyé de mon iPhone", "Envoyé de mon iPhone"]) if lang == "fr" else "Sent from my iPhone"
    sv = spec["survey_lines"]
    own = spec["own"].split("\n")
    lines = own + ([""] + sig.split("\n") if sig else []) + ["", "> " + attr, "> "] + ["> " + l for l in sv]
    plain = "\n".join(lines) + "\n"
    cte = spec.get("cte", "quoted-printable")
    if spec.get("html"):
        bq = ('<blockquote type="cite">%s&nbsp;:<br><br></blockquote>' % html_escape(attr[:-2])) if lang == "fr" else \
             '<blockquote type="cite">%s<br><br></blockquote>' % html_escape(attr)
        html = ('<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body dir="auto">%s'
                '<div dir="ltr"><br><div dir="ltr">%s</div><div dir="ltr"><br>%s</div><blockquote type="cite"><div dir="ltr">%s</div></blockquote></div></body></html>\n'
                % (own_html(spec["own"]), html_escape(sig), bq, survey_html(sv, False)))
        b = "Apple-Mail-%s-%s-%s-%s-%s" % (alnum(8), alnum(4), alnum(4), alnum(4), alnum(12))
        parts = [text_part(plain, "utf-8", cte, cs_label="utf-8"), text_part(html, "utf-8", cte, "html", cs_label="utf-8")]
        top = multipart("alternative", b, parts)
    else:
        top = text_part(plain, "utf-8", cte, cs_label="utf-8")
    if spec.get("attach"):
        fn, data, ct = spec["attach"]
        top = multipart("mixed", "Apple-Mail-%s-%s-%s-%s-%s" % (alnum(8), alnum(4), alnum(4), alnum(4), alnum(12)),
                        [top, attach_part(fn, data, ct, inline=True)])
    msgid = "%s-%s-%s-%s-%s@%s" % (alnum(8), alnum(4), alnum(4), alnum(4), alnum(12), spec["cust"]["email"].split("@")[1])
    h = std_headers(spec, msgid, ("X-Mailer", "iPhone Mail (%s)" % rnd.choice(["22B83", "21H16", "22C152", "23A341"])),
                    helo=("st43p00im-ztdg10073201.me.com", "17.58.63.%d" % rnd.randint(170, 190)))
    h = [(k, "1.0 (1.0)" if k == "MIME-Version" else v) for k, v in h]
    return finish(h, top, spec.get("eol", "\r\n"))


def c_apple_mail(spec):
    lang = spec["lang"]
    sname, saddr = spec["survey_from"]
    attr = attr_line("apple", lang, spec["sdate"], sname, saddr)
    sv = spec["survey_lines"]
    sig = spec.get("sig")
    sig_lines = sig.split("\n") if sig else []
    plain = layout_plain(spec, attr, qlines(sv, "> ", ">"), sig_lines)
    if spec.get("posting") == "top":
        plain = plain.replace("\n" + attr + "\n\n", "\n" + attr + "\n", 1)
    b = "Apple-Mail=_%s-%s-%s-%s-%s" % (alnum(8), alnum(4), alnum(4), alnum(4), alnum(12))
    own_h = own_html(spec["own"], "div", "")
    sigh = ("<div><br></div><div>%s</div>" % "<br>".join(html_escape(x) for x in sig_lines)) if sig_lines else ""
    q = ('<div><br><blockquote type="cite"><div>%s</div><br class="Apple-interchange-newline"><div>%s</div></blockquote></div>'
         % (html_escape(attr), survey_html(sv, spec.get("tok_links", True))))
    body_h = (own_h + sigh + "<br>" + q) if spec.get("posting", "top") == "top" else (q + "<br>" + own_h + sigh)
    html = ('<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
            '<body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">%s</body></html>\n' % body_h)
    cte = spec.get("cte", "quoted-printable")
    top = multipart("alternative", b, [text_part(plain, "utf-8", cte, cs_label="utf-8"),
                                       text_part(html, "utf-8", cte, "html", cs_label="utf-8")])
    msgid = "%s-%s-%s-%s-%s@%s" % (alnum(8), alnum(4), alnum(4), alnum(4), alnum(12), spec["cust"]["email"].split("@")[1])
    h = std_headers(spec, msgid, ("X-Mailer", "Apple Mail (2.%s)" % rnd.choice(["3826.500.181.1.5", "3774.600.62", "3731.700.6"])),
                    helo=("mr85p00im-zteg06021501.me.com", "17.58.23.%d" % rnd.randint(180, 199)))
    h = [(k, "1.0 (Mac OS X Mail 16.0 \\(3826.500.181.1.5\\))" if k == "MIME-Version" else v) for k, v in h]
    return finish(h, top, spec.get("eol", "\r\n"))


def c_thunderbird(spec):
    lang = spec["lang"]
    sname, saddr = spec["survey_from"]
    attr = attr_line("thunderbird", lang, spec["sdate"], sname, saddr)
    sv = spec["survey_lines"]
    sig = spec.get("sig")
    sig_lines = (["-- "] + sig.split("\n")) if sig else []
    plain = layout_plain(spec, attr, qlines(sv, "> ", ">"), sig_lines)
    plain = flow(plain)
    cs = spec.get("charset", "utf-8")
    cte = spec.get("cte", "8bit")
    if cte == "8bit" and all(ord(c) < 128 for c in plain):
        cte = "7bit"
    part = ("Content-Type: text/plain; charset=%s; format=flowed\nContent-Transfer-Encoding: %s\n\n"
            % ("UTF-8" if cs == "utf-8" else cs.upper(), cte)).encode() + \
        (encode_body(plain, cs, cte).encode(cs) if cte in ("8bit", "7bit") else encode_body(plain, cs, cte).encode("ascii"))
    msgid = "%s-%s-%s-%s-%s@%s" % (hexid(8), hexid(4), hexid(4), hexid(4), hexid(12), spec["cust"]["email"].split("@")[1])
    ua = spec.get("ua") or rnd.choice(["Mozilla Thunderbird", "Mozilla Thunderbird",
                                       "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.4.2",
                                       "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.16.0"])
    extra = [("Content-Language", "fr" if lang == "fr" else "en-US")]
    h = std_headers(spec, msgid, ("User-Agent", ua), helo=("smtp-out.%s" % spec["cust"]["email"].split("@")[1], "80.12.242.%d" % rnd.randint(2, 250)),
                    extra=[])
    h += extra
    return finish(h, part, spec.get("eol", "\r\n"))


def c_yahoo(spec, android=False):
    lang = spec["lang"]
    sname, saddr = spec["survey_from"]
    attr = attr_line("yahoo", lang, spec["sdate"], sname, saddr)
    sv = spec["survey_lines"]
    sig = None
    if android:
        sig = "Envoyé de Yahoo Mail pour Android" if lang == "fr" else "Sent from Yahoo Mail on Android"
    own = spec["own"].split("\n")
    lines = own + ([""] + [sig] if sig else []) + ["", "  ", "   " + attr + "  ", "", ""] + [(" " + l) if l else " " for l in sv]
    plain = "\n".join(lines) + "\n"
    yid = str(rnd.randint(10 ** 9, 10 ** 10))
    own_h = "".join('<div dir="ltr" data-setdir="false">%s</div>' % (html_escape(l) if l.strip() else "<br>") for l in own)
    if sig:
        own_h += '<br><div id="ymail_android_signature"><a id="ymail_android_signature_link" href="https://mail.onelink.me/107872968?pid=nativeplacement&amp;c=Global_Acquisition_YMktg_315_Internal_EmailSignature&amp;af_sub1=Acquisition&amp;af_sub2=Global_YMktg&amp;af_sub3=&amp;af_sub4=100000604&amp;af_sub5=EmailSignature__Static_">%s</a></div>' % html_escape(sig)
    html = ('<html><head></head><body><div class="ydp%s yahoo-style-wrap" style="font-family:Helvetica Neue, Helvetica, Arial, sans-serif;font-size:13px;">%s</div>'
            '<div id="yahoo_quoted_%s" class="yahoo_quoted">\n<div style="font-family:\'Helvetica Neue\', Helvetica, Arial, sans-serif;font-size:13px;color:#26282a;">\n'
            '<div>\n%s\n</div>\n<div><br></div>\n<div><br></div>\n<div><div dir="ltr">%s</div></div>\n</div>\n</div></body></html>\n'
            % (hexid(8), own_h, yid, html_escape(attr), survey_html(sv, spec.get("tok_links", True))))
    b = "----=_Part_%d_%d.%d" % (rnd.randint(10 ** 6, 10 ** 7), rnd.randint(10 ** 8, 10 ** 9), 1762000000000 + rnd.randint(0, 10 ** 9))
    top = multipart("alternative", b, [text_part(plain, "utf-8", "quoted-printable", cs_label="UTF-8"),
                                       text_part(html, "utf-8", "quoted-printable", "html", cs_label="UTF-8")])
    msgid = "%d.%d.%d@mail.yahoo.com" % (rnd.randint(10 ** 8, 10 ** 9), rnd.randint(10 ** 6, 10 ** 7), 1762000000000 + rnd.randint(0, 10 ** 9))
    h = std_headers(spec, msgid, ("X-Mailer", "WebService/1.1.%d %s" % (rnd.randint(24000, 24999), "YahooMailAndroidMobile" if android else "YMailNorrin")),
                    helo=("sonic%d-%d.consmr.mail.ir2.yahoo.com" % (rnd.randint(301, 330), rnd.randint(20, 40)), "77.238.176.%d" % rnd.randint(1, 200)))
    return finish(h, top, "\r\n")


def c_samsung(spec):
    """Samsung Email (Android stock): HTML only."""
    lang = spec["lang"]
    sname, saddr = spec["survey_from"]
    d = spec["sdate"].dt
    sig = spec.get("sig")
    if sig is None:
        sig = rnd.choice(["Envoyé depuis mon smartphone Samsung Galaxy.", "Envoyé de mon Galaxy"]) if lang == "fr" else \
            rnd.choice(["Sent from my Galaxy", "Sent from my Samsung Galaxy smartphone."])
    hdr = (["-------- Message d'origine --------", "De : %s <%s> " % (sname, saddr),
            "Date : %02d/%02d/%d %s (GMT+01:00) " % (d.day, d.month, d.year, spec["sdate"].hm()),
            "À : %s " % spec["cust"]["email"], "Objet : %s " % spec["survey_subject"]] if lang == "fr" else
           ["-------- Original message --------", "From: %s <%s> " % (sname, saddr),
            "Date: %d/%d/%d %s (GMT+00:00) " % (d.day, d.month, d.year, spec["sdate"].hm()),
            "To: %s " % spec["cust"]["email"], "Subject: %s " % spec["survey_subject"]])
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head><body dir="auto">%s'
            '<div dir="auto"><br></div><div dir="auto"><br></div><div dir="auto"><br></div>'
            '<div id="composer_signature" dir="auto"><div style="font-size:85%%;color:#575757" dir="auto">%s</div></div>'
            '<div dir="auto"><br></div><div><br></div><div align="left" dir="auto" style="font-size:100%%;color:#000000">%s<div><br></div></div>%s</body></html>\n'
            % (own_html(spec["own"], "div", ' dir="auto"'), html_escape(sig), "".join("<div>%s</div>" % html_escape(x) for x in hdr),
               survey_html(spec["survey_lines"], spec.get("tok_links", False))))
    cte = spec.get("cte", "base64")
    top = text_part(html, "utf-8", cte, "html", cs_label="UTF-8")
    msgid = "%s.%s@email.android.com" % (alnum(10).lower(), alnum(6).lower()) if rnd.random() < 0.5 else \
        "%s-%s@%s" % (hexid(12), hexid(6), spec["cust"]["email"].split("@")[1])
    h = std_headers(spec, msgid, None, helo=("smtp.%s" % spec["cust"]["email"].split("@")[1], "193.252.22.%d" % rnd.randint(2, 250)))
    return finish(h, top, "\r\n")


def c_webmail_html(spec):
    """French ISP webmail (Open-Xchange style): HTML only, ISO-8859-1."""
    lang = spec["lang"]
    sname, saddr = spec["survey_from"]
    d = spec["sdate"].dt
    cs = spec.get("charset", "iso-8859-1")
    q = ["Message du %02d/%02d/%02d %s" % (d.day, d.month, d.year % 100, spec["sdate"].hm()),
         'De : "%s" &lt;%s&gt;' % (html_escape(sname), saddr), "A : %s" % spec["cust"]["email"],
         "Copie à : ", "Objet : %s" % html_escape(spec["survey_subject"])]
    sig = spec.get("sig")
    html = ('<!DOCTYPE html>\n<html><head><meta charset="%s"></head><body>\n<p>%s</p>%s\n<p>&nbsp;</p>\n'
            '<blockquote style="margin-left:1em;padding-left:1em;border-left:1px solid black">\n%s\n<br>%s</blockquote>\n</body></html>\n'
            % (cs, "<br>\n".join(html_escape(l) for l in spec["own"].split("\n")),
               ("\n<p>%s</p>" % "<br>".join(html_escape(l) for l in sig.split("\n"))) if sig else "",
               "<br>\n".join("&gt; " + x for x in q), survey_html(spec["survey_lines"], spec.get("tok_links", True))))
    top = text_part(html, cs, spec.get("cte", "quoted-printable"), "html", cs_label=cs.upper())
    msgid = "%d.%d.%d.JavaMail.open-xchange@opme11oxm%02dnd1" % (rnd.randint(10 ** 8, 10 ** 9), rnd.randint(100, 999), 1762000000000 + rnd.randint(0, 10 ** 9), rnd.randint(1, 30))
    h = std_headers(spec, msgid, ("X-Mailer", "Open-Xchange Mailer v7.10.6-Rev%d" % rnd.randint(30, 70)),
                    helo=("smtp.%s" % spec["cust"]["email"].split("@")[1], "80.12.242.%d" % rnd.randint(2, 250)),
                    subj_charset=cs.upper())
    return finish(h, top, "\r\n")


def c_plain(spec, style="roundcube"):
    """Plain-text-only clients: Roundcube, mutt, K-9 Mail."""
    lang = spec["lang"]
    sname, saddr = spec["survey_from"]
    attr = attr_line(style, lang, spec["sdate"], sname, saddr)
    sv = spec["survey_lines"]
    sig = spec.get("sig")
    if style == "k9" and sig is None:
        sig = "Envoyé de mon appareil Android avec K-9 Mail. Veuillez excuser ma brièveté." if lang == "fr" else \
            "Sent from my Android device with K-9 Mail. Please excuse my brevity."
    sig_lines = (["-- "] + sig.split("\n")) if sig else []
    plain = layout_plain(spec, attr, qlines(sv, "> ", ">"), sig_lines)
    cs = spec.get("charset", "utf-8")
    cte = spec.get("cte", "8bit")
    if cte == "8bit" and all(ord(c) < 128 for c in plain):
        cte = "7bit"
    params = "; format=flowed" if style == "roundcube" else ""
    if style == "roundcube":
        plain = flow(plain)
    part = ("Content-Type: text/plain; charset=%s%s\nContent-Transfer-Encoding: %s\n"
            % ("UTF-8" if cs == "utf-8" else cs.upper(), params, cte)).encode()
    if style == "mutt":
        part += b"Content-Disposition: inline\n"
    part += b"\n" + (encode_body(plain, cs, cte).encode(cs if cte in ("8bit", "7bit") else "ascii"))
    if spec.get("attach"):
        fn, data, ct = spec["attach"]
        part = multipart("mixed", "=_%s" % hexid(32), [part, attach_part(fn, data, ct)])
    dom = spec["cust"]["email"].split("@")[1]
    if style == "roundcube":
        msgid = "%s@%s" % (hexid(32), dom)
        mailer = ("User-Agent", "Roundcube Webmail/1.6.%d" % rnd.randint(5, 10))
    elif style == "mutt":
        msgid = "%s%s@%s" % ("aP" + alnum(10).lower(), "", "host." + dom)
        mailer = ("User-Agent", rnd.choice(["NeoMutt/20240425", "Mutt/2.2.12 (2023-09-09)"]))
    else:
        msgid = "%s-%s-%s-%s-%s@%s" % (hexid(8).upper(), hexid(4).upper(), hexid(4).upper(), hexid(4).upper(), hexid(12).upper(), dom)
        mailer = ("User-Agent", "K-9 Mail for Android")
    h = std_headers(spec, msgid, mailer, helo=("smtp.%s" % dom, "212.27.42.%d" % rnd.randint(2, 250)),
                    from_charset="UTF-8" if cs == "utf-8" else cs.upper())
    return finish(h, part, spec.get("eol", "\n"))


def c_prefill(spec, client="gmail"):
    """New message composed by the widget's mailto: link (no quote)."""
    own = spec["own"]
    sig = spec.get("sig")
    text = own + (("\n\n" + sig) if sig else "") + "\n"
    spec = dict(spec, irt=False)
    if client == "gmail":
        html = '<div dir="ltr">%s%s</div>\n' % (own_html(own, "div", ""), ("<div><br></div><div>%s</div>" % html_escape(sig)) if sig else "")
        top = multipart("alternative", "000000000000" + hexid(16), [text_part(text, "utf-8", "quoted-printable", cs_label="UTF-8"),
                                                                   text_part(html, "utf-8", "quoted-printable", "html", cs_label="UTF-8")])
        msgid = "CA%s@mail.gmail.com" % base64.b64encode(urand(33)).decode().replace("/", "_").replace("+", "-")[:45]
        h = std_headers(spec, msgid)
    elif client == "iphone":
        top = text_part(text, "utf-8", "quoted-printable", cs_label="utf-8")
        msgid = "%s-%s-%s-%s-%s@icloud.com" % (alnum(8), alnum(4), alnum(4), alnum(4), alnum(12))
        h = std_headers(spec, msgid, ("X-Mailer", "iPhone Mail (22B83)"))
    else:
        top = text_part(text, "windows-1252", "quoted-printable", cs_label="Windows-1252")
        msgid = "%s@%s" % (alnum(30), "DB9PR10MB%d.EURPRD10.PROD.OUTLOOK.COM" % rnd.randint(1000, 9999))
        h = std_headers(spec, msgid, ("X-Mailer", "Microsoft Outlook 16.0"))
    return finish(h, top, "\r\n")


CLIENTS = {
    "gmail": lambda s: c_gmail(s), "gmail-android": lambda s: c_gmail(s, True), "gmail-ios": lambda s: c_gmail(s, True),
    "outlook": c_outlook_desktop, "owa": lambda s: c_outlook_web(s), "outlook-android": lambda s: c_outlook_web(s, True),
    "iphone": c_iphone, "applemail": c_apple_mail, "thunderbird": c_thunderbird,
    "yahoo": lambda s: c_yahoo(s), "yahoo-android": lambda s: c_yahoo(s, True), "samsung": c_samsung,
    "webmail-html": c_webmail_html, "roundcube": lambda s: c_plain(s, "roundcube"), "mutt": lambda s: c_plain(s, "mutt"),
    "k9": lambda s: c_plain(s, "k9"),
}
MAILKIND = {"gmail": "gmail", "gmail-android": "gmail", "gmail-ios": "gmail", "outlook": "corp", "owa": "outlook",
            "outlook-android": "outlook", "iphone": "apple", "applemail": "apple", "thunderbird": "isp", "yahoo": "yahoo",
            "yahoo-android": "yahoo", "samsung": "isp", "webmail-html": "isp", "roundcube": "isp", "mutt": "isp", "k9": "gmail"}

# ---------------------------------------------------------------- answers
# (text typed by the customer, score or None, comment label or "-", tag, lead)
# lead: the score expression starts the text, so no greeting is put before it.

def A(text, score, comment, tag, lead=False):
    return dict(text=text, score=score, comment=comment, tag=tag, lead=lead)

SAME = object()

def fixc(a):
    if a["comment"] is SAME:
        a["comment"] = a["text"]
    return a

NPS_FR = [fixc(x) for x in [
    A("9", 9, "-", "bare-9"),
    A("10", 10, "-", "bare-10"),
    A("10/10", 10, "-", "10-slash-10"),
    A("8 / 10", 8, "-", "8-slash-10-spaced"),
    A("9 sur 10", 9, "-", "9-sur-10"),
    A("note : 6", 6, "-", "note-6"),
    A("Note : 7/10\nCorrect, sans plus.", 7, "Correct, sans plus.", "note-7-with-comment"),
    A("Je dirais 7", 7, SAME, "je-dirais-7"),
    A("Je dirais 7 car la livraison a pris une semaine de plus que prévu.", 7, SAME, "je-dirais-7-sentence"),
    A("8 - livraison un peu lente", 8, "livraison un peu lente", "8-dash-comment-same-line", True),
    A("9, conseiller très patient et efficace.", 9, "conseiller très patient et efficace.", "9-comma-comment", True),
    A("10\nJulien a tout réglé en un seul appel, bravo.", 10, "Julien a tout réglé en un seul appel, bravo.", "10-then-comment"),
    A("neuf", 9, "-", "word-neuf"),
    A("Dix", 10, "-", "word-dix"),
    A("zéro\nTrois semaines sans internet et personne ne rappelle.", 0, "Trois semaines sans internet et personne ne rappelle.", "word-zero-comment"),
    A("Je mettrais huit sur dix, le colis est arrivé avec deux jours de retard.", 8, SAME, "huit-sur-dix-sentence"),
    A("9\ufe0f\u20e3", 9, "-", "keycap-9"),
    A("\U0001F51F\nParfait du début à la fin.", 10, "Parfait du début à la fin.", "keycap-10-comment"),
    A("6\nLe produit est bien mais il a fallu relancer deux fois le service après-vente.", 6,
      "Le produit est bien mais il a fallu relancer deux fois le service après-vente.", "6-then-comment"),
    A("Note : 4\nLe remboursement de 29,90 € n'est toujours pas arrivé sur mon compte.", 4,
      "Le remboursement de 29,90 € n'est toujours pas arrivé sur mon compte.", "note-4-price-trap"),
    A("3\nJ'ai attendu 45 minutes au téléphone avant d'avoir quelqu'un.", 3, "J'ai attendu 45 minutes au téléphone avant d'avoir quelqu'un.", "3-minutes-trap"),
    A("Je vous mets 10 sans hésiter, Nadia a été parfaite pour l'opposition de ma carte.", 10, SAME, "10-in-sentence"),
    A("7/10. Bon service mais le délai de remboursement est trop long.", 7, "Bon service mais le délai de remboursement est trop long.", "7-slash-10-period-comment", True),
    A("5\nCommande 48213 reçue incomplète, il manquait la lampe de chevet.", 5, "Commande 48213 reçue incomplète, il manquait la lampe de chevet.", "5-order-number-trap"),
    A("Livraison prévue le 12/03, reçue le 15/03. Je mets 6.", 6, SAME, "6-dates-trap"),
    A("Technicien arrivé à 14h30 au lieu de 9h, mais travail impeccable : 8/10", 8, SAME, "8-time-trap-end"),
    A("2\nToujours pas de connexion depuis le 10 novembre.", 2, "Toujours pas de connexion depuis le 10 novembre.", "2-date-10-trap"),
    A("huit", 8, "-", "word-huit"),
    A("1", 1, "-", "bare-1"),
    A("0\nInadmissible.", 0, "Inadmissible.", "0-inadmissible"),
    A("9 sur 10\nTrès bon accueil en agence à Lyon 3e (69003).", 9, "Très bon accueil en agence à Lyon 3e (69003).", "9-sur-10-postcode-trap"),
    A("Sept, parce que le premier conseiller m'a mal orienté.", 7, SAME, "word-sept-sentence"),
    A("10 / 10\nMerci pour le geste commercial de 15 €.", 10, "Merci pour le geste commercial de 15 €.", "10-price-trap"),
    A("Je mettrais un 9. Le vol retour du 22/12 a bien été modifié.", 9, SAME, "9-flight-date-trap"),
    A("4\nAppelez-moi au 06 71 42 18 09, j'ai encore un souci avec la facture n° 2025-11873.", 4,
      "Appelez-moi au 06 71 42 18 09, j'ai encore un souci avec la facture n° 2025-11873.", "4-phone-invoice-trap"),
]]

NPS_EN = [fixc(x) for x in [
    A("9", 9, "-", "bare-9"),
    A("10/10", 10, "-", "10-slash-10"),
    A("8 / 10", 8, "-", "8-slash-10-spaced"),
    A("ten", 10, "-", "word-ten"),
    A("Seven", 7, "-", "word-seven"),
    A("I'd give you an 8", 8, SAME, "id-give-you-an-8"),
    A("I'd give you an 8, the refund took a while but Tom was great.", 8, SAME, "id-give-8-sentence"),
    A("9 - quick and friendly", 9, "quick and friendly", "9-dash-comment-same-line", True),
    A("10, Megan sorted it in one call.", 10, "Megan sorted it in one call.", "10-comma-comment", True),
    A("Score: 9/10", 9, "-", "score-9"),
    A("6\nThe engineer was booked for 8am and turned up at 1pm.", 6, "The engineer was booked for 8am and turned up at 1pm.", "6-times-trap"),
    A("7 out of 10", 7, "-", "7-out-of-10"),
    A("\U0001F51F", 10, "-", "keycap-10"),
    A("9\ufe0f\u20e3\nGreat service, thanks.", 9, "Great service, thanks.", "keycap-9-comment"),
    A("zero\nStill waiting for my refund of £49.99.", 0, "Still waiting for my refund of £49.99.", "word-zero-price-trap"),
    A("Probably a 9, the new router works fine.", 9, SAME, "probably-9-sentence"),
    A("4\nOrder #48213 arrived with the box crushed.", 4, "Order #48213 arrived with the box crushed.", "4-order-trap"),
    A("I would say 8.", 8, SAME, "i-would-say-8"),
    A("5/10 - had to call three times (ref 20931).", 5, "had to call three times (ref 20931).", "5-ref-trap", True),
    A("10\nPriya was brilliant, she stayed on the line until the connection was back.", 10,
      "Priya was brilliant, she stayed on the line until the connection was back.", "10-then-comment"),
    A("eight", 8, "-", "word-eight"),
    A("3\nMy flight on 12/03 was changed twice without notice.", 3, "My flight on 12/03 was changed twice without notice.", "3-date-trap"),
    A("2", 2, "-", "bare-2"),
    A("Nine. Daniel rebooked everything for the 14th at no cost.", 9, SAME, "word-nine-sentence"),
    A("I'll give it a 6. Call me on 07700 900461 if you want details.", 6, SAME, "6-phone-trap"),
    A("10 out of 10\nFixed in 20 minutes.", 10, "Fixed in 20 minutes.", "10-out-of-10-minutes-trap"),
    A("1\nNobody called back on 10 November as promised.", 1, "Nobody called back on 10 November as promised.", "1-date-10-trap"),
    A("8/10", 8, "-", "8-slash-10"),
    A("Solid 7, delivery to postcode LS1 4AP took 5 days.", 7, SAME, "7-postcode-trap"),
    A("0", 0, "-", "bare-0"),
]]

CSAT_FR = [fixc(x) for x in [
    A("5", 5, "-", "csat-5"), A("4/5", 4, "-", "csat-4-slash-5"), A("4 sur 5", 4, "-", "csat-4-sur-5"),
    A("cinq", 5, "-", "csat-word-cinq"),
    A("3\nRéponse correcte mais il a fallu rappeler.", 3, "Réponse correcte mais il a fallu rappeler.", "csat-3-comment"),
    A("Je mets 4, l'agent était aimable.", 4, SAME, "csat-4-sentence"),
    A("Je mettrais 9, franchement rien à redire.", None, SAME, "csat-out-of-range-9"),
    A("Franchement 10/10 pour Sophie, elle a été top !", None, SAME, "csat-out-of-range-10-slash-10"),
]]
CSAT_EN = [fixc(x) for x in [
    A("5", 5, "-", "csat-5"), A("4 out of 5", 4, "-", "csat-4-out-of-5"), A("five", 5, "-", "csat-word-five"),
    A("2\nNobody answered my second email.", 2, "Nobody answered my second email.", "csat-2-comment"),
    A("I'd say 3, it took a week to get an answer.", 3, SAME, "csat-3-sentence"),
    A("I'd give it a 9, very happy.", None, SAME, "csat-out-of-range-9"),
    A("Honestly a 0, nothing was fixed.", None, SAME, "csat-out-of-range-0"),
]]
CES_FR = [fixc(x) for x in [
    A("6", 6, "-", "ces-6"), A("7/7", 7, "-", "ces-7-slash-7"), A("sept", 7, "-", "ces-word-sept"),
    A("2\nIl a fallu appeler trois fois et envoyer deux courriers.", 2, "Il a fallu appeler trois fois et envoyer deux courriers.", "ces-2-comment"),
    A("Je dirais 5, le formulaire en ligne est compliqué.", 5, SAME, "ces-5-sentence"),
    A("Je mets 9, très simple.", None, SAME, "ces-out-of-range-9"),
    A("Plutôt facile, je dirais 10.", None, SAME, "ces-out-of-range-10"),
    A("8 sur 10, ça a été rapide.", None, SAME, "ces-out-of-range-8-sur-10"),
]]
CES_EN = [fixc(x) for x in [
    A("6", 6, "-", "ces-6"), A("7 - very easy", 7, "very easy", "ces-7-dash-comment", True), A("3", 3, "-", "ces-3"),
    A("It was fairly easy, 5.", 5, SAME, "ces-5-sentence"), A("six", 6, "-", "ces-word-six"),
    A("I'd say 9, really simple.", None, SAME, "ces-out-of-range-9"),
    A("Easy, 10 out of 10.", None, SAME, "ces-out-of-range-10"),
]]

AMBIG_FR = [fixc(x) for x in [
    A("entre 7 et 8", None, SAME, "ambiguous-entre-7-et-8"),
    A("7-8", None, SAME, "ambiguous-7-8"),
    A("pas sûr", None, SAME, "ambiguous-pas-sur"),
    A("8 ou 9", None, SAME, "ambiguous-8-ou-9"),
    A("9 pour le conseiller, 4 pour le délai de livraison.", None, SAME, "ambiguous-two-scores"),
    A("5 ou 6 je pense, le produit est bien mais le SAV est lent.", None, SAME, "ambiguous-5-ou-6"),
    A("Difficile à dire, entre 6 et 7.", None, SAME, "ambiguous-entre-6-et-7"),
    A("Le service était bien mais le produit pas terrible.", None, SAME, "no-number"),
    A("Bof.", None, SAME, "no-number-bof"),
    A("Je ne sais pas trop, ça dépend des conseillers.", None, SAME, "ambiguous-depends"),
]]
AMBIG_EN = [fixc(x) for x in [
    A("5 or 6", None, SAME, "ambiguous-5-or-6"),
    A("7-8", None, SAME, "ambiguous-7-8"),
    A("not sure", None, SAME, "ambiguous-not-sure"),
    A("Somewhere between 6 and 7.", None, SAME, "ambiguous-between-6-and-7"),
    A("9 for the agent, 3 for the waiting time.", None, SAME, "ambiguous-two-scores"),
    A("8 or 9", None, SAME, "ambiguous-8-or-9"),
    A("It was fine I guess.", None, SAME, "no-number"),
    A("10? Maybe 9. Hard to say.", None, SAME, "ambiguous-10-maybe-9"),
]]

TRAPS_FR = [fixc(x) for x in [
    A("Bonjour, ma commande 48213 n'est toujours pas arrivée. Pouvez-vous me rappeler au 06 12 34 56 78 ?", None, SAME, "trap-order-phone-no-score"),
    A("Le rendez-vous du 12/03 à 14h30 est-il maintenu ?", None, SAME, "trap-date-time-no-score"),
    A("J'ai payé 29,90 € de frais de port pour rien.", None, SAME, "trap-price-no-score"),
    A("Mon nouveau code postal est 69003, pouvez-vous mettre à jour mon adresse ?", None, SAME, "trap-postcode-no-score"),
    A("Ticket 20931 : toujours pas de réponse à ma réclamation du 10/11.", None, SAME, "trap-ticket-date-no-score"),
]]
TRAPS_EN = [fixc(x) for x in [
    A("My order 48213 still hasn't arrived. Please call me on 07700 900123.", None, SAME, "trap-order-phone-no-score"),
    A("Is my appointment on 12/03 at 2:30pm still on?", None, SAME, "trap-date-time-no-score"),
    A("I paid £9.99 for next-day delivery and it took 4 days.", None, SAME, "trap-price-no-score"),
    A("Ticket 20931 is still open, can someone look at it?", None, SAME, "trap-ticket-no-score"),
]]

GREET = {"fr": ["Bonjour,", "Bonjour", "Bonsoir,", "Bonjour Madame, Monsieur,"], "en": ["Hi,", "Hello,", "Hi there,"]}
THANKS = {"fr": ["Merci !", "Merci.", "Merci beaucoup.", "Merci et bonne soirée."], "en": ["Thanks!", "Thank you.", "Many thanks."]}

SIGS = {
    "fr": [
        "{name}\n06 12 34 56 78",
        "Cordialement,\n{name}",
        "Cordialement,\n{name}\nResponsable achats - Groupe Vernier\n12 rue des Lilas, 69003 Lyon\nTél. 04 72 10 10 10",
        "Bien à vous,\n{name}",
        "Bien cordialement,\n{name}\nCabinet Roussel - 8, place Bellecour 69002 Lyon\nwww.cabinet-roussel.fr",
        "Sincères salutations,\n{name}",
    ],
    "en": [
        "Best regards,\n{name}",
        "Kind regards,\n{name}\nAcme Logistics Ltd | 10 Wellington Place, Leeds LS1 4AP\nT: +44 113 496 0010",
        "Regards,\n{name}\n\u00a9 2025 Brookfield Partners",
        "{name}\n+44 7700 900461",
    ],
}
DISCLAIMER = {
    "fr": "Ce message et toutes les pièces jointes sont confidentiels et établis à l'intention exclusive de ses destinataires. "
          "Toute utilisation non conforme à sa destination est interdite. Si vous avez reçu ce message par erreur, merci de le détruire.",
    "en": "This email and any attachments are confidential and intended solely for the addressee. "
          "If you have received it in error, please notify the sender and delete it. Registered in England No. 04512345.",
}

# ---------------------------------------------------------------- samples

SAMPLES = []


def add(desc, kind, score, typ, lang, comment, raw):
    SAMPLES.append(dict(desc=desc, kind=kind, score="-" if score is None else str(score), type=typ,
                        lang=lang, comment=comment, raw=raw))


def cust_for(client, lang):
    k = MAILKIND[client]
    if k == "gmail":
        return person(lang, "gmail")
    if k == "corp":
        return person(lang, rnd.choice(["corp_" + lang, "outlook"]))
    if k == "isp":
        return person(lang, "isp_" + lang)
    return person(lang, k)


def base_spec(client, lang, typ, brand=None):
    brand = brand or rnd.choice(BRANDS[lang])
    cust = cust_for(client, lang)
    ticket = ticket_no()
    sdate = rand_survey_date()
    rdate = sdate.add_min(rnd.choice([3, 12, 45, 90, 240, 600, 1500, 2900]))
    ssubj = survey_subject(lang, brand, ticket)
    sv = survey_text(lang, typ, brand, cust, ticket)
    if rnd.random() < 0.5:
        sfrom = (brand["svc"], TOK)
    else:
        sfrom = (brand["svc"], "%s@%s" % (rnd.choice(["support", "service-client", "noreply", "contact"]) if lang == "fr"
                                          else rnd.choice(["support", "help", "noreply", "customercare"]), brand["dom"]))
    prefix = "RE: " if client in ("outlook", "owa", "outlook-android") else ("AW: " if False else "Re: ")
    spec = dict(lang=lang, typ=typ, brand=brand, cust=cust, ticket=ticket, sdate=sdate, rdate=rdate,
                survey_subject=ssubj, survey_lines=sv, survey_from=sfrom, subject=prefix + ssubj,
                to_hdr=addr(brand["svc"], TOK) if rnd.random() < 0.7 else TOK, rcpt=TOK, irt_id="{{MSGID}}",
                tz="+0100" if lang == "fr" else rnd.choice(["+0000", "-0500", "+0000"]))
    return spec


def untokenise(spec):
    """No token anywhere in the body (for base64 parts or Message-ID-only replies)."""
    b = spec["brand"]
    spec["survey_from"] = (b["svc"], "support@" + b["dom"])
    spec["tok_links"] = False


def charset_ok(spec, cs):
    try:
        (spec["own"] + "\n".join(spec["survey_lines"]) + (spec.get("sig") or "") + spec["survey_subject"]
         + spec["cust"]["name"] + (spec.get("disclaimer") or "") + (spec.get("own2") or "")).encode(cs)
        return True
    except UnicodeEncodeError:
        return False


def response(client, lang, typ, ans, posting="top", greet=None, thanks=None, sig="auto", kind="response",
             desc_extra="", msgid_only=False, **kw):
    spec = base_spec(client, lang, typ)
    text, comment = ans["text"], ans["comment"]
    parts_c = [] if comment == "-" else [comment]
    if greet is None:
        greet = (not ans["lead"]) and rnd.random() < (0.35 if comment != "-" else 0.1)
    if greet is True:
        g = rnd.choice(GREET[lang])
        text = g + "\n\n" + text
        parts_c.insert(0, g)
    if thanks is None:
        thanks = rnd.random() < 0.2
    if thanks:
        t = rnd.choice(THANKS[lang])
        text = text + "\n\n" + t
        parts_c.append(t)
    spec["own"] = text
    spec["posting"] = posting
    if posting == "inline" and rnd.random() < 0.5:
        o2 = rnd.choice(["Pour le reste, rien à signaler.", "Sinon tout va bien.", "Le colis était bien emballé."] if lang == "fr"
                        else ["Otherwise all good.", "The parcel was well packed.", "No other remarks."])
        spec["own2"] = o2
        parts_c.append(o2)
    if sig == "auto":
        sig = None
        if client in ("gmail", "thunderbird", "roundcube", "mutt") and rnd.random() < 0.45:
            sig = rnd.choice(SIGS[lang])
        elif client in ("outlook", "owa", "applemail") and rnd.random() < 0.8:
            sig = rnd.choice([s for s in SIGS[lang] if "," in s.split("\n")[0]])
        if client in ("iphone", "samsung", "k9"):
            sig = None  # client default
    if sig:
        sig = sig.replace("{name}", spec["cust"]["name"] if rnd.random() < 0.7 else spec["cust"]["first"])
    spec["sig"] = sig
    if client == "outlook" and rnd.random() < 0.3:
        spec["disclaimer"] = DISCLAIMER[lang]
    if client == "outlook" and rnd.random() < 0.3:
        spec["old"] = True
    if client == "outlook" and MAILKIND[client] == "corp" and spec["cust"]["email"].split("@")[1] in MAILDOMS["corp_" + lang]:
        spec["exch_corp"] = rnd.random() < 0.5
    spec.update(kw)
    if client in ("outlook", "owa") and rnd.random() < 0.6:
        spec["own"] = smart(spec["own"])
        parts_c = [smart(x) for x in parts_c]
    if spec.get("cte") == "base64" or (client == "samsung" and spec.get("cte", "base64") == "base64"):
        untokenise(spec)
    if msgid_only:
        spec["to_hdr"] = rnd.choice(["nps@reply.example", addr(spec["brand"]["svc"], "nps@reply.example")])
        spec["rcpt"] = "nps@reply.example"
        untokenise(spec)
    cs = spec.get("charset")
    if client == "outlook":
        cs = cs or "windows-1252"
        if not charset_ok(spec, cs):
            cs = "utf-8"
        spec["charset"] = cs
    elif cs and not charset_ok(spec, cs):
        spec["charset"] = "utf-8"
    raw = CLIENTS[client](spec)
    comment_lbl = " ".join(" ".join(parts_c).split()) if parts_c else "-"
    if kind == "response":
        score = ans["score"]
    else:
        score, comment_lbl = None, "-"
    add("%s-%s-%s-%s%s" % (client, lang, posting, ans["tag"], desc_extra), kind, score, typ, lang, comment_lbl, raw)
    return spec


def pick_posting(client):
    r = rnd.random()
    if client in ("gmail",):
        return "bottom" if r < 0.2 else "top"
    if client == "thunderbird":
        return "bottom" if r < 0.45 else ("inline" if r < 0.7 else "top")
    if client == "mutt":
        return "inline" if r < 0.5 else "bottom"
    if client in ("roundcube", "k9"):
        return "bottom" if r < 0.4 else "top"
    if client == "applemail":
        return "bottom" if r < 0.3 else "top"
    return "top"


def client_opts(client, ans):
    o = {}
    r = rnd.random()
    if client == "iphone":
        o["cte"] = "base64" if r < 0.4 else "quoted-printable"
        o["html"] = rnd.random() < 0.35
        o["eol"] = "\r\n"
    elif client == "thunderbird":
        if r < 0.2:
            o["charset"] = "iso-8859-1"
        o["eol"] = "\n" if rnd.random() < 0.4 else "\r\n"
    elif client == "mutt":
        o["charset"] = "iso-8859-1"
        o["eol"] = "\n"
    elif client == "roundcube":
        o["eol"] = "\n"
    elif client == "samsung":
        o["cte"] = "base64" if r < 0.7 else "quoted-printable"
    elif client == "webmail-html":
        o["charset"] = "iso-8859-1"
    elif client in ("gmail", "gmail-android", "gmail-ios"):
        if any(ord(c) > 0x2000 for c in ans["text"]):
            o["cte"] = "base64"
        if rnd.random() < 0.15:
            o["eol"] = "\n"
    elif client == "applemail":
        if r < 0.25:
            o["cte"] = "base64"
    return o


CLIENT_CYCLE = (["gmail"] * 7 + ["gmail-android"] * 2 + ["gmail-ios"] + ["outlook"] * 5 + ["owa"] * 3 +
                ["outlook-android"] * 2 + ["iphone"] * 5 + ["applemail"] * 2 + ["thunderbird"] * 4 + ["yahoo"] * 2 +
                ["yahoo-android"] + ["samsung"] * 2 + ["webmail-html"] * 2 + ["roundcube"] * 2 + ["mutt"] + ["k9"] * 2)


def next_client(i):
    return CLIENT_CYCLE[(i * 7) % len(CLIENT_CYCLE)]


def plan_responses():
    i = 0
    # every NPS answer once, French and English interleaved
    fr, en = list(NPS_FR), list(NPS_EN)
    seq = []
    while fr or en:
        if fr:
            seq.append(("fr", fr.pop(0)))
        if en:
            seq.append(("en", en.pop(0)))
    # and again a selection in other clients and layouts
    extra = [("fr", a) for a in rnd.sample(NPS_FR, 13)] + [("en", a) for a in rnd.sample(NPS_EN, 12)]
    rnd.shuffle(extra)
    for lang, a in seq + extra:
        c = next_client(i)
        i += 1
        response(c, lang, "nps", a, posting=pick_posting(c), **client_opts(c, a))
    # CSAT and CES
    for lang, bank, typ in (("fr", CSAT_FR, "csat"), ("en", CSAT_EN, "csat"), ("fr", CES_FR, "ces"), ("en", CES_EN, "ces")):
        for a in bank:
            c = next_client(i)
            i += 1
            response(c, lang, typ, a, posting=pick_posting(c), **client_opts(c, a))
    # ambiguous and traps without a score
    mix = [("fr", a) for a in AMBIG_FR + TRAPS_FR] + [("en", a) for a in AMBIG_EN + TRAPS_EN]
    rnd.shuffle(mix)
    for lang, a in mix:
        c = next_client(i)
        i += 1
        typ = "nps"
        response(c, lang, typ, a, posting=pick_posting(c), **client_opts(c, a))


def main():
    plan_responses()
    for f in os.listdir(HERE):
        if f.endswith(".eml"):
            os.unlink(os.path.join(HERE, f))
    rows = ["file\tkind\tscore\ttype\tlang\tcomment"]
    for n, s in enumerate(SAMPLES, 1):
        name = "%03d-%s.eml" % (n, s["desc"])
        with open(os.path.join(HERE, name), "wb") as fh:
            fh.write(s["raw"])
        assert "\t" not in s["comment"] and "\n" not in s["comment"]
        rows.append("\t".join([name, s["kind"], s["score"], s["type"], s["lang"], s["comment"]]))
    with open(os.path.join(HERE, "labels.tsv"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(rows) + "\n")
    print("%d files" % len(SAMPLES))


if __name__ == "__main__":
    main()
