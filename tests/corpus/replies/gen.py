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
        refs = " ".join("<%s>" % r for r in spec.get("refs_before", [])) + (" " if spec.get("refs_before") else "")
        h.append(("References", refs + "<%s>" % spec["irt_id"]))
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
    spec = dict(spec, irt=spec.get("keep_irt", False))
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


SECTOR_WORDS = [
    ("shop", ["livraison", "colis", "commande", "lampe", "emballage", "produit", "article", "avoir", "parcel", "order",
              "delivery", "box", "packed", "replacement", "geste commercial", "frais de port", "Julien", "Megan", "Olivia", "Sophie"]),
    ("bank", ["carte", "card", "Nadia", "Tom", "agence", "remboursement", "refund"]),
    ("telecom", ["internet", "connexion", "fibre", "router", "engineer", "technicien", "Priya", "Karim", "connection"]),
    ("travel", ["vol ", "flight", "réservation", "Daniel", "Élodie", "rebooked"]),
]


def brand_for(lang, text):
    for sector, words in SECTOR_WORDS:
        if any(w.lower() in text.lower() for w in words):
            # an agent's name picks the brand that employs them
            named = [b for b in BRANDS[lang] if b["agent"] in text]
            if named:
                return named[0]
            cands = [b for b in BRANDS[lang] if b["sector"] == sector]
            if cands:
                return rnd.choice(cands)
    return rnd.choice(BRANDS[lang])


def response(client, lang, typ, ans, posting="top", greet=None, thanks=None, sig="auto", kind="response",
             desc_extra="", msgid_only=False, **kw):
    spec = base_spec(client, lang, typ, brand_for(lang, ans["text"]))
    text, comment = ans["text"], ans["comment"]
    parts_c = [] if comment == "-" else [comment]
    if greet is None:
        greet = (not ans["lead"]) and rnd.random() < (0.35 if comment != "-" else 0.1)
        if text.split(",")[0].split()[0] in ("Bonjour", "Hi", "Hello", "Bonsoir"):
            greet = False
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
        o2 = rnd.choice(["Pour le reste, rien à signaler.", "Sinon tout va bien.", "Merci pour le suivi."] if lang == "fr"
                        else ["Otherwise all good.", "Thanks for the follow-up.", "No other remarks."])
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
    tok_addr = kw.pop("tok_addr", None)
    sf_tok = kw.pop("sf_tok", False)
    spec.update(kw)
    if tok_addr:
        spec.update(to_hdr=addr(spec["brand"]["svc"], tok_addr), rcpt=tok_addr,
                    survey_from=(spec["brand"]["svc"], tok_addr), tok_links=False)
    if sf_tok:
        spec.update(survey_from=(spec["brand"]["svc"], TOK), tok_links=True)
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


# ---------------------------------------------------------------- more responses

def rid(dom):
    return "%s.%s@%s" % (hexid(16), alnum(6).lower(), dom)


def plan_more_responses():
    # Found only through In-Reply-To / References: the address carries no token.
    msgid_clients = ["gmail", "outlook", "thunderbird", "iphone", "yahoo", "owa", "applemail", "gmail-android",
                     "outlook", "k9", "roundcube"]
    pool = [("fr", a) for a in NPS_FR if a["score"] is not None] + [("en", a) for a in NPS_EN if a["score"] is not None]
    picks = rnd.sample(pool, len(msgid_clients))
    for n, (c, (lang, a)) in enumerate(zip(msgid_clients, picks)):
        o = client_opts(c, a)
        if n % 3 == 1:
            o["refs_before"] = ["ticket-%s@helpdesk.%s" % (ticket_no(), rnd.choice(["maison-lumiere.fr", "brightline.net"]))]
        response(c, lang, "nps", a, posting=pick_posting(c), msgid_only=True, desc_extra="-msgid-only",
                 kind="unmatched", **o)

    # Token only in the quoted body (the client dropped In-Reply-To and the reply went to the plain address).
    for c, lang, a in (("gmail", "fr", A("8\nMerci pour la rapidité.", 8, "Merci pour la rapidité.", "8-then-comment")),
                       ("owa", "fr", A("Je mets 9 au conseiller, très à l'écoute.", 9, "Je mets 9 au conseiller, très à l'écoute.", "9-in-sentence")),
                       ("gmail", "en", A("7", 7, "-", "bare-7"))):
        spec_over = dict(irt=False, to_hdr="nps@reply.example", rcpt="nps@reply.example")
        response(c, lang, "nps", a, posting="top", desc_extra="-token-in-quoted-body-only", greet=False, thanks=False,
                 sf_tok=True, **spec_over)

    # Photo of a damaged parcel attached.
    png = png_bytes(32, 24, 7)
    for c, lang, a, fn in (
            ("gmail", "fr", A("4\nLe colis est arrivé abîmé, je vous joins une photo.", 4, "Le colis est arrivé abîmé, je vous joins une photo.", "4-photo-attached"), "colis_abime.png"),
            ("outlook", "fr", A("Je mets 5 car l'emballage était déchiré à l'arrivée (photo en pièce jointe).", 5,
                                "Je mets 5 car l'emballage était déchiré à l'arrivée (photo en pièce jointe).", "5-photo-attached"), "photo colis.png"),
            ("iphone", "en", A("3\nBox was crushed, photo attached.", 3, "Box was crushed, photo attached.", "3-photo-attached"), "IMG_4821.png"),
            ("gmail", "en", A("Photo of the damaged parcel attached. 6/10 because the replacement came fast.", 6,
                              "Photo of the damaged parcel attached. 6/10 because the replacement came fast.", "6-photo-attached"), "damaged_parcel.png")):
        o = client_opts(c, a)
        o["attach"] = (fn, png, "image/png")
        if c == "iphone":
            o["cte"] = "quoted-printable"
        response(c, lang, "nps", a, posting="top", greet=False, thanks=False, **o)

    # The widget's mailto: link: a new message with the pre-filled subject and body.
    for c, lang, typ, subj, body, score, comment, tag in (
            ("gmail", "fr", "nps", "Re: Note : 9/10", "Note : 9/10", 9, "-", "prefilled-unchanged-9"),
            ("iphone", "en", "nps", "Re: Score: 10/10", "Score: 10/10", 10, "-", "prefilled-unchanged-10"),
            ("outlook", "fr", "nps", "Re: Note : 7/10", "Note : 7/10\n\nLe conseiller était aimable mais il a fallu rappeler deux fois.", 7,
             "Le conseiller était aimable mais il a fallu rappeler deux fois.", "prefilled-7-comment-added"),
            ("gmail", "en", "nps", "Re: Score: 8/10", "Quick and painless, thanks Priya.", 8, "Quick and painless, thanks Priya.", "prefilled-subject-8-body-replaced"),
            ("iphone", "fr", "nps", "Re: Note : 3/10", "Trois relances pour obtenir un avoir, c'est beaucoup trop.", 3,
             "Trois relances pour obtenir un avoir, c'est beaucoup trop.", "prefilled-subject-3-body-replaced"),
            ("outlook", "en", "nps", "Re: Score: 6/10", "Score: 6/10", 6, "-", "prefilled-unchanged-6"),
            ("gmail", "fr", "csat", "Re: Note : 4/5", "Note : 4/5", 4, "-", "csat-prefilled-unchanged-4"),
            ("iphone", "en", "ces", "Re: Score: 6/7", "Score: 6/7\n\nThe chat was the easy bit.", 6, "The chat was the easy bit.", "ces-prefilled-6-comment-added")):
        sp = base_spec("gmail" if c == "gmail" else ("iphone" if c == "iphone" else "outlook"), lang, typ)
        sp.update(own=body, subject=subj, to_hdr=TOK, rcpt=TOK)
        if c == "iphone":
            sp["sig"] = "Envoyé de mon iPhone" if lang == "fr" else "Sent from my iPhone"
        raw = c_prefill(sp, c)
        add("%s-%s-%s" % (c, lang, tag), "response", score, typ, lang, comment, raw)

    # Bottom-posting below a long quote where the quote ends with the scale "... 9 - 10".
    for c, lang, a in (("thunderbird", "fr", A("6", 6, "-", "bare-6")), ("applemail", "en", A("9\nKeep it up.", 9, "Keep it up.", "9-then-comment")),
                       ("gmail", "fr", A("Je dirais dix sur dix, rien à redire.", 10, "Je dirais dix sur dix, rien à redire.", "dix-sur-dix-sentence"))):
        response(c, lang, "nps", a, posting="bottom", greet=False, thanks=False, desc_extra="-below-quote", **client_opts(c, a))

# ---------------------------------------------------------------- auto-replies

def simple_msg(headers, ctype_body, eol="\r\n"):
    return finish(headers, ctype_body, eol)


def survey_ctx(lang, typ="nps"):
    brand = rnd.choice(BRANDS[lang])
    ticket = ticket_no()
    return brand, ticket, survey_subject(lang, brand, ticket)


