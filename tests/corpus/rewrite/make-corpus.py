#!/usr/bin/env python3
"""make-corpus.py - writes the rewrite corpus (*.eml) and expect.txt.

The corpus is committed; this script documents how each mail was made and
rebuilds it (python3 make-corpus.py, from this directory). Layouts follow
what help desks and mail programs really send: Zendesk-, Freshdesk- and
Salesforce-like notifications, Outlook HTML with conditional comments,
Gmail/Thunderbird multiparts, every transfer encoding and charset the
rewriter must handle, plus tag-free and malformed mails.

expect.txt, one line per file:  FILE TAGS KEEP STATUS [OPTIONS]
  TAGS    tags replaced by rewrite_message
  KEEP    tags deliberately left (attachments, attached mails, signed)
  STATUS  ok (changed) | notag (byte-identical) | malformed (unchanged,
          with a reason)
  OPTIONS passed to rewrite_tool (--type, --lang, --style)
"""
import base64
import quopri
import zlib

TAG = "[InsertSatisfactionEvaluation]"
files = []


def qp(text, cs="utf-8", eol="\n"):
    raw = text.encode(cs) if isinstance(text, str) else text
    enc = quopri.encodestring(raw.replace(b"\r\n", b"\n"))
    if eol == "\r\n":
        enc = enc.replace(b"\n", b"\r\n")
    return enc.decode("ascii")


def b64(text, cs="utf-8", eol="\n"):
    raw = text.encode(cs) if isinstance(text, str) else text
    return base64.encodebytes(raw).decode("ascii").replace("\n", eol)


def hdrs(subject, extra="", frm="Support <support@helpdesk.example>"):
    return (
        f"Return-Path: <bounce@helpdesk.example>\n"
        f"From: {frm}\n"
        f"To: Marie Dupont <marie.dupont@client.example>\n"
        f"Subject: {subject}\n"
        f"Date: Mon, 23 Nov 2026 09:14:02 +0100\n"
        f"Message-ID: <{zlib.crc32(subject.encode())}.ticket@helpdesk.example>\n"
        f"MIME-Version: 1.0\n"
        f"X-NPS-Ticket: 48213\n"
        f"X-NPS-Agent: jmartin\n"
        f"X-NPS-Channel: email\n"
        f"{extra}"
    )


def write(name, text, tags, keep, status, opts="", eol="\n", cs=None):
    data = text if isinstance(text, bytes) else text.encode(cs or "utf-8")
    if eol == "\r\n":
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    with open(name, "wb") as f:
        f.write(data)
    files.append((name, tags, keep, status, opts))


def filler(n, word="Historique de la demande : "):
    lines = []
    for i in range(n):
        lines.append(f"{word}message {i}, réponse de l'agent, "
                     f"pièce jointe éventuelle, suivi n°{i * 7}.")
    return "\n".join(lines)


ZENDESK_HTML = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<style type="text/css">table td { border-collapse: collapse; }</style>
</head>
<body style="width: 100% !important; margin: 0; padding: 0;">
<div style="padding: 10px; line-height: 18px; font-family: 'Lucida Grande',Verdana,Arial,sans-serif; font-size: 12px; color: #444444;">
<div style="color: #b5b5b5;">##- Veuillez écrire votre réponse au-dessus de cette ligne -##</div>
<p dir="ltr">Bonjour Marie,</p>
<p dir="ltr">Votre demande (48213) « Colis endommagé à la livraison » a été résolue.</p>
<p dir="ltr">Nous aimerions connaître votre avis :</p>
<p dir="ltr">{TAG}</p>
<div style="margin-top: 25px;">
<table width="100%" cellpadding="0" cellspacing="0" border="0" role="presentation">
<tr><td width="100%" style="padding: 15px 0; border-top: 1px dotted #c5c5c5;">
<table width="100%" cellpadding="0" cellspacing="0" border="0" style="table-layout: fixed;" role="presentation">
<tr><td valign="top" style="padding: 0 15px 0 15px; width: 40px;"><img width="40" height="40" alt="" style="height: auto; line-height: 100%; outline: none; text-decoration: none; border-radius: 5px;" src="https://helpdesk.example/system/photos/agent.png" /></td>
<td width="100%" style="padding: 0; margin: 0;" valign="top"><p style="font-family: 'Lucida Grande','Lucida Sans Unicode','Lucida Sans',Verdana,Tahoma,sans-serif; font-size: 15px; line-height: 18px; margin-bottom: 0; margin-top: 0; padding: 0; color:#1b1d1e;"><strong>Jean Martin</strong> (Service client)</p>
<p style="font-family: 'Lucida Grande','Lucida Sans Unicode','Lucida Sans',Verdana,Tahoma,sans-serif; font-size: 13px; line-height: 25px; margin-bottom: 15px; margin-top: 0; padding: 0; color:#bbbbbb;">23 nov. 2026, 09:12 CET</p>
<div class="zd-comment" dir="auto" style="color: #2b2e2f; font-family: 'Lucida Sans Unicode', 'Lucida Grande', 'Tahoma', Verdana, sans-serif; font-size: 14px; line-height: 22px; margin: 15px 0">
<p dir="auto">Un nouveau colis est parti ce matin, numéro de suivi 8R0042117. Bonne journée !</p>
</div></td></tr></table></td></tr></table></div>
</div>
<div style="color: #aaaaaa; margin: 10px 0 14px 0; padding-top: 10px; border-top: 1px solid #eeeeee;">
Ce message a été envoyé à marie.dupont@client.example par Boutique Exemple.
</div>
<span style="color:#FFFFFF" aria-hidden="true">[8RMQ1J-K2V9]</span>
</body>
</html>
""".replace("{TAG}", TAG)

ZENDESK_TEXT = """##- Veuillez écrire votre réponse au-dessus de cette ligne -##