AUTO = [
    # (lang, style, subject-pattern, body, extra headers)
    ("fr", "exchange", "Réponse automatique : {s}",
     "Bonjour,\n\nJe suis absente du bureau jusqu'au 10 novembre inclus, avec un accès limité à mes messages.\n"
     "Pour toute urgence, merci de contacter Laurent Masson au 01 45 67 89 10.\n\nCordialement,\n{name}", []),
    ("en", "exchange", "Automatic reply: {s}",
     "Hello,\n\nI am out of the office until Monday 10 November with no access to email.\n"
     "For urgent matters please contact helpdesk@{dom} or call +44 20 7946 0958.\n\nKind regards,\n{name}", []),
    ("fr", "exchange", "Réponse automatique : {s}",
     "Bonjour,\n\nJe suis en congé du 3 au 9 novembre. De retour le 10.\n\n{name}", []),
    ("en", "exchange", "Automatic reply: {s}",
     "Thank you for your email. I'm on annual leave and will be back on the 9th.\n\n{name}", []),
    ("fr", "exchange", "Absence du bureau : {s}", "Absent(e) jusqu'au 8 décembre.", []),
    ("en", "exchange", "Out of Office: {s}", "I'm out of the office until 10/11 and will reply when I'm back.", []),
    ("fr", "gmail", "Re: {s}",
     "Bonjour,\n\nJe suis en vacances jusqu'au 10/11 et je lirai votre message à mon retour.\n\nBonne journée,\n{first}", []),
    ("en", "gmail", "Away until 9 November",
     "Hi,\n\nThanks for your message. I'm travelling with limited access to email until 9 November.\n\n{first}", []),
    ("fr", "gmail", "Absence", "Je suis absent jusqu'au 9.\nMerci de renvoyer votre message après cette date si nécessaire.", []),
    ("fr", "sieve", "Auto: {s}",
     "Je suis actuellement en déplacement et je reviens le lundi 10. Votre message a bien été reçu.", []),
    ("en", "sieve", "Auto: {s}", "I am away until 10 November. Your message has been received.", []),
    ("fr", "zimbra", "Message d'absence",
     "Bonjour,\nJe suis absente jusqu'au 7 novembre inclus.\nEn cas d'urgence : 06 98 76 54 32.\nCordialement", []),
    ("en", "zimbra", "Out of office", "I'm out until 8. Back on Monday.", []),
    ("fr", "cpanel", "Re: {s}",
     "Merci pour votre message. Nos bureaux sont fermés du 24/12 au 2/01. Nous vous répondrons dès notre retour.\n\n"
     "L'équipe {company}\n10 avenue de la République, 75011 Paris", []),
    ("en", "cpanel", "Thank you for contacting us",
     "Thank you for your email. We aim to reply within 2 working days.\n\n{company}, 10 Market Street, Leeds LS1 6DT", []),
    ("fr", "helpdesk", "[Ticket #{t}] Nous avons bien reçu votre demande",
     "Bonjour,\n\nVotre demande a bien été enregistrée sous le numéro {t}. Un conseiller vous répondra sous 48 h.\n\n"
     "Merci de ne pas répondre à ce message.\n-- \nService informatique {company}", []),
    ("en", "helpdesk", "[Request #{t}] Received: {s}",
     "Hello,\n\nThis is an automated message: we received your request and assigned it number {t}.\n"
     "Our team answers within 1 business day.\n\n-- \n{company} IT Service Desk", []),
    ("fr", "yahoo", "Réponse automatique",
     "Je suis absente jusqu'au 10 novembre. Je vous répondrai dès que possible.", []),
    ("en", "list", "Your message to {list} awaits moderator approval",
     "Your mail to '{list}' with the subject\n\n    {s}\n\nIs being held until the list moderator can review it for approval.\n\n"
     "The reason it is being held:\n\n    Post by non-member to a members-only list\n", []),
    ("fr", "outlook-rule", "Absence du bureau",
     "Bonjour, je suis absent du bureau du 3 au 10 novembre.\nVotre message ne sera pas transféré.", []),
    ("en", "outlook-rule", "Out of Office",
     "I am out of the office until Monday 10th. I will respond to your message on my return.", []),
    ("fr", "exchange", "Réponse automatique : {s}",
     "Madame, Monsieur,\n\nJe ne fais plus partie de la société depuis le 31/10/2025. Merci d'adresser vos messages à accueil@{dom}.\n\n"
     "Ce message et ses pièces jointes sont confidentiels.", []),
    ("en", "icloud", "Re: {s}",
     "I'm on holiday until 9 November, back on the 10th. Replies may be slow.", []),
    ("fr", "mdn-outlook", "Lu : {s}", "", []),
    ("en", "mdn-thunderbird", "Return Receipt (displayed) - {s}", "", []),
    ("fr", "autorespond", "Re: {s}",
     "Ceci est une réponse automatique.\nNotre agence est ouverte du lundi au vendredi de 9h à 18h. Tél. : 04 91 10 10 10.", []),
    ("en", "precedence-junk", "Auto-Reply: {s}", "I'm away until 10 November.", []),
    ("fr", "gmail", "Congés", "Bonjour, je suis en congés jusqu'au 5 janvier 2026. À mon retour je vous réponds. 9 jours de pause bien mérités !", []),
]

COMPANIES = {"fr": ["Groupe Vernier", "Cabinet Roussel", "Mairie de Saint-Aubin", "Lycée Jean Moulin"],
             "en": ["Acme Logistics", "Brookfield Partners", "Riverside Clinic"]}


def plan_autoreplies():
    for n, (lang, style, subj, body, _x) in enumerate(AUTO):
        typ = rnd.choice(["nps", "nps", "nps", "csat", "ces"])
        brand, ticket, ssubj = survey_ctx(lang, typ)
        kindmap = {"exchange": "corp", "outlook-rule": "corp", "gmail": "gmail", "sieve": "isp", "zimbra": "corp",
                   "cpanel": "corp", "helpdesk": "corp", "yahoo": "yahoo", "list": "corp", "icloud": "apple",
                   "mdn-outlook": "corp", "mdn-thunderbird": "isp", "autorespond": "corp", "precedence-junk": "isp"}
        dk = kindmap[style]
        dk = {"corp": "corp_" + lang, "isp": "isp_" + lang}.get(dk, dk)
        cust = person(lang, dk)
        dom = cust["email"].split("@")[1]
        company = rnd.choice(COMPANIES[lang])
        listname = "contact@" + dom
        t = ticket_no()
        sdate = rand_survey_date()
        rdate = sdate.add_min(rnd.choice([0, 1, 2]))
        fill = dict(s=ssubj, name=cust["name"], first=cust["first"], dom=dom, company=company, t=t, list=listname)
        subject = subj.format(**fill)
        text = body.format(**fill) + "\n"
        frm = addr(cust["name"], cust["email"])
        h = [("Return-Path", "<%s>" % cust["email"]), ("Delivered-To", TOK),
             ("Received", "from %s (%s [%s])\n\tby mx1.reply.example (Postfix) with ESMTPS id %s\n\tfor <%s>; %s"
              % ("mail." + dom, "mail." + dom, "185.%d.%d.%d" % (rnd.randint(1, 250), rnd.randint(1, 250), rnd.randint(1, 250)),
                 alnum(11), TOK, rdate.rfc()))]
        ctype = None
        extra = []
        irt = True
        if style == "exchange":
            extra = [("Thread-Topic", hdr_word(ssubj)), ("Thread-Index", "AQHcT" + alnum(20)),
                     ("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "All"),
                     ("X-MS-Exchange-Inbox-Rules-Loop", cust["email"]), ("X-MS-Exchange-Generated-Message-Source", "Mailbox Rules Agent"),
                     ("Content-Language", "fr-FR" if lang == "fr" else "en-US")]
            html = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body><p>%s</p></body></html>\n' % \
                html_escape(text).replace("\n", "<br>\n")
            ctype = multipart("alternative", "_000_%s_" % alnum(40), [text_part(text, "utf-8", "base64" if n % 2 else "quoted-printable", cs_label="utf-8"),
                                                                      text_part(html, "utf-8", "quoted-printable", "html", cs_label="utf-8")])
            msgid = "%s@%s.eurprd02.prod.outlook.com" % (alnum(30), "AM9PR02MB" + str(rnd.randint(1000, 9999)))
        elif style == "outlook-rule":
            extra = [("X-Mailer", "Microsoft Outlook 16.0"), ("Thread-Index", "AQHcT" + alnum(20)), ("Content-Language", "fr" if lang == "fr" else "en-gb")]
            ctype = text_part(text, "windows-1252", "quoted-printable", cs_label="windows-1252")
            msgid = "%s@%s" % (alnum(24), dom)
            irt = False
        elif style == "gmail":
            extra = [("Auto-Submitted", "auto-replied"), ("X-Gm-Message-State", "AOJu0Yx" + alnum(30))]
            ctype = multipart("alternative", "000000000000" + hexid(16), [text_part(text, "utf-8", "quoted-printable", cs_label="UTF-8"),
                                                                         text_part("<div dir=\"ltr\">%s</div>\n" % html_escape(text).replace("\n", "<br>"), "utf-8", "quoted-printable", "html", cs_label="UTF-8")])
            msgid = "CA%s@mail.gmail.com" % alnum(44)
        elif style == "sieve":
            extra = [("Auto-Submitted", "auto-replied (vacation)"), ("Precedence", "bulk")]
            ctype = text_part(text, "utf-8", "8bit", cs_label="utf-8")
            msgid = "dovecot-sieve-%d-%d-0@%s" % (1762000000 + rnd.randint(0, 10 ** 7), rnd.randint(1000, 99999), "mail." + dom)
        elif style == "zimbra":
            extra = [("Auto-Submitted", "auto-replied"), ("X-Autoreply", "yes"), ("X-Mailer", "Zimbra 9.0.0_GA_4583")]
            ctype = text_part(text, "utf-8", "7bit" if all(ord(c) < 128 for c in text) else "quoted-printable", cs_label="utf-8")
            msgid = "%d.%d.%d.JavaMail.zimbra@%s" % (rnd.randint(10 ** 8, 10 ** 9), rnd.randint(1, 9), 1762000000000 + rnd.randint(0, 10 ** 9), dom)
        elif style == "cpanel":
            extra = [("X-Autorespond", subject if all(ord(c) < 128 for c in subject) else "Re"), ("Precedence", "auto_reply"), ("X-Precedence", "auto_reply")]
            ctype = text_part(text, "utf-8", "8bit", cs_label="utf-8")
            msgid = "%s@%s" % (hexid(32), "server." + dom)
        elif style == "helpdesk":
            extra = [("Auto-Submitted", "auto-generated"), ("Precedence", "bulk"), ("X-Auto-Response-Suppress", "All"),
                     ("X-Mailer", "Zammad Mail Service")]
            ctype = text_part(text, "utf-8", "quoted-printable", cs_label="UTF-8")
            msgid = "<ticket-%s-%d@helpdesk.%s>".strip("<>") % (t, rnd.randint(1000, 9999), dom)
            frm = addr("%s - Support" % company, "support@" + dom)
        elif style == "yahoo":
            extra = [("Precedence", "junk"), ("X-Autoreply", "yes"), ("X-Mailer", "WebService/1.1.24652 YMailNorrin")]
            ctype = text_part(text, "utf-8", "quoted-printable", cs_label="UTF-8")
            msgid = "%d.%d@mail.yahoo.com" % (rnd.randint(10 ** 8, 10 ** 9), rnd.randint(10 ** 6, 10 ** 7))
        elif style == "list":
            extra = [("Precedence", "list"), ("List-Id", "<%s>" % listname.replace("@", ".")), ("X-BeenThere", listname),
                     ("X-Mailman-Version", "2.1.39")]
            ctype = text_part(text, "us-ascii", "7bit", cs_label="us-ascii")
            msgid = "mailman.%d.%d.%d.%s@%s" % (rnd.randint(1, 999), 1762000000 + rnd.randint(0, 10 ** 7), rnd.randint(1, 99), listname.split("@")[0], dom)
            frm = "%s-owner@%s" % (listname.split("@")[0], dom)
        elif style == "icloud":
            extra = [("Auto-Submitted", "auto-replied"), ("X-Mailer", "iCloud MailClient2500B19 MailServer2500B38")]
            ctype = text_part(text, "utf-8", "7bit", cs_label="utf-8")
            msgid = "%s@icloud.com" % alnum(20)
        elif style == "autorespond":
            extra = [("X-Autorespond", "Re: " + (ssubj if all(ord(c) < 128 for c in ssubj) else "Votre avis")), ("X-Mailer", "Plesk")]
            ctype = text_part(text, "iso-8859-1", "8bit", cs_label="iso-8859-1")
            msgid = "%s@%s" % (hexid(24), dom)
        elif style == "precedence-junk":
            extra = [("Precedence", "junk"), ("X-Loop", cust["email"])]
            ctype = text_part(text, "us-ascii", "7bit", cs_label="us-ascii")
            msgid = "%s@%s" % (hexid(24), dom)
        elif style == "mdn-outlook":
            rep = ("Votre message\n\n  À : %s\n  Objet : %s\n  Envoyé : %s\n\na été lu le %s.\n"
                   % (cust["name"], ssubj, sdate.rfc(), rdate.rfc()))
            ds = ("Reporting-UA: %s; Microsoft Outlook 16.0\nFinal-Recipient: rfc822;%s\nOriginal-Message-ID: <{{MSGID}}>\n"
                  "Disposition: manual-action/MDN-sent-manually; displayed\n" % (dom, cust["email"]))
            ctype = multipart("report", "----=_NextPart_%s" % hexid(20), [
                text_part(rep, "iso-8859-1", "quoted-printable", cs_label="iso-8859-1"),
                b"Content-Type: message/disposition-notification\n\n" + ds.encode() + b"\n"],
                '; report-type=disposition-notification')
            msgid = "%s@%s" % (alnum(30), dom)
            extra = [("X-Mailer", "Microsoft Outlook 16.0")]
        elif style == "mdn-thunderbird":
            rep = ("This is a Return Receipt for the mail that you sent to %s.\n\nNote: This Return Receipt only acknowledges that the message "
                   "was displayed on the recipient's computer. There is no guarantee that the recipient has read or understood the message contents.\n"
                   % cust["email"])
            ds = ("Reporting-UA: %s; Mozilla Thunderbird\nFinal-Recipient: rfc822;%s\nOriginal-Message-ID: <{{MSGID}}>\n"
                  "Disposition: manual-action/MDN-sent-manually; displayed\n" % (dom, cust["email"]))
            ctype = multipart("report", "------------" + alnum(24), [
                text_part(rep, "utf-8", "7bit", cs_label="UTF-8"),
                b"Content-Type: message/disposition-notification; name=\"MDNPart2.txt\"\nContent-Disposition: inline\n\n" + ds.encode() + b"\n"],
                '; report-type=disposition-notification')
            msgid = "%s-%s@%s" % (hexid(8), hexid(12), dom)
            extra = [("User-Agent", "Mozilla Thunderbird")]
        h += extra
        h += [("MIME-Version", "1.0"), ("From", frm), ("Date", rdate.rfc()), ("Message-ID", "<%s>" % msgid)]
        if irt:
            h += [("In-Reply-To", "<{{MSGID}}>"), ("References", "<{{MSGID}}>")]
        h += [("Subject", hdr_word(subject)), ("To", addr(brand["svc"], TOK) if rnd.random() < 0.5 else TOK)]
        tag = {"exchange": "exchange-oof", "outlook-rule": "outlook-rule-subject-only", "gmail": "gmail-vacation",
               "sieve": "sieve-vacation", "zimbra": "zimbra-x-autoreply", "cpanel": "cpanel-x-autorespond",
               "helpdesk": "helpdesk-ack", "yahoo": "yahoo-precedence-junk", "list": "mailman-precedence-list",
               "icloud": "icloud-vacation", "mdn-outlook": "outlook-read-receipt", "mdn-thunderbird": "thunderbird-return-receipt",
               "autorespond": "plesk-x-autorespond", "precedence-junk": "precedence-junk"}[style]
        digits = any(ch.isdigit() for ch in text) and style not in ("helpdesk",)
        add("auto-%s-%s%s" % (tag, lang, "-with-date-digits" if digits else ""), "autoreply", None, typ, lang, "-", simple_msg(h, ctype))

# ---------------------------------------------------------------- bounces

def original_headers(brand, cust, ssubj, sdate, lang, b):
    return ("Return-Path: <%s>\nReceived: from helpdesk.%s (helpdesk.%s [203.0.113.25])\n\tby mx1.reply.example (Postfix) with ESMTPS id %s\n\tfor <%s>; %s\n"
            "Message-ID: <{{MSGID}}>\nDate: %s\nFrom: %s\nReply-To: %s\nTo: %s\nSubject: %s\nMIME-Version: 1.0\n"
            "List-Unsubscribe: <mailto:%s?subject=unsubscribe>\nContent-Type: multipart/alternative; boundary=\"%s\"\n"
            % (TOK, brand["dom"], brand["dom"], alnum(11), cust["email"], sdate.rfc(), sdate.rfc(),
               addr(brand["svc"], "support@" + brand["dom"]), TOK, cust["email"], hdr_word(ssubj), TOK, b))


def original_message(brand, cust, ssubj, sdate, lang, typ):
    b = "=_np_" + hexid(16)
    hdrs = original_headers(brand, cust, ssubj, sdate, lang, b)
    body = "\n".join(survey_text(lang, typ, brand, cust, ticket_no())) + "\n"
    return (hdrs + "\n--%s\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n%s\n--%s--\n"
            % (b, qp_encode(body), b))


BOUNCES = [
    # lang, mta, status, diagnostic
    ("en", "postfix-local", "5.1.1", "host mx.%(dom)s[%(ip)s] said: 550 5.1.1 <%(rcpt)s>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)"),
    ("en", "postfix-local", "5.2.2", "host mx.%(dom)s[%(ip)s] said: 552 5.2.2 <%(rcpt)s>: Mailbox full, quota exceeded (in reply to RCPT TO command)"),
    ("en", "postfix-remote", "5.1.1", "host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <%(rcpt)s>: Recipient address rejected: User unknown in local recipient table"),
    ("en", "exim", "5.0.0", "550 5.1.1 <%(rcpt)s>: No such user here"),
    ("en", "exim-plain", None, "550-5.1.1 The email account that you tried to reach does not exist."),
    ("en", "o365", "5.1.10", "Remote server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'"),
    ("fr", "o365", "5.1.10", "Remote server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'"),
    ("en", "exchange-onprem", "5.2.2", "#550 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException ##"),
    ("en", "gmail", "5.1.1", "smtp; 550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. For more information, go to https://support.google.com/mail/?p=NoSuchUser"),
    ("fr", "exchange-onprem", "5.2.2", "#550 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException ##"),
    ("fr", "orange", "5.1.1", "smtp; 550 5.1.1 <%(rcpt)s>: Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416"),
    ("en", "yahoo", None, "552 1 Requested mail action aborted, mailbox not found"),
    ("fr", "postfix-local", "5.4.4", "Host or domain name not found. Name service error for name=%(dom)s type=MX: Host not found, try again"),
    ("en", "postfix-local", "5.7.1", "host mx.%(dom)s[%(ip)s] said: 554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org (in reply to RCPT TO command)"),
]


def plan_bounces():
    for n, (lang, mta, status, diag) in enumerate(BOUNCES):
        typ = rnd.choice(["nps", "nps", "csat", "ces"]) if n % 3 == 0 else "nps"
        brand, ticket, ssubj = survey_ctx(lang, typ)
        cust = person(lang, rnd.choice(["isp_" + lang, "gmail", "corp_" + lang, "outlook"]))
        if mta == "gmail":
            cust = person(lang, "gmail")
        if mta == "exchange-onprem":
            cust = person(lang, "corp_" + lang)
        if mta == "orange":
            cust = person("fr", "isp_fr")
            cust["email"] = cust["email"].split("@")[0] + "@orange.fr"
        dom = cust["email"].split("@")[1]
        ip = "%d.%d.%d.%d" % (rnd.randint(20, 220), rnd.randint(1, 250), rnd.randint(1, 250), rnd.randint(1, 250))
        sdate = rand_survey_date()
        bdate = sdate.add_min(rnd.choice([0, 1, 5, 30]))
        d = diag % dict(dom=dom, ip=ip, rcpt=cust["email"])
        qid = alnum(11)
        orig = original_message(brand, cust, ssubj, sdate, lang, typ)
        orig_h = orig.split("\n\n", 1)[0] + "\n"
        h = [("Return-Path", "<>"), ("Delivered-To", TOK)]
        if mta.startswith("postfix"):
            host = "mx1.reply.example" if mta == "postfix-local" else "smtp.%s" % brand["dom"]
            h += [("Received", "by %s (Postfix)\n\tid %s; %s" % (host, qid, bdate.rfc())), ("Date", bdate.rfc()),
                  ("From", "MAILER-DAEMON@%s (Mail Delivery System)" % host), ("Subject", "Undelivered Mail Returned to Sender"),
                  ("To", TOK), ("Auto-Submitted", "auto-replied"), ("MIME-Version", "1.0")]
            b = "%s.%d/%s" % (qid, 1762000000 + rnd.randint(0, 10 ** 7), host)
            if lang == "fr":
                txt = ("Ceci est le programme de distribution de courriel de %s.\n\nJe suis désolé de vous informer que votre message n'a pas pu\n"
                       "être remis à un ou plusieurs destinataires. Il est joint ci-dessous.\n\n"
                       "                   Le programme de distribution de courriel\n\n<%s>: %s\n" % (host, cust["email"], d))
                cs = "utf-8"
            else:
                txt = ("This is the mail system at host %s.\n\nI'm sorry to have to inform you that your message could not\n"
                       "be delivered to one or more recipients. It's attached below.\n\nFor further assistance, please send mail to postmaster.\n\n"
                       "If you do so, please include this problem report. You can\ndelete your own text from the attached returned message.\n\n"
                       "                   The mail system\n\n<%s>: %s\n" % (host, cust["email"], d))
                cs = "us-ascii"
            ds = ("Reporting-MTA: dns; %s\nX-Postfix-Queue-ID: %s\nX-Postfix-Sender: rfc822; %s\nArrival-Date: %s\n\n"
                  "Final-Recipient: rfc822; %s\nOriginal-Recipient: rfc822;%s\nAction: failed\nStatus: %s\nRemote-MTA: dns; mx.%s\n"
                  "Diagnostic-Code: smtp; %s\n" % (host, qid, TOK, sdate.rfc(), cust["email"], cust["email"], status, dom, d.split(" said: ")[-1]))
            parts = [("Content-Description: Notification\nContent-Type: text/plain; charset=%s\nContent-Transfer-Encoding: 8bit\n\n" % cs).encode() + txt.encode(cs),
                     ("Content-Description: Delivery report\nContent-Type: message/delivery-status\n\n" + ds).encode(),
                     ("Content-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers\n\n" + orig_h).encode()
                     if n % 2 else ("Content-Description: Undelivered Message\nContent-Type: message/rfc822\n\n" + orig).encode()]
            top = multipart("report", b, parts, "; report-type=delivery-status")
        elif mta == "exim":
            host = "mx%d.%s" % (rnd.randint(1, 3), dom)
            h += [("Received", "from mail by %s with local (Exim 4.97)\n\tid 1v%s-000%s-3N; %s" % (host, alnum(5), alnum(3), bdate.rfc())),
                  ("X-Failed-Recipients", cust["email"]), ("Auto-Submitted", "auto-replied"),
                  ("From", "Mail Delivery System <Mailer-Daemon@%s>" % host), ("To", TOK), ("References", "<{{MSGID}}>"),
                  ("Content-Type", None), ("Subject", "Mail delivery failed: returning message to sender"),
                  ("Message-Id", "<E1v%s-000%s-3N@%s>" % (alnum(5), alnum(3), host)), ("Date", bdate.rfc()), ("MIME-Version", "1.0")]
            b = "%d-eximdsn-%d" % (1762000000 + rnd.randint(0, 10 ** 7), rnd.randint(10 ** 8, 10 ** 9))
            txt = ("This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\n"
                   "recipients. This is a permanent error. The following address(es) failed:\n\n  %s\n    %s\n" % (cust["email"], d))
            ds = ("Reporting-MTA: dns; %s\n\nAction: failed\nFinal-Recipient: rfc822;%s\nStatus: %s\n" % (host, cust["email"], status))
            parts = [("Content-type: text/plain; charset=us-ascii\n\n" + txt).encode(),
                     ("Content-type: message/delivery-status\n\n" + ds).encode(),
                     ("Content-type: message/rfc822\n\n" + orig).encode()]
            top = multipart("report", b, parts, "; report-type=delivery-status")
        elif mta == "exim-plain":
            host = "mail.%s" % dom
            h += [("Received", "from mail by %s with local (Exim 4.92)\n\tid 1v%s-000%s-Ab; %s" % (host, alnum(5), alnum(3), bdate.rfc())),
                  ("X-Failed-Recipients", cust["email"]), ("Auto-Submitted", "auto-replied"),
                  ("From", "Mail Delivery System <Mailer-Daemon@%s>" % host), ("To", TOK),
                  ("Subject", "Mail delivery failed: returning message to sender"),
                  ("Message-Id", "<E1v%s-000%s-Ab@%s>" % (alnum(5), alnum(3), host)), ("Date", bdate.rfc())]
            txt = ("This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\n"
                   "recipients. This is a permanent error. The following address(es) failed:\n\n  %s\n    SMTP error from remote mail server after RCPT TO:<%s>:\n    %s\n\n"
                   "------ This is a copy of the message, including all the headers. ------\n\n%s" % (cust["email"], cust["email"], d, orig))
            top = txt.encode()
        elif mta in ("o365", "exchange-onprem"):
            host = "PAXPR08MB%d.eurprd08.prod.outlook.com" % rnd.randint(1000, 9999) if mta == "o365" else "EXCH01.%s" % dom
            sender = ("postmaster@%s" % (dom if mta == "exchange-onprem" else "outlook.com"))
            subj = ("Non remis : " if lang == "fr" else "Undeliverable: ") + ssubj
            h += [("Received", "from %s ([::1]) by %s with mapi id 15.20.8182.%d; %s" % (host, host, rnd.randint(10, 40), bdate.rfc())),
                  ("From", addr("Microsoft Outlook" if mta == "o365" else "Postmaster", sender) if mta == "exchange-onprem" else
                   "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@%s>" % brand["dom"]),
                  ("To", TOK), ("Date", bdate.rfc()), ("Content-Language", "fr-FR" if lang == "fr" else "en-US"),
                  ("Message-ID", "<%s@%s>" % (hexid(8) + "-" + hexid(4) + "-" + hexid(4) + "-" + hexid(4) + "-" + hexid(12), host)),
                  ("In-Reply-To", "<{{MSGID}}>"), ("References", "<{{MSGID}}>"), ("Subject", hdr_word(subj)),
                  ("Auto-Submitted", "auto-replied"), ("X-MS-Exchange-Message-Is-Ndr", ""), ("MIME-Version", "1.0")]
            if mta == "exchange-onprem":
                if lang == "fr":
                    body_txt = ("La remise a échoué pour ces destinataires ou groupes :</p><p>%s<br>La boîte aux lettres du destinataire est pleine "
                                "et ne peut pas accepter de messages pour l'instant. Essayez de renvoyer ce message ultérieurement ou contactez directement le destinataire."
                                "</p><p>Informations de diagnostic pour les administrateurs :<br>Serveur de génération : %s<br>%s<br>%s" % (cust["email"], host, cust["email"], d))
                else:
                    body_txt = ("Delivery has failed to these recipients or groups:</p><p>%s<br>The recipient's mailbox is full and can't accept messages now. "
                                "Please try resending this message later, or contact the recipient directly.</p><p>Diagnostic information for administrators:"
                                "<br>Generating server: %s<br>%s<br>%s" % (cust["email"], host, cust["email"], d))
                html = ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body><p>%s</p></body></html>\n" % body_txt)
            elif lang == "fr":
                html = ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>"
                        "<p><b><font color=\"#000066\" size=\"3\" face=\"Arial\">Votre message à %s n'a pas pu être remis.</font></b></p>"
                        "<p>%s n'a pas été trouvé sur %s.</p><p><b>Office 365</b></p><p>Action requise : vérifiez l'adresse du destinataire.</p>"
                        "<p>Comment résoudre ce problème ?<br>L'adresse est peut-être mal orthographiée ou n'existe pas. Essayez de renvoyer le message.</p>"
                        "<p>Informations de diagnostic pour les administrateurs :<br>Serveur de génération : %s<br>%s<br>%s</p></body></html>\n"
                        % (cust["email"], cust["email"].split("@")[0], dom, host, cust["email"], d))
            else:
                html = ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>"
                        "<p><b><font color=\"#000066\" size=\"3\" face=\"Arial\">Your message to %s couldn't be delivered.</font></b></p>"
                        "<p>%s wasn't found at %s.</p><p><b>Office 365</b></p><p>Action required: check the recipient address.</p>"
                        "<p>Diagnostic information for administrators:<br>Generating server: %s<br>%s<br>%s</p></body></html>\n"
                        % (cust["email"], cust["email"].split("@")[0], dom, host, cust["email"], d))
            ds = ("Reporting-MTA: dns;%s\nReceived-From-MTA: dns;helpdesk.%s\nArrival-Date: %s\n\nFinal-recipient: rfc822;%s\n"
                  "Action: failed\nStatus: %s\nDiagnostic-Code: smtp;%s\n" % (host, brand["dom"], sdate.rfc(), cust["email"], status, d))
            b = "_000_%s_" % alnum(40)
            import re as _re
            alt = multipart("alternative", "_001_" + alnum(30) + "_", [
                text_part(_re.sub(r"<[^>]+>", "", html.split("<body>")[1].replace("<br>", "\n").replace("</p>", "\n\n")).strip() + "\n", "utf-8", "quoted-printable", cs_label="utf-8"),
                text_part(html, "utf-8", "quoted-printable", "html", cs_label="utf-8")])
            parts = [alt, ("Content-Type: message/delivery-status\n\n" + ds).encode(),
                     ("Content-Type: message/rfc822\n\n" + orig).encode()]
            top = multipart("report", b, parts, "; report-type=delivery-status")
        elif mta == "gmail":
            host = "mx.google.com"
            subj = "Delivery Status Notification (Failure)"
            h += [("Received", "by 2002:a05:6000:4026:b0:42b:%s with SMTP id %s; %s" % (hexid(4), alnum(20), bdate.rfc())),
                  ("From", "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"), ("To", TOK),
                  ("Auto-Submitted", "auto-replied"), ("Message-ID", "<%s.%s@mx.google.com>" % (hexid(8), hexid(8))),
                  ("Date", bdate.rfc("-0800")), ("Subject", subj), ("References", "<{{MSGID}}>"), ("In-Reply-To", "<{{MSGID}}>"),
                  ("X-Failed-Recipients", cust["email"]), ("MIME-Version", "1.0")]
            if lang == "fr":
                txt = ("\n** Adresse introuvable **\n\nVotre message n'a pas été distribué à %s, car l'adresse est introuvable ou ne peut pas recevoir de messages.\n\n"
                       "En savoir plus : https://support.google.com/mail/?p=NoSuchUser\n\nLa réponse était :\n\n%s\n" % (cust["email"], d))
            else:
                txt = ("\n** Address not found **\n\nYour message wasn't delivered to %s because the address couldn't be found, or is unable to receive mail.\n\n"
                       "Learn more here: https://support.google.com/mail/?p=NoSuchUser\n\nThe response was:\n\n%s\n" % (cust["email"], d))
            ds = ("Reporting-MTA: dns; googlemail.com\nArrival-Date: %s\n\nFinal-Recipient: rfc822; %s\nAction: failed\nStatus: %s\n"
                  "Remote-MTA: dns; gmail-smtp-in.l.google.com. (142.250.102.27, the server for the domain gmail.com.)\nDiagnostic-Code: %s\n"
                  "Last-Attempt-Date: %s\n" % (sdate.rfc(), cust["email"], status, d, bdate.rfc()))
            b = "000000000000" + hexid(16)
            parts = [multipart("related", "000000000000" + hexid(16), [multipart("alternative", "000000000000" + hexid(16), [
                text_part(txt, "utf-8", "quoted-printable", cs_label="UTF-8"),
                text_part("<html><body>%s</body></html>\n" % html_escape(txt).replace("\n", "<br>\n"), "utf-8", "quoted-printable", "html", cs_label="UTF-8")])]),
                ("Content-Type: message/delivery-status\n\n" + ds).encode(),
                ("Content-Type: message/rfc822\n\n" + orig).encode()]
            top = multipart("report", b, parts, "; report-type=delivery-status")
        elif mta == "orange":
            host = "smtp.orange.fr"
            h += [("Received", "from opmta1mto02nd1 with ME id %s; %s" % (alnum(20), bdate.rfc())),
                  ("From", "Mail Delivery System <MAILER-DAEMON@%s>" % host), ("To", TOK),
                  ("Subject", hdr_word("Échec de remise du message")), ("Date", bdate.rfc()),
                  ("Message-ID", "<%s@%s>" % (alnum(20), host)), ("MIME-Version", "1.0"), ("Auto-Submitted", "auto-replied")]
            txt = ("Votre message n'a pas pu être délivré à un ou plusieurs destinataires.\n\n<%s> : %s\n" % (cust["email"], d))
            ds = ("Reporting-MTA: dns; %s\n\nFinal-Recipient: rfc822; %s\nAction: failed\nStatus: %s\nDiagnostic-Code: %s\n" % (host, cust["email"], status, d))
            b = "----=_Part_%d" % rnd.randint(10 ** 6, 10 ** 7)
            parts = [text_part(txt, "utf-8", "8bit", cs_label="UTF-8"), ("Content-Type: message/delivery-status\n\n" + ds).encode(),
                     ("Content-Type: text/rfc822-headers\n\n" + orig_h).encode()]
            top = multipart("report", b, parts, "; report-type=delivery-status")
        elif mta == "yahoo":
            host = "mta%d.am0.yahoodns.net" % rnd.randint(4, 7)
            h += [("Received", "from %s by mx1.reply.example; %s" % (host, bdate.rfc())),
                  ("From", "MAILER-DAEMON@yahoo.com"), ("To", TOK), ("Subject", "Failure Notice"), ("Date", bdate.rfc()),
                  ("Message-ID", "<%s@%s>" % (alnum(20), host))]
            txt = ("Sorry, we were unable to deliver your message to the following address.\n\n<%s>:\n%s\n\n--- Below this line is a copy of the message.\n\n%s"
                   % (cust["email"], d, orig))
            top = ("Content-Type: text/plain; charset=us-ascii\n\n" + txt).encode()
        h = [x for x in h if x[1] is not None]
        label_lang = lang
        if mta.startswith("postfix") and lang == "fr":
            label_lang = "fr"
        desc = "bounce-%s-%s-%s" % (mta, lang, (status or "plain").replace(".", ""))
        if not top.startswith(b"Content-") and mta in ("exim-plain",):
            top = b"\n" + top
        add(desc, "bounce", None, typ, label_lang, "-", finish(h, top, "\n" if mta.startswith(("postfix", "exim")) else "\r\n"))