Bonjour Marie,

Votre demande (48213) « Colis endommagé à la livraison » a été résolue.

Nous aimerions connaître votre avis :

{TAG}

--------------------------------
Jean Martin (Service client)
23 nov. 2026, 09:12 CET

Un nouveau colis est parti ce matin, numéro de suivi 8R0042117. Bonne
journée !

[8RMQ1J-K2V9]
""".replace("{TAG}", TAG)

FRESHDESK_HTML = """<div style="font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; font-size:14px">
<div dir="ltr">Bonjour Marie,<br><br>Votre ticket <b>#48213 - Remboursement commande 2026-1187</b> a été fermé.<br><br></div>
<div dir="ltr">Votre avis compte pour nous :</div>
<div>{TAG}</div>
<div><br>Cordialement,<br>L'équipe Support</div>
<div style="color:#999;font-size:12px">Ticket #48213 &middot; Priorité : Moyenne &middot; Groupe : Facturation</div>
</div>
""".replace("{TAG}", TAG)

SALESFORCE_HTML = """<html><head><title>Case 00048213 closed</title></head>
<body style="margin:0;padding:0" bgcolor="#F4F6F9">
<table width="600" border="0" cellspacing="0" cellpadding="0" align="center" style="background-color:#ffffff">
<tr><td style="padding:24px;font-family:Salesforce Sans,Arial,sans-serif;font-size:14px;color:#3e3e3c">
<p>Dear Mr. Smith,</p>
<p>Your case <b>00048213</b> (&quot;Router keeps rebooting&quot;) has been closed by our support team.</p>
</td></tr>
<tr><td align="center" style="padding:0 24px 24px 24px">{TAG}</td></tr>
<tr><td style="padding:24px;font-family:Arial,sans-serif;font-size:11px;color:#706e6b">ref:_00D5J1abc._5005J0xyz:ref</td></tr>
</table>
</body></html>
""".replace("{TAG}", TAG)

SALESFORCE_TEXT = """Dear Mr. Smith,

Your case 00048213 ("Router keeps rebooting") has been closed by our
support team.

Please rate us: {TAG}

ref:_00D5J1abc._5005J0xyz:ref
""".replace("{TAG}", TAG)

OUTLOOK_HTML = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<!--[if !mso]><style>v\\:* {behavior:url(#default#VML);}
o\\:* {behavior:url(#default#VML);}
</style><![endif]-->
<style><!--
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{margin:0cm;
	font-size:11.0pt;
	font-family:"Calibri",sans-serif;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]-->
</head>
<body lang="FR" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">
<div class="WordSection1">
<p class="MsoNormal">Bonjour Madame Dupont,<o:p></o:p></p>
<p class="MsoNormal">Nous avons clôturé votre réclamation « Qualité » ; le remboursement de 49,90 € a été effectué.<o:p></o:p></p>
<!--[if mso]>
<p class="MsoNormal">{TAG}<o:p></o:p></p>
<![endif]-->
<!--[if !mso]><!-->
<div style="mso-hide:all">{TAG}</div>
<!--<![endif]-->
<p class="MsoNormal">Bien cordialement,<o:p></o:p></p>
<p class="MsoNormal"><b>Service Relation Client</b><o:p></o:p></p>
</div>
</body>
</html>
""".replace("{TAG}", TAG)

GMAIL_TEXT = "Hi Sam,\n\nThanks for contacting us, your request #5531 is solved.\n\n" + TAG + "\n\nBest,\nThe team\n"
GMAIL_HTML = ('<div dir="ltr">Hi Sam,<div><br></div><div>Thanks for contacting us, '
              'your request #5531 is solved.</div><div><br></div><div>' + TAG +
              '</div><div><br></div><div>Best,</div><div>The team</div></div>\n')

PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
       bytes(range(256)) * 40 + b"\n%%EOF\n")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000000000500010d0a2db4"
                    "0000000049454e44ae426082") * 30