# ---------------------------------------------------------------- unsubscribes

def plan_unsubscribes():
    U = [("iphone", "fr", "STOP", "stop"), ("gmail", "en", "unsubscribe", "unsubscribe"),
         ("outlook", "fr", "Bonjour,\n\nMerci de procéder à ma désinscription, je ne souhaite plus recevoir vos enquêtes.", "desinscription"),
         ("thunderbird", "fr", "Je ne souhaite plus recevoir ce type de message.", "ne-plus-recevoir"),
         ("owa", "en", "Please remove me from your mailing list.", "remove-me"),
         ("samsung", "fr", "STOP SVP", "stop-svp"), ("yahoo", "en", "Stop sending me these surveys.", "stop-sending"),
         ("k9", "fr", "Désinscription", "desinscription-word"), ("gmail-android", "en", "UNSUBSCRIBE", "unsubscribe-caps")]
    for c, lang, text, tag in U:
        a = A(text, None, "-", "unsubscribe-" + tag)
        response(c, lang, rnd.choice(["nps", "nps", "csat"]), a, posting="top", greet=False, thanks=False, kind="unsubscribe",
                 **client_opts(c, a))
    # Mails sent to the List-Unsubscribe mailto: by the mailbox provider's unsubscribe button.
    for lang, prov, body in (("en", "gmail", "This message was automatically generated by Gmail.\n"),
                             ("fr", "outlook", ""), ("en", "yahoo", "")):
        sp = base_spec("gmail" if prov == "gmail" else ("owa" if prov == "outlook" else "yahoo"), lang, "nps")
        sp.update(subject="unsubscribe", to_hdr=TOK, rcpt=TOK, irt=False)
        if prov == "gmail":
            top = text_part(body, "utf-8", None, cs_label="UTF-8")
            msgid = "CA%s@mail.gmail.com" % alnum(44)
            h = std_headers(sp, msgid)
        elif prov == "outlook":
            top = text_part("\n", "utf-8", "7bit", cs_label="utf-8")
            msgid = "%s@%s.namprd02.prod.outlook.com" % (alnum(30), "BY5PR02MB" + str(rnd.randint(1000, 9999)))
            h = std_headers(sp, msgid, helo=("NAM10-DM6-obe.outbound.protection.outlook.com", "40.92.41.%d" % rnd.randint(10, 99)))
        else:
            top = text_part("\n", "utf-8", "7bit", cs_label="UTF-8")
            msgid = "%d.%d@mail.yahoo.com" % (rnd.randint(10 ** 8, 10 ** 9), rnd.randint(10 ** 6, 10 ** 7))
            h = std_headers(sp, msgid, ("X-Mailer", "WebService/1.1.24652 YMailNorrin"))
        add("%s-%s-list-unsubscribe-mailto" % (prov, lang), "unsubscribe", None, "nps", "en", "-", finish(h, top))