def alt(text_part, html_part, bd="=_alt_48213"):
    return (f'Content-Type: multipart/alternative; boundary="{bd}"\n\n'
            f"This is a multi-part message in MIME format.\n\n"
            f"--{bd}\n{text_part}\n--{bd}\n{html_part}\n--{bd}--\n")


def part(ctype, cte, body, extra=""):
    return f"Content-Type: {ctype}\n{extra}Content-Transfer-Encoding: {cte}\n\n{body}"


# ---- survey mails -------------------------------------------------------

# 01 Zendesk-like: text 8bit UTF-8 + HTML quoted-printable UTF-8.
write("01-zendesk-alt-qp.eml",
      hdrs("[Boutique Exemple] Re: Colis endommagé à la livraison") +
      alt(part("text/plain; charset=UTF-8", "8bit", ZENDESK_TEXT.rstrip("\n")),
          part("text/html; charset=UTF-8", "quoted-printable",
               qp(ZENDESK_HTML).rstrip("\n"))),
      2, 0, "ok")

# 02 Freshdesk-like: HTML only, 8bit UTF-8, tag in a <div>, CRLF.
write("02-freshdesk-html-8bit-crlf.eml",
      hdrs("Ticket fermé : Remboursement commande 2026-1187") +
      part("text/html; charset=utf-8", "8bit", FRESHDESK_HTML),
      1, 0, "ok", eol="\r\n")

# 03 Salesforce-like: mixed > alternative, both base64, English.
bd = "----=_Part_1187_22081431.1763886842000"
write("03-salesforce-mixed-base64.eml",
      hdrs("Case 00048213 closed", "X-NPS-Lang: en\n") +
      f'Content-Type: multipart/mixed; boundary="{bd}"\n\n'
      f"--{bd}\n" +
      alt(part("text/plain; charset=UTF-8", "base64", b64(SALESFORCE_TEXT).rstrip("\n")),
          part("text/html; charset=UTF-8", "base64", b64(SALESFORCE_HTML).rstrip("\n")),
          "----=_Part_1188_1.1763886842001") +
      f"--{bd}--\n",
      2, 0, "ok", "--lang en")

# 04 Outlook: windows-1252 QP with conditional comments, tag twice (mso and
# non-mso branches), widget star not in cp1252 -> character references.
write("04-outlook-mso-cp1252-qp.eml",
      hdrs("RE: Réclamation qualité - dossier 48213",
           "X-Mailer: Microsoft Outlook 16.0\nThread-Index: AdlcW1cA2fXg\n") +
      alt(part('text/plain; charset="windows-1252"', "quoted-printable",
               qp("Bonjour Madame Dupont,\n\nNous avons clôturé votre réclamation "
                  "« Qualité » ; le remboursement de 49,90 € a été effectué.\n\n" +
                  TAG + "\n\nBien cordialement,\nService Relation Client\n",
                  "cp1252", "\r\n").rstrip("\r\n")),
          part('text/html; charset="windows-1252"', "quoted-printable",
               qp(OUTLOOK_HTML, "cp1252", "\r\n").rstrip("\r\n")),
          "_000_DB9PR01MB7242EXAMPLE_"),
      3, 0, "ok", eol="\r\n")

# 05 Long lines: HTML 8bit whose tag line is 3000 bytes long (one-line
# minified templates); the result has to go quoted-printable.
longhtml = ('<html><body><table>' + ''.join(
    f'<tr><td style="padding:4px;color:#333">Ligne {i} du récapitulatif</td></tr>'
    for i in range(40)) + '<tr><td>' + TAG + '</td></tr></table></body></html>\n')
write("05-long-line-html-8bit.eml",
      hdrs("Récapitulatif de votre demande") +
      part("text/html; charset=utf-8", "8bit", longhtml),
      1, 0, "ok")

# 06 Long line in QP with the tag split by a soft line break.
s = ('<div style="font-family:Arial;font-size:14px;color:#222">' +
     "Merci d'avoir contacté notre support. " * 6 + TAG + " Bonne journée.</div>\n")
# Re-wrap by hand so that a soft break cuts through the tag.
flat = quopri.encodestring(s.encode()).decode().replace("=\n", "")
k = flat.index("[InsertSatisf") + len("[InsertSatisf")
enc, line, i = "", "", 0
while i < len(flat):
    tok = flat[i:i + 3] if flat[i] == "=" else flat[i]
    if flat[i] == "\n":
        enc += line + "\n"
        line = ""
    else:
        if len(line) + len(tok) > 75:
            enc += line + "=\n"
            line = ""
        line += tok
    i += len(tok)
    if i == k:
        enc += line + "=\n"
        line = ""
enc += line
assert "[InsertSatisf=\n" in enc
write("06-qp-soft-break-in-tag.eml",
      hdrs("Votre demande est résolue") +
      part("text/html; charset=utf-8", "quoted-printable", enc.rstrip("\n")),
      1, 0, "ok")