# ---------------------------------------------------------------- unmatched

def plan_unmatched():
    # no token anywhere, Message-ID unknown (or none)
    NOTOK = dict(to_hdr="nps@reply.example", rcpt="nps@reply.example")
    cases = [
        ("gmail", "fr", "Enquête de satisfaction",
         "Bonjour, j'ai reçu une enquête de satisfaction mais je ne la retrouve plus. Je vous mets 9.", False, "new-mail-score-9-no-token"),
        ("outlook", "fr", "RE: Devis n° 2025-4471",
         "Bonjour,\n\nBon pour accord.\n\nCordialement,\nPascal Roux\n\n-----Message d'origine-----\nDe : Service commercial <commercial@atelier-bernard.fr>\n"
         "Envoyé : mardi 4 novembre 2025 09:12\nÀ : Pascal Roux <pascal.roux@groupe-vernier.fr>\nObjet : Devis n° 2025-4471\n\n"
         "Bonjour,\nVeuillez trouver notre devis pour 10 chaises, 1 249,00 € TTC.", True, "reply-to-unrelated-thread"),
        ("iphone", "fr", "Avis", "10/10 super équipe", False, "new-mail-10-no-token"),
        ("gmail", "en", "Re: Your appointment",
         "8\n\nOn Tue, Nov 4, 2025 at 9:00 AM Brightline Bookings <bookings@brightline.net> wrote:\n"
         "> Your engineer appointment is confirmed for 12/11 between 10:00 and 12:00.", True, "reply-to-unknown-message-8"),
        ("iphone", "en", "Hi", "Hi, who is this? I don't think I contacted you.", False, "who-is-this"),
        ("outlook", "en", "RE: Ticket 48213", "9 - great service\n\nFrom: Northwind Outfitters <help@northwind-outfitters.com>\n"
         "Sent: Monday, November 3, 2025 4:02 PM\nSubject: Ticket 48213\n\nYour ticket 48213 has been updated.", True, "unknown-references-9"),
    ]
    for c, lang, subj, text, unknown_irt, tag in cases:
        sp = base_spec({"gmail": "gmail", "iphone": "iphone", "outlook": "outlook"}[c], lang, "nps")
        sp.update(own=text, subject=subj, to_hdr="nps@reply.example", rcpt="nps@reply.example")
        if c == "iphone":
            sp["sig"] = "Envoyé de mon iPhone" if lang == "fr" else "Sent from my iPhone"
        if unknown_irt:
            sp["keep_irt"] = True
            sp["irt_id"] = rid("mail.%s" % rnd.choice(["atelier-bernard.fr", "brightline.net", "northwind-outfitters.com"]))
        raw = c_prefill(sp, c)
        assert b"{{" not in raw
        add("%s-%s-unmatched-%s" % (c, lang, tag), "unmatched", None, "nps", lang, "-", raw)
    # spam and cold mail to the bare reply address
    spams = [
        ("fr", "Boostez votre référencement naturel en 30 jours",
         "<html><body><h1>Offre spéciale -50 %</h1><p>Bonjour,</p><p>Notre agence propose un audit SEO offert pour les 10 premiers inscrits.</p>"
         "<p>Appelez-nous au 01 84 60 10 10.</p><p><a href=\"https://seo-boost.example/unsub\">Se désinscrire</a></p></body></html>\n"),
        ("en", "Invoice 20931 overdue - action required",
         "<html><body><p>Dear customer,</p><p>Your invoice #20931 of $1,249.00 is overdue. Please review the attached statement before 12/11.</p></body></html>\n"),
        ("fr", "Proposition de partenariat",
         "<p>Bonjour,</p><p>Je me permets de vous contacter au sujet d'un partenariat. Seriez-vous disponible mardi 10 à 14h ?</p><p>Bien à vous,<br>Marc Delorme</p>\n"),
        ("en", "Your parcel is waiting",
         "<p>We tried to deliver your parcel 8 / 10 times. Pay 1.99 GBP to reschedule.</p>\n"),
    ]
    for lang, subj, html in spams:
        dom = rnd.choice(["mailer-%d.example" % rnd.randint(1, 99), "news.seo-boost.example", "delivery-notice.example"])
        d = rand_survey_date()
        h = [("Return-Path", "<bounce-%s@%s>" % (alnum(8).lower(), dom)), ("Delivered-To", "nps@reply.example"),
             ("Received", "from %s (unknown [%d.%d.%d.%d])\n\tby mx1.reply.example (Postfix) with ESMTP id %s\n\tfor <nps@reply.example>; %s"
              % (dom, rnd.randint(20, 220), rnd.randint(1, 250), rnd.randint(1, 250), rnd.randint(1, 250), alnum(11), d.rfc())),
             ("From", addr(rnd.choice(["Service Promotions", "Accounts Dept", "Marc Delorme", "Parcel Service"]), "info@" + dom)),
             ("To", "nps@reply.example"), ("Subject", hdr_word(subj)), ("Date", d.rfc()),
             ("Message-ID", "<%s@%s>" % (hexid(20), dom)), ("MIME-Version", "1.0")]
        top = text_part(html, "utf-8", "quoted-printable", "html", cs_label="utf-8")
        add("spam-%s-unmatched-%s" % (lang, "-".join(strip_accents(subj).lower().split()[:3])), "unmatched", None, "nps", lang, "-", finish(h, top))

    # forged and expired tokens: never counted, even with a score
    for ph, items in (("{{TOKEN_FORGED}}", [("gmail", "fr", "9"), ("outlook", "en", "10/10"), ("iphone", "fr", "8 - très bien"),
                                           ("thunderbird", "en", "I'd give you a 7"), ("yahoo", "fr", "Note : 10")]),
                      ("{{TOKEN_EXPIRED}}", [("gmail", "en", "9\nSorry for the late answer!"), ("owa", "fr", "Désolé pour le retard, je mets 8."),
                                             ("applemail", "fr", "6")])):
        kindtag = "forged-token" if "FORGED" in ph else "expired-token"
        for c, lang, text in items:
            a = A(text, None, "-", kindtag)
            o = client_opts(c, a)
            taddr = "nps+%s@reply.example" % ph
            o.update(tok_addr=taddr, irt_id=rid("reply.example"))
            if o.get("cte") == "base64":
                o["cte"] = "quoted-printable"
            response(c, lang, "nps", a, posting=pick_posting(c), greet=False, thanks=False, kind="unmatched",
                     desc_extra="-with-score-text", **o)
            SAMPLES[-1]["desc"] = SAMPLES[-1]["desc"].replace("-top-", "-").replace("-bottom-", "-").replace("-inline-", "-")
            raw = SAMPLES[-1]["raw"]
            assert b"{{TOKEN}}" not in raw and b"{{MSGID}}" not in raw, text

# ---------------------------------------------------------------- unparsed

def plan_unparsed():
    add("unparsed-empty-file", "unparsed", None, "nps", "en", "-", b"")
    add("unparsed-binary-garbage", "unparsed", None, "nps", "en", "-", zlib.compress(urand(300)) + urand(200))
    add("unparsed-json-not-a-mail", "unparsed", None, "nps", "en", "-",
        b'{"event":"delivered","recipient":"nps@reply.example","ts":1762161234,"score":9}\n')
    add("unparsed-truncated-headers-no-body", "unparsed", None, "nps", "fr", "-",
        ("Return-Path: <claire.dupont@orange.fr>\r\nReceived: from smtp.orange.fr (smtp.orange.fr [80.12.242.12])\r\n"
         "\tby mx1.reply.example (Postfix) with ESMTPS id 4dKx2F1Zq3z\r\nFrom: Claire Dupont <claire.dupont@orange.fr>\r\n"
         "To: nps+{{TOKEN}}@reply.example\r\nSubject: Re: Votre avis sur notre ser").encode())


# ---------------------------------------------------------------- other clients' forms

FORM_SURVEY = {
    "en": ["Hi {first},", "", "Your request #{ticket} \"Missing item in my order\" has been closed by Megan.", "",
           "On a scale of 0 to 10, how likely are you to recommend Northwind Outfitters to a friend or colleague?", "",
           "0 - 1 - 2 - 3 - 4 - 5 - 6 - 7 - 8 - 9 - 10", "",
           "Just reply to this email with your score and, if you like, a comment.", "", "The Northwind Outfitters team"],
    "fr": ["Bonjour {first},", "", "Votre demande n° {ticket} « Livraison incomplète » a été clôturée par Julien.", "",
           "Sur une échelle de 0 à 10, quelle est la probabilité que vous recommandiez Maison Lumière à un proche ?", "",
           "0 - 1 - 2 - 3 - 4 - 5 - 6 - 7 - 8 - 9 - 10", "",
           "Répondez simplement à ce message avec votre note et, si vous le souhaitez, un commentaire.", "",
           "L'équipe Maison Lumière"],
}

FORM_PEOPLE = {
    "en": ("Emily Carter", "emily.carter@outlook.com"), "fr": ("Claire Dupont", "claire.dupont@orange.fr"),
    "de": ("Jonas Becker", "jonas.becker@web.de"), "es": ("Lucía Fernández", "lucia.fernandez@gmail.com"),
    "it": ("Giulia Romano", "giulia.romano@libero.it"), "nl": ("Sanne de Vries", "sanne.devries@ziggo.nl"),
    "pt": ("João Silva", "joao.silva@sapo.pt"), "pl": ("Katarzyna Nowak", "k.nowak@wp.pl"),
    "sv": ("Erik Lindqvist", "erik.lindqvist@telia.se"), "da": ("Mette Jensen", "mette.jensen@mail.dk"),
    "no": ("Ingrid Hansen", "ingrid.hansen@online.no"), "fi": ("Mikko Virtanen", "mikko.virtanen@elisa.fi"),
    "cs": ("Petr Novák", "petr.novak@seznam.cz"), "ru": ("Анна Смирнова", "anna.smirnova@yandex.ru"),
    "tr": ("Ayşe Yılmaz", "ayse.yilmaz@hotmail.com.tr"), "ja": ("佐藤 花子", "hanako.sato@docomo.ne.jp"),
    "zh": ("王 芳", "wangfang@qq.com"), "vi": ("Nguyễn Thị Lan", "lan.nguyen@gmail.com"),
}

FORMS = []


def form(desc, lang, own, score, comment, quote="attr", attr=None, block=None, sig=None, html=None,
         subject=None, typ="nps", kind="response", extra=(), survey_lang=None, cte="quoted-printable",
         after=None, sender=None, mailer=("User-Agent", "Mozilla/5.0")):
    """One reply: own text, then what the client adds (signature lines,
    an attribution with the quoted survey, or a header block with it)."""
    FORMS.append(dict(desc=desc, lang=lang, own=own, score=score, comment=comment, quote=quote, attr=attr,
                      block=block, sig=sig, html=html, subject=subject, typ=typ, kind=kind, extra=extra,
                      survey_lang=survey_lang, cte=cte, after=after, sender=sender, mailer=mailer))


def form_build(n, f):
    fr = random.Random(7000 + n)
    name, email = f["sender"] or FORM_PEOPLE[f["lang"]]
    sl = f["survey_lang"] or ("fr" if f["lang"] == "fr" else "en")
    ticket = str(fr.randint(10000, 99999))
    first = name.split()[0]
    survey = [l.format(first=first, ticket=ticket) for l in FORM_SURVEY[sl]]
    subj = f["subject"] or ("Re: Votre avis sur notre service - demande n° %s" % ticket if sl == "fr"
                            else "Re: How did we do? Request #%s" % ticket)
    d = D(2025, 11, fr.randint(1, 28), fr.randint(8, 18), fr.randint(0, 59))
    brand = "Maison Lumière" if sl == "fr" else "Northwind Outfitters"
    h = [("Return-Path", "<%s>" % email), ("Delivered-To", TOK),
         ("From", addr(name, email)), ("To", addr(brand, TOK)), ("Subject", hdr_word(subj)),
         ("Date", d.rfc()), ("Message-ID", "<%s.%s@%s>" % (hexid(12), ticket, email.split("@")[1])),
         ("In-Reply-To", "<{{MSGID}}>"), ("References", "<{{MSGID}}>"), ("MIME-Version", "1.0")]
    if f["mailer"]:
        h.append(f["mailer"])
    h += list(f["extra"])
    if f["html"] is not None:
        body = f["html"].replace("{SURVEY}", survey_html(survey)).replace("{SURVEY_TEXT}", "<br>".join(html_escape(l) for l in survey))
        plain = None
    else:
        lines = f["own"].split("\n")
        if f["sig"]:
            lines += [""] + f["sig"]
        if f["quote"] == "attr":
            lines += ["", f["attr"], ""] + qlines(survey)
        elif f["quote"] == "attr-unquoted":
            lines += ["", f["attr"], ""] + survey
        elif f["quote"] == "block":
            lines += [""] + f["block"] + [""] + survey
        elif f["quote"] == "block-quoted":
            lines += [""] + qlines(f["block"] + [""] + survey)
        elif f["quote"] == "attr-same":
            lines += qlines(survey)
        elif f["quote"] == "bottom":
            lines = [f["attr"]] + qlines(survey) + [""] + lines
        if f["after"]:
            lines += f["after"]
        plain = "\n".join(lines) + "\n"
    if plain is not None:
        top = text_part(plain, "utf-8", f["cte"])
    else:
        top = text_part(body, "utf-8", "quoted-printable", "html")
    add(f["desc"], f["kind"], f["score"], f["typ"], f["lang"], f["comment"], finish(h, top))