# 07 Mixed with a PDF attachment (base64) and an alternative body.
bd = "mixed-7a8c"
write("07-mixed-pdf-attachment.eml",
      hdrs("Votre facture et votre avis") +
      f'Content-Type: multipart/mixed; boundary="{bd}"\n\n'
      f"--{bd}\n" +
      alt(part("text/plain; charset=utf-8", "quoted-printable",
               qp("Bonjour,\n\nVoici votre facture.\n\n" + TAG + "\n").rstrip("\n")),
          part("text/html; charset=utf-8", "quoted-printable",
               qp("<p>Bonjour,</p><p>Voici votre facture.</p>\n<p>" + TAG + "</p>\n").rstrip("\n")),
          "alt-7a8c") +
      f"\n--{bd}\n"
      'Content-Type: application/pdf; name="facture-2026-1187.pdf"\n'
      'Content-Disposition: attachment; filename="facture-2026-1187.pdf"\n'
      "Content-Transfer-Encoding: base64\n\n" + b64(PDF) +
      f"--{bd}--\n",
      2, 0, "ok")

# 08 Related with an inline image (cid), HTML QP.
bd = "rel-0042"
write("08-related-inline-image.eml",
      hdrs("Demande 48213 résolue") +
      f'Content-Type: multipart/related; type="text/html"; boundary="{bd}"\n\n'
      f"--{bd}\n" +
      part("text/html; charset=utf-8", "quoted-printable",
           qp('<html><body><img src="cid:logo@helpdesk" alt="Logo" width="120">'
              "<p>Bonjour,</p><p>Votre demande est résolue.</p><p>" + TAG +
              "</p></body></html>\n").rstrip("\n")) +
      f"\n--{bd}\n"
      "Content-Type: image/png\nContent-ID: <logo@helpdesk>\n"
      "Content-Disposition: inline; filename=logo.png\n"
      "Content-Transfer-Encoding: base64\n\n" + b64(PNG) +
      f"--{bd}--\n",
      1, 0, "ok")

# 09 Nested: mixed > related > alternative, CRLF, with an attachment.
write("09-nested-mixed-related-alt.eml",
      hdrs("Suivi de votre dossier") +
      'Content-Type: multipart/mixed; boundary="outer"\n\n'
      "--outer\n"
      'Content-Type: multipart/related; boundary="rel"\n\n'
      "--rel\n" +
      alt(part("text/plain; charset=utf-8", "quoted-printable",
               qp(GMAIL_TEXT).rstrip("\n")),
          part("text/html; charset=utf-8", "quoted-printable",
               qp(GMAIL_HTML).rstrip("\n")), "alt") +
      "\n--rel\nContent-Type: image/png\nContent-ID: <sig>\n"
      "Content-Transfer-Encoding: base64\n\n" + b64(PNG[:200]) +
      "--rel--\n\n--outer\n"
      'Content-Type: text/csv; name="historique.csv"\n'
      'Content-Disposition: attachment; filename="historique.csv"\n\n'
      "date;message\n2026-11-20;ouverture\n2026-11-23;" + TAG + "\n"
      "--outer--\n",
      2, 1, "ok", eol="\r\n")

# 10 An attached message (message/rfc822) holding a tag: an attachment,
# left alone; only the outer text is rewritten.
write("10-rfc822-attached-left-alone.eml",
      hdrs("Fwd: ancienne enquête") +
      'Content-Type: multipart/mixed; boundary="fwd"\n\n'
      "--fwd\n" +
      part("text/plain; charset=utf-8", "8bit",
           "Voici le message transféré.\n\n" + TAG + "\n") +
      "\n--fwd\nContent-Type: message/rfc822\n"
      "Content-Disposition: attachment; filename=ancien.eml\n\n"
      "From: old@helpdesk.example\nSubject: old\nMIME-Version: 1.0\n"
      "Content-Type: text/html; charset=utf-8\n\n<p>" + TAG + "</p>\n"
      "--fwd--\n",
      1, 1, "ok")

# 11 ISO-8859-1 text/plain QP: the text version fits Latin-1.
write("11-latin1-text-qp.eml",
      hdrs("Votre demande est résolue") +
      part("text/plain; charset=ISO-8859-1", "quoted-printable",
           qp("Bonjour Hélène,\n\nVotre dossier est clôturé.\n\n" + TAG +
              "\n\nCordialement,\nL'équipe\n", "latin-1").rstrip("\n")),
      1, 0, "ok")

# 12 ISO-8859-1 HTML 8bit: the star is not Latin-1 -> &#9733;.
write("12-latin1-html-8bit.eml",
      hdrs("Votre demande est résolue") +
      part("text/html; charset=iso-8859-1", "8bit",
           "<html><head><meta charset=\"iso-8859-1\"></head><body><p>Bonjour "
           "Hélène,</p><p>Votre dossier est clôturé.</p><p>" + TAG +
           "</p></body></html>\n"),
      1, 0, "ok", cs="latin-1")