def plan_forms():
    at = "Support <support@northwind-outfitters.com>"
    atf = "Maison Lumière <support@maison-lumiere.fr>"
    # French header blocks
    form("outlookcom-fr-top-block-envoye-le", "fr", "9\n\nTrès bon suivi de Julien.", "9", "Très bon suivi de Julien.",
         quote="block", block=["________________________________", "De : %s" % atf,
                               "Envoyé le : jeudi 15 décembre 2016 09:35", "À : Claire Dupont <claire.dupont@orange.fr>",
                               "Objet : Votre avis sur notre service"])
    form("outlookcom-fr-top-block-no-rule", "fr", "Note : 8\nLivraison rapide, emballage soigné.", "8",
         "Livraison rapide, emballage soigné.", quote="block",
         block=["De : %s" % atf, "Envoyé le : lundi 3 novembre 2025 10:12",
                "À : claire.dupont@orange.fr", "Objet : Votre avis"])
    form("yahoo-fr-top-block", "fr", "10 !\nRien à redire.", "10", "Rien à redire.", quote="block",
         block=["De : Maison Lumière <support@maison-lumiere.fr>", "À : Claire Dupont <claire.dupont@orange.fr>",
                "Envoyé : jeudi 15 décembre 2016 9h35", "Objet : Votre avis sur notre service"])
    form("webmail-fr-top-block-message-du", "fr", "7\n\nUn peu long mais efficace.", "7", "Un peu long mais efficace.",
         quote="block", block=["========================================", "Message du : 12/12/2016 13:20",
                               "De : \"Maison Lumière\" <support@maison-lumiere.fr>",
                               "A : claire.dupont@orange.fr", "Copie à : ", "Sujet : Votre avis sur notre service"])
    form("laposte-fr-top-block-quoted", "fr", "6", "6", "-", quote="block-quoted",
         block=["Message du 12/12/16 13:20", "De : \"Maison Lumière\" <support@maison-lumiere.fr>",
                "A : claire.dupont@laposte.net", "Objet : Votre avis"])
    # Hotmail: the date first; a From line wrapped
    form("hotmail-en-top-block-date-first", "en", "8 - Megan was quick.", "8", "Megan was quick.", quote="block",
         block=["Date: Thu, 15 Dec 2016 09:35:12 +0000", "From: %s" % at,
                "To: emily.carter@outlook.com", "Subject: How did we do?"])
    form("outlook-en-top-block-from-wrapped", "en", "9\n\nSorted in one call.", "9", "Sorted in one call.", quote="block",
         block=["________________________________", "From: Northwind Outfitters Customer Support Team via Zendesk",
                "<support@northwind-outfitters.com>", "Sent: Monday, November 3, 2025 10:12 AM",
                "To: Emily Carter <emily.carter@outlook.com>", "Subject: How did we do?"])
    # attributions without a verb, dash-wrapped, "sent:"
    form("k9-en-top-attr-no-verb", "en", "10", "10", "-", attr="2017-11-24 16:32 GMT+01:00 %s:" % at)
    form("zoho-en-top-attr-dashes-on-wrote", "en", "9\nQuick and friendly.", "9", "Quick and friendly.",
         quote="attr-unquoted", attr="---- On Wed, 24 Feb 2021 10:02:11 +0000 %s wrote ----" % at)
    form("zoho-en-top-attr-dashes-name-wrote", "en", "7", "7", "-", quote="attr-unquoted",
         attr="---- Northwind Outfitters Support wrote ----")
    form("bluemail-en-top-attr-sent", "en", "8\nGood job overall.", "8", "Good job overall.",
         attr="On Tue, 24 Nov 2025 at 10:00, %s sent:" % at)
    form("gmail-en-top-attr-same-line", "en", "9, thanks! On Wed, Nov 5, 2025 at 10:12 AM %s wrote:" % at, "9",
         "thanks!", quote="attr-same", attr=None)
    # other languages' attributions
    att = [
        ("gmail-de-top-attr-am-schrieb", "de", "9\nSehr freundlich und schnell.", "9", "Sehr freundlich und schnell.",
         "Am Mi., 5. Nov. 2025 um 10:12 Uhr schrieb %s:" % at),
        ("thunderbird-de-top-attr-am-schrieb", "de", "8", "8", "-",
         "Am 05.11.2025 um 10:12 schrieb Northwind Outfitters Support:"),
        ("gmail-nl-top-attr-op-schreef", "nl", "10\nTop service!", "10", "Top service!",
         "Op wo 5 nov. 2025 om 10:12 schreef %s:" % at),
        ("gmail-pl-top-attr-dnia-napisal", "pl", "9\nBardzo dobra obsługa.", "9", "Bardzo dobra obsługa.",
         "Dnia 5 listopada 2025 10:12 %s napisał(a):" % at),
        ("gmail-pl-top-attr-sr-napisal", "pl", "7", "7", "-",
         "śr., 5 lis 2025 o 10:12 %s napisał(a):" % at),
        ("gmail-ru-top-attr-polzovatel-napisal", "ru", "8\nВсё хорошо, спасибо.", "8", "Всё хорошо, спасибо.",
         "ср, 5 нояб. 2025 г. в 10:12, %s:" % at),
        ("mailru-ru-top-attr-napisal", "ru", "10", "10", "-",
         "5 ноября 2025 г., в 10:12, пользователь Northwind Outfitters Support <support@northwind-outfitters.com> написал:"),
        ("gmail-sv-top-attr-den-skrev", "sv", "9\nSnabbt och trevligt.", "9", "Snabbt och trevligt.",
         "Den ons 5 nov. 2025 kl 10:12 skrev %s:" % at),
        ("gmail-da-top-attr-den-skrev", "da", "8\nFin service.", "8", "Fin service.",
         "Den ons. 5. nov. 2025 kl. 10.12 skrev %s:" % at),
        ("gmail-no-top-attr-skrev", "no", "10", "10", "-", "ons. 5. nov. 2025 kl. 10:12 skrev %s:" % at),
        ("gmail-fi-top-attr-kirjoitti", "fi", "9\nNopea vastaus.", "9", "Nopea vastaus.",
         "ke 5. marrask. 2025 klo 10.12 %s kirjoitti:" % at),
        ("gmail-pt-top-attr-escreveu", "pt", "9\nMuito bom atendimento.", "9", "Muito bom atendimento.",
         "Em qua., 5 de nov. de 2025 às 10:12, %s escreveu:" % at),
        ("gmail-es-top-attr-escribio", "es", "8\nMuy amables.", "8", "Muy amables.",
         "El mié, 5 nov 2025 a las 10:12, %s escribió:" % at),
        ("gmail-it-top-attr-ha-scritto", "it", "10\nGentilissimi.", "10", "Gentilissimi.",
         "Il giorno mer 5 nov 2025 alle ore 10:12 %s ha scritto:" % at),
        ("gmail-vi-top-attr-da-viet", "vi", "9\nDịch vụ rất tốt.", "9", "Dịch vụ rất tốt.",
         "Vào Th 4, 5 thg 11, 2025 vào lúc 10:12 %s đã viết:" % at),
        ("gmail-vi-top-attr-thang-6", "vi", "Cảm ơn", None, "Cảm ơn",
         "Vào 10:12, Th 4, 5 tháng 6, 2025 %s đã viết:" % at),
        ("gmail-cs-top-attr-napsal", "cs", "9\nVelmi rychlé.", "9", "Velmi rychlé.",
         "st 5. 11. 2025 v 10:12 odesílatel %s napsal:" % at),
        ("gmail-tr-top-attr-yazdi", "tr", "10\nÇok teşekkürler.", "10", "Çok teşekkürler.",
         "%s, 5 Kas 2025 Çar, 10:12 tarihinde şunu yazdı:" % at),
        ("gmail-ja-top-attr-no-verb", "ja", "9\nありがとうございました。", "9", "ありがとうございました。",
         "2025年11月5日(水) 10:12 %s:" % at),
        ("gmail-zh-top-attr-xiedao", "zh", "8\n服务很好。", "8", "服务很好。",
         "%s 于2025年11月5日周三 10:12写道：" % at),
        ("qq-zh-top-attr-zai-xiedao", "zh", "10", "10", "-",
         "在 2025年11月5日 10:12，\"Northwind Outfitters Support\"<support@northwind-outfitters.com> 写道："),
    ]
    for desc, lang, own, score, comment, attr_ in att:
        form(desc, lang, own, score or "-", comment if score else comment, attr=attr_,
             kind="response")
    # other languages' header blocks
    blocks = [
        ("outlook-de-top-block-von-gesendet", "de", "8\nAlles gut.", "8", "Alles gut.",
         ["Von: %s" % at, "Gesendet: Mittwoch, 5. November 2025 10:12", "An: Jonas Becker <jonas.becker@web.de>",
          "Betreff: How did we do?"]),
        ("outlook-es-top-block-de-enviado", "es", "9", "9", "-",
         ["De: %s" % at, "Enviado: miércoles, 5 de noviembre de 2025 10:12", "Para: lucia.fernandez@gmail.com",
          "Asunto: How did we do?"]),
        ("outlook-it-top-block-da-inviato", "it", "7\nUn po' lento.", "7", "Un po' lento.",
         ["Da: %s" % at, "Inviato: mercoledì 5 novembre 2025 10:12", "A: giulia.romano@libero.it",
          "Oggetto: How did we do?"]),
        ("outlook-nl-top-block-van-verzonden", "nl", "9", "9", "-",
         ["Van: %s" % at, "Verzonden: woensdag 5 november 2025 10:12", "Aan: sanne.devries@ziggo.nl",
          "Onderwerp: How did we do?"]),
        ("outlook-pl-top-block-od-wyslano", "pl", "6\nZa długo.", "6", "Za długo.",
         ["Od: %s" % at, "Wysłano: środa, 5 listopada 2025 10:12", "Do: k.nowak@wp.pl", "Temat: How did we do?"]),
        ("outlook-sv-top-block-fran-skickat", "sv", "10", "10", "-",
         ["Från: %s" % at, "Skickat: den 5 november 2025 10:12", "Till: erik.lindqvist@telia.se",
          "Ämne: How did we do?"]),
        ("outlook-pt-top-block-de-enviado", "pt", "8", "8", "-",
         ["De: %s" % at, "Enviado: 5 de novembro de 2025 10:12", "Para: joao.silva@sapo.pt", "Assunto: How did we do?"]),
        ("outlook-ru-top-block-ot-otpravleno", "ru", "9", "9", "-",
         ["От: %s" % at, "Отправлено: 5 ноября 2025 г. 10:12", "Кому: anna.smirnova@yandex.ru", "Тема: How did we do?"]),
        ("outlook-ja-top-block-sashidashinin", "ja", "10", "10", "-",
         ["差出人: %s" % at, "送信日時: 2025年11月5日 10:12", "宛先: hanako.sato@docomo.ne.jp", "件名: How did we do?"]),
        ("outlook-zh-top-block-fajianren", "zh", "9", "9", "-",
         ["发件人: %s" % at, "发送时间: 2025年11月5日 10:12", "收件人: wangfang@qq.com", "主题: How did we do?"]),
        ("outlook-cs-top-block-od-odeslano", "cs", "8", "8", "-",
         ["Od: %s" % at, "Odesláno: středa 5. listopadu 2025 10:12", "Komu: petr.novak@seznam.cz",
          "Předmět: How did we do?"]),
        ("outlook-tr-top-block-kimden", "tr", "7", "7", "-",
         ["Kimden: %s" % at, "Gönderildi: 5 Kasım 2025 Çarşamba 10:12", "Kime: ayse.yilmaz@hotmail.com.tr",
          "Konu: How did we do?"]),
        ("outlook-fi-top-block-lahettaja", "fi", "9", "9", "-",
         ["Lähettäjä: %s" % at, "Lähetetty: keskiviikko 5. marraskuuta 2025 10.12",
          "Vastaanottaja: mikko.virtanen@elisa.fi", "Aihe: How did we do?"]),
        ("outlook-da-top-block-fra-sendt", "da", "10", "10", "-",
         ["Fra: %s" % at, "Sendt: 5. november 2025 10:12", "Til: mette.jensen@mail.dk", "Emne: How did we do?"]),
        ("outlook-vi-top-block-tu", "vi", "8", "8", "-",
         ["Từ: %s" % at, "Đã gửi: Thứ Tư, ngày 5 tháng 11 năm 2025 10:12", "Đến: lan.nguyen@gmail.com",
          "Chủ đề: How did we do?"]),
    ]
    for desc, lang, own, score, comment, blk in blocks:
        form(desc, lang, own, score, comment, quote="block", block=blk)
    # signatures without "-- "
    form("gmail-en-top-name-signature", "en", "9\nGreat help from Megan, thanks.", "9", "Great help from Megan, thanks.",
         sig=["Emily"], attr="On Wed, Nov 5, 2025 at 10:12 AM %s wrote:" % at)
    form("outlook-en-top-corporate-signature", "en", "8\nThe engineer was on time and tidy.", "8",
         "The engineer was on time and tidy.",
         sig=["Emily Carter", "Facilities Manager | Acme Logistics Ltd", "T: +44 20 7946 0018",
              "M: +44 7700 900123", "www.acme-logistics.co.uk"],
         quote="block", block=["________________________________", "From: %s" % at,
                               "Sent: Wednesday, November 5, 2025 10:12 AM", "To: Emily Carter", "Subject: How did we do?"])
    form("gmail-fr-top-signature-initiales", "fr", "Très bien, 9.", "9", "Très bien, 9.", sig=["CD"],
         attr="Le mer. 5 nov. 2025 à 10:12, %s a écrit :" % atf)
    form("orange-fr-top-signature-adresse", "fr", "10\nParfait, merci à Julien.", "10", "Parfait, merci à Julien.",
         sig=["Claire Dupont", "12 rue des Lilas", "75011 Paris", "06 12 34 56 78"],
         attr="Le mer. 5 nov. 2025 à 10:12, %s a écrit :" % atf)
    form("list-en-top-footer-after-rule", "en", "7\nOK but slow.", "7", "OK but slow.",
         sig=["_______________________________________________", "Facilities mailing list",
              "facilities@lists.acme-logistics.co.uk", "https://lists.acme-logistics.co.uk/mailman/listinfo/facilities"],
         attr="On Wed, Nov 5, 2025 at 10:12 AM %s wrote:" % at)
    form("corp-fr-top-footer-after-equals", "fr", "8\nBon échange.", "8", "Bon échange.",
         sig=["==================================================", "Groupe Vernier - 3 avenue de l'Europe, 69003 Lyon",
              "Standard : 04 72 00 00 00"], attr="Le mer. 5 nov. 2025 à 10:12, %s a écrit :" % atf)
    for desc, lang, line in [("de", "de", "Gesendet von Outlook für Android"), ("es", "es", "Enviado desde mi iPhone"),
                             ("it", "it", "Inviato da iPhone"), ("nl", "nl", "Verzonden vanaf mijn iPad"),
                             ("pl", "pl", "Wysłane z iPhone'a"), ("sv", "sv", "Skickat från min iPhone")]:
        form("iphone-%s-top-device-line" % desc, lang, "9", "9", "-", sig=[line],
             attr="On 5 Nov 2025, at 10:12, %s wrote:" % at)
    form("iphone-en-top-sent-from-my-desk-sentence", "en",
         "8\nSent from my desk, it is much easier to type a real answer here.", "8",
         "Sent from my desk, it is much easier to type a real answer here.",
         attr="On 5 Nov 2025, at 10:12, %s wrote:" % at)
    # scores: explicit forms win, list labels and dates never score
    form("gmail-en-top-9-slash-10-course-dinner", "en",
         "9/10 - the restaurant booking for our 3 or 4 course dinner went perfectly.", "9",
         "the restaurant booking for our 3 or 4 course dinner went perfectly.",
         attr="On Wed, Nov 5, 2025 at 10:12 AM %s wrote:" % at)
    form("outlook-fr-top-note-9-other-numbers", "fr", "Note : 9\nJ'ai dû appeler 2 ou 3 fois avant d'avoir Julien.", "9",
         "J'ai dû appeler 2 ou 3 fois avant d'avoir Julien.",
         attr="Le mer. 5 nov. 2025 à 10:12, %s a écrit :" % atf)
    form("gmail-en-top-list-labels-no-score", "en", "A couple of things:\n1. the parcel was late\n2. the box was damaged", "-",
         "A couple of things: 1. the parcel was late 2. the box was damaged",
         attr="On Wed, Nov 5, 2025 at 10:12 AM %s wrote:" % at)
    form("gmail-en-top-list-labels-then-8", "en", "8\n\nOne: quick answer\nTwo: friendly agent", "8",
         "One: quick answer Two: friendly agent", attr="On Wed, Nov 5, 2025 at 10:12 AM %s wrote:" % at)
    form("gmail-de-top-date-juni-no-score", "de", "Ich war am 6. Juni im Laden, alles bestens.", "-",
         "Ich war am 6. Juni im Laden, alles bestens.", attr="Am Mi., 5. Nov. 2025 um 10:12 Uhr schrieb %s:" % at)
    # kinds: answers that mention unsubscribing or an absence
    form("gmail-en-top-10-do-not-unsubscribe", "en", "10 great, do not unsubscribe me", "10",
         "great, do not unsubscribe me", attr="On Wed, Nov 5, 2025 at 10:12 AM %s wrote:" % at)
    form("gmail-en-top-3-stop-sending", "en", "3 - STOP sending me these reminders", "3",
         "STOP sending me these reminders", attr="On Wed, Nov 5, 2025 at 10:12 AM %s wrote:" % at)
    form("outlook-en-top-mentions-out-of-office", "en",
         "I am out of the office this week, but quickly: 8, Megan was helpful.", "8",
         "I am out of the office this week, but quickly: 8, Megan was helpful.",
         attr="On Wed, Nov 5, 2025 at 10:12 AM %s wrote:" % at)
    # HTML quote containers
    gq = ('<div dir="ltr">{OWN}</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
          'On Wed, Nov 5, 2025 at 10:12 AM Northwind Outfitters Support &lt;support@northwind-outfitters.com&gt; wrote:<br></div>'
          '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">{SURVEY}</blockquote></div>')
    form("gmail-html-en-top-gmail-quote", "en", None, "9", "Quick and friendly.",
         html=gq.replace("{OWN}", "9<br>Quick and friendly."))
    ol = ('<html><body><div>{OWN}</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%">'
          '<div id="divRplyFwdMsg" dir="ltr"><b>From:</b> Northwind Outfitters Support<br><b>Sent:</b> Wednesday, '
          'November 5, 2025 10:12 AM<br><b>To:</b> Emily Carter<br><b>Subject:</b> How did we do?</div>'
          '<div>{SURVEY}</div></body></html>')
    form("outlookweb-html-en-top-divrplyfwdmsg", "en", None, "8", "Fine.", html=ol.replace("{OWN}", "8<br>Fine."))
    od = ('<html><body><div class="WordSection1"><p class="MsoNormal">{OWN}</p>'
          '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal">'
          '<b>De&nbsp;:</b> Maison Lumière<br><b>Envoyé&nbsp;:</b> mercredi 5 novembre 2025 10:12<br>'
          '<b>À&nbsp;:</b> Claire Dupont<br><b>Objet&nbsp;:</b> Votre avis</p></div>{SURVEY}</div></body></html>')
    form("outlook-html-fr-top-border-top", "fr", None, "10", "Parfait.", html=od.replace("{OWN}", "10<br>Parfait."))
    yq = ('<html><body><div class="ydp1"><div>{OWN}</div></div><div id="yahoo_quoted_123" class="yahoo_quoted">'
          '<div style="font-family:Helvetica">Le mercredi 5 novembre 2025 à 10:12:00 UTC+1, Maison Lumière '
          '&lt;support@maison-lumiere.fr&gt; a écrit :</div><div>{SURVEY}</div></div></body></html>')
    form("yahoo-html-fr-top-yahoo-quoted", "fr", None, "7", "Correct.", html=yq.replace("{OWN}", "7<br>Correct."))
    tq = ('<html><body><p>{OWN}</p><div class="moz-cite-prefix">Le 05/11/2025 à 10:12, Maison Lumière a écrit&nbsp;:<br>'
          '</div><blockquote type="cite" cite="mid:x@y">{SURVEY}</blockquote></body></html>')
    form("thunderbird-html-fr-top-moz-cite", "fr", None, "9", "Très bien.", html=tq.replace("{OWN}", "9<br>Très bien."))
    zq = ('<html><body><div>{OWN}<br></div><div class="zmail_extra_hr" style="border-top:1px solid #ccc"></div>'
          '<div class="zmail_extra" data-zmail_extra><div><br>---- On Wed, 05 Nov 2025 10:12:00 +0000 <b>Northwind '
          'Outfitters Support &lt;support@northwind-outfitters.com&gt;</b> wrote ---<br></div><blockquote '
          'style="border-left:1px solid #ccc">{SURVEY}</blockquote></div></body></html>')
    form("zoho-html-en-top-zmail-extra", "en", None, "6", "Slow.", html=zq.replace("{OWN}", "6<br>Slow."))
    bq = ('<html><body><blockquote style="margin:0 0 0 40px;border:none;padding:0px"><div>{OWN}</div><div><br></div>'
          '<div>On Wed, Nov 5, 2025 at 10:12 AM Northwind Outfitters Support wrote:</div>'
          '<blockquote type="cite">{SURVEY}</blockquote></blockquote></body></html>')
    form("webmail-html-en-top-all-in-blockquote", "en", None, "10", "Brilliant.",
         html=bq.replace("{OWN}", "10<br>Brilliant."))
    plan_forms_more(at, atf)
    for n, f in enumerate(FORMS):
        form_build(n, f)


def plan_forms_more(at, atf):
    """Bottom posting, wrapped and HTML forms in other languages, score
    forms and kinds that read as something else."""
    form("thunderbird-de-bottom-attr-am-schrieb", "de", "9\nDanke für die schnelle Hilfe!", "9",
         "Danke für die schnelle Hilfe!", quote="bottom", attr="Am 05.11.2025 um 10:12 schrieb Northwind Outfitters Support:")
    form("gmail-de-top-attr-wrapped-schrieb", "de", "8\nHat alles geklappt.", "8", "Hat alles geklappt.",
         attr="Am Mi., 5. Nov. 2025 um 10:12 Uhr schrieb Northwind Outfitters Support <\nsupport@northwind-outfitters.com>:")
    form("thunderbird-pl-top-attr-w-dniu-pisze", "pl", "10", "10", "-",
         attr="W dniu 5.11.2025 o 10:12, Northwind Outfitters Support pisze:")
    form("yahoo-fr-top-attr-unquoted-old-message", "fr", "8\nBon suivi.", "8", "Bon suivi.", quote="attr-unquoted",
         attr="Le mercredi 5 novembre 2025 à 10:12:00 UTC+1, %s a écrit :" % atf)
    form("outlook-ios-fr-top-block-get-outlook", "fr", "9", "9", "-", sig=["Obtenir Outlook pour iOS"], quote="block",
         block=["________________________________", "De : %s" % atf, "Envoyé : Wednesday, November 5, 2025 10:12:00 AM",
                "À : claire.dupont@orange.fr", "Objet : Votre avis sur notre service"])
    form("gmail-en-top-name-after-dash", "en", "Quick fix, 10/10\n- Emily", "10", "Quick fix, 10/10",
         attr="On Wed, Nov 5, 2025 at 10:12 AM %s wrote:" % at)
    form("gmail-de-top-closing-viele-gruesse", "de", "7\nEtwas langsam.\n\nViele Grüße\nJonas", "7", "Etwas langsam.",
         sig=["Von meinem iPhone gesendet"], attr="Am Mi., 5. Nov. 2025 um 10:12 Uhr schrieb %s:" % at)
    form("gmail-es-top-closing-saludos", "es", "9\nMuy buena atención.\n\nSaludos,\nLucía", "9", "Muy buena atención.",
         attr="El mié, 5 nov 2025 a las 10:12, %s escribió:" % at)
    form("gmail-en-top-header-like-words-kept", "en",
         "8\nFrom: the first call to the fix it took two days.\nTo: be fair, Megan kept me informed.", "8",
         "From: the first call to the fix it took two days. To: be fair, Megan kept me informed.",
         attr="On Wed, Nov 5, 2025 at 10:12 AM %s wrote:" % at)
    form("gmail-en-top-score-colon-7-other-9", "en", "Score: 7 - would be 9 if the parcel had come on time", "7",
         "would be 9 if the parcel had come on time", attr="On Wed, Nov 5, 2025 at 10:12 AM %s wrote:" % at)
    form("outlook-fr-top-note-9-slash-10-list", "fr", "Note : 9/10\n\n1. rapide\n2. aimable", "9",
         "1. rapide 2. aimable", attr="Le mer. 5 nov. 2025 à 10:12, %s a écrit :" % atf)
    form("gmail-vi-top-date-words-10-slash-10", "vi", "Tôi nhận hàng ngày 6 tháng 6, rất tốt. 10/10", "10",
         "Tôi nhận hàng ngày 6 tháng 6, rất tốt. 10/10",
         attr="Vào Th 4, 5 thg 11, 2025 vào lúc 10:12 %s đã viết:" % at)
    form("gmail-ja-top-date-marks-then-9", "ja", "6月5日に受け取りました。\n9", "9", "6月5日に受け取りました。",
         attr="2025年11月5日(水) 10:12 %s:" % at)
    form("outlook-de-autoreply-headers", "de", "Ich bin bis zum 10.11. nicht im Büro und lese meine E-Mails nicht.",
         "-", "-", kind="autoreply", quote="block", extra=(("Auto-Submitted", "auto-replied"),),
         subject="Automatische Antwort: How did we do?",
         block=["Von: %s" % at, "Gesendet: Mittwoch, 5. November 2025 10:12", "An: Jonas Becker", "Betreff: How did we do?"])
    form("webmail-en-autoreply-text-only", "en",
         "I am out of the office until Monday 10 November with limited access to email.\nFor urgent matters please contact my colleague.",
         "-", "-", kind="autoreply", attr="On Wed, Nov 5, 2025 at 10:12 AM %s wrote:" % at)
    form("gmail-fr-top-9-ne-me-desinscrivez-pas", "fr", "9, ne me désinscrivez pas, j'aime bien donner mon avis", "9",
         "ne me désinscrivez pas, j'aime bien donner mon avis", attr="Le mer. 5 nov. 2025 à 10:12, %s a écrit :" % atf)
    og = ('<html><body><div class="WordSection1"><p class="MsoNormal">{OWN}</p><p class="MsoNormal">&nbsp;</p>'
          '<div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal">'
          '<b>Von:</b> Northwind Outfitters Support &lt;support@northwind-outfitters.com&gt;<br><b>Gesendet:</b> Mittwoch, '
          '5. November 2025 10:12<br><b>An:</b> Jonas Becker<br><b>Betreff:</b> How did we do?</p></div></div>{SURVEY}'
          '</div></body></html>')
    form("outlook-html-de-top-border-top", "de", None, "9", "Sehr gut.", html=og.replace("{OWN}", "9<br>Sehr gut."))
    ap = ('<html><body dir="auto"><div>{OWN}</div><div><br><blockquote type="cite">Le 5 nov. 2025 à 10:12, Maison '
          'Lumière &lt;support@maison-lumiere.fr&gt; a écrit&nbsp;:<br><br></blockquote></div><blockquote type="cite">'
          '<div>{SURVEY}</div></blockquote></body></html>')
    form("applemail-html-fr-top-type-cite", "fr", None, "8", "Bien.", html=ap.replace("{OWN}", "8<br>Bien."))
    gs = ('<div dir="ltr">{OWN}</div><br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">'
          'El mié, 5 nov 2025 a las 10:12, Northwind Outfitters Support (&lt;support@northwind-outfitters.com&gt;) '
          'escribió:<br></div><blockquote class="gmail_quote">{SURVEY}</blockquote></div>')
    form("gmail-html-es-top-gmail-quote", "es", None, "10", "Excelente.", html=gs.replace("{OWN}", "10<br>Excelente."))
    sg = ('<div dir="ltr">{OWN}<br clear="all"><div><br></div><span class="gmail_signature_prefix">-- </span><br>'
          '<div dir="ltr" class="gmail_signature"><div>Emily Carter<br>Acme Logistics</div></div></div><br>'
          '<div class="gmail_quote"><div class="gmail_attr">On Wed, Nov 5, 2025 at 10:12 AM Northwind Outfitters Support '
          'wrote:</div><blockquote class="gmail_quote">{SURVEY}</blockquote></div>')
    form("gmail-html-en-top-gmail-signature", "en", None, "6", "Took a while.",
         html=sg.replace("{OWN}", "6<br>Took a while."))


def plan_more():
    plan_more_responses()
    plan_autoreplies()
    plan_bounces()
    plan_unsubscribes()
    plan_unmatched()
    plan_unparsed()


def main():
    plan_responses()
    plan_more()
    plan_forms()
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