# 13 Windows-1252 text 8bit with euro sign and curly quotes.
write("13-cp1252-text-8bit.eml",
      hdrs("Remboursement effectué") +
      part("text/plain; charset=windows-1252", "8bit",
           "Bonjour,\n\nLe remboursement de 49,90 € est “effectué”.\n\n" + TAG +
           "\n\nMerci.\n"),
      1, 0, "ok", cs="cp1252")

# 14 US-ASCII single-part text: the French text version needs UTF-8, so
# the top-level part becomes UTF-8 quoted-printable (headers change).
write("14-ascii-text-toplevel-switch.eml",
      hdrs("Your request is solved") +
      part("text/plain; charset=us-ascii", "7bit",
           "Hello,\n\nYour request is solved.\n\n" + TAG + "\n\nRegards\n"),
      1, 0, "ok")

# 15 No Content-Type at all, LF, tag on a line with text.
write("15-no-content-type-lf.eml",
      "From: desk@helpdesk.example\nTo: a@client.example\nSubject: closed\n\n"
      "Your ticket is closed. Rate us: " + TAG + "\nThanks\n",
      1, 0, "ok", "--lang en")

# 16 Tag split by a QP soft break in a text part, CRLF.
t = "Bonjour,\n\nMerci de votre confiance, donnez-nous votre avis : " + TAG + "\n\nA bientôt\n"
e = qp(t)
e = e.replace("[InsertSatisfactionEvaluation]", "[Insert=\nSatisfactionEvaluation]")
write("16-qp-split-tag-text-crlf.eml",
      hdrs("Merci") + part("text/plain; charset=utf-8", "quoted-printable",
                           e.rstrip("\n")),
      1, 0, "ok", eol="\r\n")

# 17 Tag twice in HTML: twice on one line, once more below.
write("17-tag-three-times-html.eml",
      hdrs("Deux enquêtes") +
      part("text/html; charset=utf-8", "quoted-printable",
           qp("<p>" + TAG + " et " + TAG + "</p>\n<p>Encore :</p>\n<div>" + TAG +
              "</div>\n").rstrip("\n")),
      3, 0, "ok")

# 18 Tag in the text part only: the HTML part stays byte-identical.
write("18-tag-in-text-only.eml",
      hdrs("Ticket closed", "X-NPS-Lang: en\n") +
      alt(part("text/plain; charset=utf-8", "7bit", GMAIL_TEXT.rstrip("\n")),
          part("text/html; charset=utf-8", "7bit",
               GMAIL_HTML.replace(TAG, "(survey in the text version)").rstrip("\n"))),
      1, 0, "ok", "--lang en")

# 19 Tag in the HTML part only.
write("19-tag-in-html-only.eml",
      hdrs("Ticket closed") +
      alt(part("text/plain; charset=utf-8", "7bit",
               GMAIL_TEXT.replace(TAG, "").rstrip("\n")),
          part("text/html; charset=utf-8", "quoted-printable",
               qp(GMAIL_HTML).rstrip("\n"))),
      1, 0, "ok", "--lang en")

# 20 Gmail-like alternative, both QP, CRLF soft breaks.
write("20-gmail-alt-qp-crlf.eml",
      hdrs("Re: [#5531] Login problem") +
      alt(part("text/plain; charset=UTF-8", "quoted-printable",
               qp(GMAIL_TEXT + filler(5, "Previous message: ")).rstrip("\n")),
          part("text/html; charset=UTF-8", "quoted-printable",
               qp(GMAIL_HTML + "<blockquote>" + filler(5, "Previous: ") +
                  "</blockquote>\n").rstrip("\n")),
          "000000000000a1b2c3d4e5f6"),
      2, 0, "ok", "--lang en", eol="\r\n")

# 21 Base64 text/plain ISO-8859-1: re-encoded base64, still Latin-1.
write("21-latin1-text-base64.eml",
      hdrs("Dossier clôturé") +
      part("text/plain; charset=iso-8859-1", "base64",
           b64("Bonjour Hélène,\n\n" + TAG + "\n\nCordialement\n",
               "latin-1").rstrip("\n")),
      1, 0, "ok")

# 22 Base64 HTML windows-1252.
write("22-cp1252-html-base64.eml",
      hdrs("Dossier clôturé") +
      part("text/html; charset=windows-1252", "base64",
           b64("<p>Remboursement de 10 € effectué.</p><p>" + TAG + "</p>\n",
               "cp1252").rstrip("\n")),
      1, 0, "ok")

# 23 HTML 7bit US-ASCII: the widget goes in as ASCII with character
# references, the part stays 7bit.
write("23-ascii-html-7bit.eml",
      hdrs("Request solved") +
      part("text/html; charset=us-ascii", "7bit",
           "<html><body><p>Hello,</p><p>" + TAG + "</p></body></html>\n"),
      1, 0, "ok")

# 24 Nested 7bit text labelled UTF-8: the widget brings 8-bit bytes, so
# the part becomes quoted-printable (its own header changes).
write("24-utf8-text-7bit-to-qp.eml",
      hdrs("Votre avis") +
      alt(part("text/plain; charset=utf-8", "7bit",
               "Bonjour,\n\n" + TAG + "\n\nMerci"),
          part("text/html; charset=utf-8", "7bit",
               "<p>Bonjour,</p><p>Merci</p>")),
      1, 0, "ok")

# 25 format=flowed text (Thunderbird).
write("25-format-flowed.eml",
      hdrs("Votre demande") +
      part("text/plain; charset=UTF-8; format=flowed", "8bit",
           "Bonjour,\n\nVotre demande est traitée, merci de votre patience et de \n"
           "votre confiance.\n\n" + TAG + "\n\n-- \nSupport\n"),
      1, 0, "ok")

# 26 CSAT survey.
write("26-csat-alt.eml",
      hdrs("Votre satisfaction", "X-NPS-Survey: csat\n") +
      alt(part("text/plain; charset=utf-8", "8bit", ZENDESK_TEXT.rstrip("\n")),
          part("text/html; charset=utf-8", "8bit", ZENDESK_HTML.rstrip("\n"))),
      2, 0, "ok", "--type csat")

# 27 CES survey in English, gradient style.
write("27-ces-gradient-en.eml",
      hdrs("How easy was it?", "X-NPS-Survey: ces\nX-NPS-Lang: en\n") +
      alt(part("text/plain; charset=utf-8", "8bit", SALESFORCE_TEXT.rstrip("\n")),
          part("text/html; charset=utf-8", "quoted-printable",
               qp(SALESFORCE_HTML).rstrip("\n"))),
      2, 0, "ok", "--type ces --lang en --style gradient")

# 28 Icons style, Zendesk layout with a long history (about 40 KB).
write("28-icons-long-history.eml",
      hdrs("Re: Colis endommagé") +
      alt(part("text/plain; charset=utf-8", "quoted-printable",
               qp(ZENDESK_TEXT + filler(300)).rstrip("\n")),
          part("text/html; charset=utf-8", "quoted-printable",
               qp(ZENDESK_HTML.replace("</body>", "<div>" + filler(300).replace(
                   "\n", "<br>\n") + "</div></body>")).rstrip("\n"))),
      2, 0, "ok", "--style icons")

# 29 Tag with its brackets QP-encoded (=5B ... =5D), as some encoders do.
write("29-qp-encoded-brackets.eml",
      hdrs("Avis") +
      part("text/html; charset=utf-8", "quoted-printable",
           "<p>Votre avis&nbsp;:</p>\n<p>=5BInsertSatisfactionEvaluation=5D</p>"),
      1, 0, "ok")

# 30 multipart/signed: the signed content is left alone (a change would
# break the signature).
write("30-signed-left-alone.eml",
      hdrs("Signed notice") +
      'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; '
      'micalg=sha-256; boundary="sig"\n\n'
      "--sig\n" + part("text/plain; charset=utf-8", "7bit", "Hello " + TAG) +
      "\n--sig\nContent-Type: application/pkcs7-signature; name=smime.p7s\n"
      "Content-Transfer-Encoding: base64\n\n" + b64(b"\x30\x82\x01\x00" * 20) +
      "--sig--\n",
      0, 1, "notag")

# 31 A text attachment with the tag: untouched; the body is rewritten.
write("31-text-attachment-left-alone.eml",
      hdrs("Notes") +
      'Content-Type: multipart/mixed; boundary="m31"\n\n'
      "--m31\n" + part("text/html; charset=utf-8", "8bit", "<div>" + TAG + "</div>") +
      "\n--m31\nContent-Type: text/plain; charset=utf-8; name=notes.txt\n"
      "Content-Disposition: attachment; filename=notes.txt\n\n"
      "template: " + TAG + "\n--m31--\n",
      1, 1, "ok")

# 32 Preamble and epilogue, boundary with spaces and quotes, tag in a
# table cell of a help-desk layout, ISO-8859-15.
write("32-preamble-epilogue-latin9.eml",
      hdrs("Clôture") +
      'Content-Type: multipart/alternative;\n\tboundary="b 32 \'q\'"\n\n'
      "Preamble: this is MIME.\n"
      "--b 32 'q'\n" +
      part("text/plain; charset=iso-8859-15", "quoted-printable",
           qp("Montant : 12 €\n\n" + TAG + "\n", "iso8859-15").rstrip("\n")) +
      "\n--b 32 'q'\n" +
      part("text/html; charset=iso-8859-15", "quoted-printable",
           qp("<table><tr><td>Montant : 12 €</td></tr><tr><td>" + TAG +
              "</td></tr></table>\n", "iso8859-15").rstrip("\n")) +
      "\n--b 32 'q'--\nEpilogue text.\n",
      2, 0, "ok")

# 33 Tag at the very end of a body without a final line break.
write("33-tag-at-end-no-eol.eml",
      hdrs("Fin") + part("text/html; charset=utf-8", "8bit", "<p>Merci</p>\n" + TAG),
      1, 0, "ok")

# 34 Multipart/alternative where the HTML is base64 and the text is QP.
write("34-alt-base64-html-qp-text.eml",
      hdrs("Résolu") +
      alt(part("text/plain; charset=utf-8", "quoted-printable",
               qp("Réponse : résolu.\n" + TAG + "\n").rstrip("\n")),
          part("text/html; charset=utf-8", "base64",
               b64(FRESHDESK_HTML).rstrip("\n"))),
      2, 0, "ok")

# 35 The sample survey mail shipped for the demo (templates/).
with open("../../../templates/sample-survey.eml", "rb") as f:
    write("35-sample-survey.eml", f.read(), 2, 0, "ok")

# ---- tag-free mails: byte-identical ------------------------------------

write("tf-01-plain.eml",
      hdrs("Hello") + part("text/plain; charset=utf-8", "8bit",
                           "Nothing to see, [Insert other things] here.\n"),
      0, 0, "notag")
write("tf-02-mixed-pdf.eml",
      hdrs("Invoice") + 'Content-Type: multipart/mixed; boundary="x"\n\n--x\n' +
      part("text/plain; charset=utf-8", "quoted-printable",
           qp("Your invoice is attached. [InsertSatisfaction is not the tag]\n").rstrip("\n")) +
      "\n--x\nContent-Type: application/pdf\nContent-Disposition: attachment\n"
      "Content-Transfer-Encoding: base64\n\n" + b64(PDF) + "--x--\n",
      0, 0, "notag")
write("tf-03-html-base64.eml",
      hdrs("News") + part("text/html; charset=utf-8", "base64",
                          b64("<p>" + "Bonjour " * 200 + "</p>\n").rstrip("\n")),
      0, 0, "notag", eol="\r\n")
write("tf-04-outlook-cp1252.eml",
      hdrs("RE: question") +
      part('text/html; charset="windows-1252"', "quoted-printable",
           qp(OUTLOOK_HTML.replace(TAG, "(pas d'enquête)"), "cp1252", "\r\n").rstrip("\r\n")),
      0, 0, "notag", eol="\r\n")
write("tf-05-uuencode.eml",
      hdrs("Old style") + part("text/plain", "x-uuencode",
                               "begin 644 x\n" + TAG + "\nend\n"),
      0, 1, "notag")

# ---- charsets under the labels real mail carries -------------------------
# iconv knows none of these labels: each text part becomes UTF-8, read in
# the encoding the label stands for (never a Windows-1252 guess).

write("36-korean-ks_c_5601-text-8bit.eml",
      hdrs("Re: 주문 문의") +
      part("text/plain; charset=ks_c_5601-1987", "8bit",
           "안녕하세요 고객님,\n\n문의하신 주문은 처리되었습니다.\n\n" + TAG +
           "\n\n감사합니다.\n고객지원팀\n"),
      1, 0, "ok", cs="cp949")
write("37-japanese-x-sjis-alt.eml",
      hdrs("Re: お問い合わせ") +
      alt(part("text/plain; charset=x-sjis", "8bit",
               "お問い合わせありがとうございます。\nC:\\返品\\受付 ①\n\n" + TAG +
               "\n\nサポートチーム\n"),
          part("text/html; charset=x-sjis", "8bit",
               "<p>お問い合わせありがとうございます。</p>\n<div>" + TAG +
               "</div>\n")),
      2, 0, "ok", cs="cp932")
write("38-chinese-x-gbk-text-qp.eml",
      hdrs("Re: 退款申请") +
      part("text/plain; charset=\"x-gbk\"", "quoted-printable",
           qp("您好，\n\n您的退款申请已处理完毕。\n\n" + TAG +
              "\n\n客户服务部\n", "gbk").rstrip("\n")),
      1, 0, "ok")
write("39-hebrew-iso-8859-8-i-text-qp.eml",
      hdrs("Re: pniya") +
      part("text/plain; charset=iso-8859-8-i", "quoted-printable",
           qp("שלום,\n\nהפנייה שלך טופלה.\n\n" + TAG + "\n\nתודה\n",
              "iso-8859-8").rstrip("\n")),
      1, 0, "ok")
write("40-cyrillic-x-mac-cyrillic-text-8bit.eml",
      hdrs("Re: zakaz", "X-NPS-Lang: en\n") +
      part("text/plain; charset=x-mac-cyrillic", "8bit",
           "Здравствуйте!\n\nВаш заказ отправлен.\n\n" + TAG +
           "\n\nСлужба поддержки\n"),
      1, 0, "ok", cs="mac_cyrillic")
write("41-big5-x-big5-text-base64.eml",
      hdrs("Re: 訂單") +
      part("text/plain; charset=x-big5", "base64",
           b64("您好，\n\n您的訂單已出貨。\n\n" + TAG + "\n\n客服中心\n",
               "big5").rstrip("\n")),
      1, 0, "ok")
# No charset: us-ascii (RFC 2045), whatever the 8-bit bytes look like; the
# text keeps its bytes and label, the widget is folded to ASCII.
write("42-unlabelled-8bit-text.eml",
      hdrs("Re: commande") +
      "Content-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\n"
      "Bonjour, votre commande est expédiée.\n\n" + TAG + "\n\nMerci\n",
      1, 0, "ok")
# Transfer encoding names the readers tolerate.
write("43-cte-empty.eml",
      hdrs("Re: commande") +
      "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding:\n\n"
      "Bonjour,\n\n" + TAG + "\n",
      1, 0, "ok")
write("44-cte-7-bit-dash-html.eml",
      hdrs("Re: commande") +
      part("text/html; charset=us-ascii", "7-bit",
           "<p>Bonjour,</p>\n<div>" + TAG + "</div>\n"),
      1, 0, "ok")
# A boundary over RFC 2046's 70 characters, used consistently.
write("45-long-boundary.eml",
      hdrs("Re: commande") +
      alt(part("text/plain; charset=utf-8", "8bit", "Bonjour,\n\n" + TAG + "\n"),
          part("text/html; charset=utf-8", "8bit", "<p>" + TAG + "</p>\n"),
          "=_NextPart_" + "0123456789abcdef" * 7),
      2, 0, "ok")
# 60 levels of multipart/mixed around the text part.
deep = hdrs("Re: deep")
for i in range(60):
    deep += f'Content-Type: multipart/mixed; boundary="lvl{i}"\n\n--lvl{i}\n'
deep += part("text/plain; charset=utf-8", "8bit", "Bonjour,\n\n" + TAG + "\n")
for i in reversed(range(60)):
    deep += f"\n--lvl{i}--\n"
write("46-nested-60-levels.eml", deep, 1, 0, "ok")

# An unknown transfer encoding name: left alone, as no reader decodes it.
write("tf-06-cte-misspelt.eml",
      hdrs("Re: commande") + part("text/plain; charset=utf-8", "quoted_printable",
                                  "Bonjour,\n\n" + TAG + "\n"),
      0, 1, "notag")

# ---- malformed: unchanged with a reason --------------------------------

write("bad-01-no-boundary.eml",
      hdrs("Broken") + "Content-Type: multipart/alternative\n\n--b\n\n" + TAG + "\n--b--\n",
      0, 1, "malformed")
write("bad-02-unclosed-boundary.eml",
      hdrs("Broken") + 'Content-Type: multipart/mixed; boundary="zz"\n\n--zz\n' +
      part("text/html; charset=utf-8", "8bit", "<p>" + TAG + "</p>\n"),
      0, 1, "malformed")
write("bad-03-truncated-base64.eml",
      hdrs("Broken") + 'Content-Type: multipart/mixed; boundary="t"\n\n--t\n' +
      part("text/html; charset=utf-8", "base64",
           b64("<p>" + TAG + "</p>" + "x" * 100)[:-7].rstrip("\n")) + "\n--t--\n",
      0, 1, "malformed")
write("bad-04-inner-boundary-unclosed.eml",
      hdrs("Broken") + 'Content-Type: multipart/mixed; boundary="o"\n\n--o\n'
      'Content-Type: multipart/alternative; boundary="i"\n\n--i\n' +
      part("text/plain; charset=utf-8", "8bit", TAG + "\n") + "\n--o--\n",
      0, 1, "malformed")
write("bad-05-no-header.eml",
      "Just a body line with " + TAG + "\nand no header at all\n",
      0, 1, "malformed")
write("bad-06-base64-junk.eml",
      hdrs("Broken") + part("text/html; charset=utf-8", "base64",
                            "PHA+W0luc2VydFNhdGlzZmFjdGlvbkV2YWx1YXRpb25dPC9wPg==\n"
                            "!!!not base64!!!"),
      0, 1, "malformed")
write("bad-07-bom-before-header.eml",
      "\ufeff" + hdrs("Saved by an editor") +
      part("text/plain; charset=utf-8", "8bit", "Bonjour,\n\n" + TAG + "\n"),
      0, 1, "malformed")
write("bad-08-leading-blank-line.eml",
      "\n" + hdrs("Blank line first") +
      part("text/plain; charset=utf-8", "8bit", "Bonjour,\n\n" + TAG + "\n"),
      0, 1, "malformed")

with open("expect.txt", "w") as f:
    f.write("# FILE TAGS KEEP STATUS [OPTIONS] - written by make-corpus.py\n")
    for name, tags, keep, status, opts in files:
        f.write(f"{name} {tags} {keep} {status}{' ' + opts if opts else ''}\n")
print(len(files), "files")
