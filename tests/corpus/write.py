"""Writes the corpus: messages written for this project, each a case real mail has and
mail software gets wrong. Run it again after changing a case: `python3 write.py`."""
import base64
import quopri


def b64(data, width=76):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + width] for i in range(0, len(s), width))


def qp(data):
    return quopri.encodestring(data).replace(b"\n", b"\r\n")


def word(text, charset):
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def save(name, data):
    with open(name, "wb") as out:
        out.write(data)


# 1. Latin-1 quoted-printable, text and HTML, an ISO-8859-1 encoded-word subject and name.
save("01-latin1-quoted-printable.eml", (
    "Message-ID: <latin1@corpus.test>\r\nFrom: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <juergen@mueller.test>\r\n"
    "To: Ann <ann@corpus.test>\r\nSubject: =?ISO-8859-1?Q?Vertrag_f=FCr_M=E4rz?=\r\n"
    "Date: Mon, 02 Nov 2026 08:15:00 +0100\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"alt-1\"\r\n\r\n"
    "--alt-1\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
).encode() + qp("Grüße aus München,\nder Vertrag für März liegt bei.\nViele Grüße\nJürgen".encode("iso-8859-1"))
    + b"\r\n--alt-1\r\nContent-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    + qp("<p>Grüße aus <b>München</b>,</p><p>der Vertrag für März liegt bei.</p>".encode("iso-8859-1"))
    + b"\r\n--alt-1--\r\n")

# 2. KOI8-R, base64.
save("02-koi8r-base64.eml", (
    f"Message-ID: <koi8r@corpus.test>\r\nFrom: {word('Ольга', 'koi8-r')} <olga@shop.test>\r\n"
    f"To: ann@corpus.test\r\nSubject: {word('Счёт оплачен', 'koi8-r')}\r\n"
    "Date: Tue, 03 Nov 2026 11:00:00 +0300\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=KOI8-R\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n"
    + b64("Здравствуйте! Счёт 42 оплачен.\nС уважением, Ольга".encode("koi8-r")) + "\r\n").encode())

# 3. ISO-2022-JP, 7bit.
save("03-iso-2022-jp.eml", (
    f"Message-ID: <iso2022jp@corpus.test>\r\nFrom: {word('田中', 'iso-2022-jp')} <tanaka@example.jp>\r\n"
    f"To: ann@corpus.test\r\nSubject: {word('見積書', 'iso-2022-jp')}\r\n"
    "Date: Wed, 04 Nov 2026 09:30:00 +0900\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n"
    "Content-Transfer-Encoding: 7bit\r\n\r\n").encode()
    + "お世話になっております。\n見積書を添付いたします。".encode("iso-2022-jp").replace(b"\n", b"\r\n") + b"\r\n")

# 4. mixed > related > alternative, an inline cid: image, a PDF; threading headers.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"logo" * 20
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4
save("04-nested-inline-image-and-pdf.eml", (
    "Message-ID: <nested@corpus.test>\r\nIn-Reply-To: <q1@acme.test>\r\nReferences: <q0@acme.test> <q1@acme.test>\r\n"
    "From: Sales <sales@acme.test>\r\nTo: ann@corpus.test, Bob <bob@corpus.test>\r\nCc: carl@acme.test\r\n"
    "Reply-To: orders@acme.test\r\nSubject: Re: Quote 1001\r\nDate: Thu, 05 Nov 2026 14:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n"
    "--mix\r\nContent-Type: multipart/related; boundary=\"rel\"\r\n\r\n"
    "--rel\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n"
    "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe quote is attached. [logo]\r\n"
    "--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    "<p>The quote is <b>attached</b>.</p><img src=\"cid:logo-1@acme.test\" alt=\"logo\">\r\n--alt--\r\n"
    "--rel\r\nContent-Type: image/png; name=\"logo.png\"\r\nContent-ID: <logo-1@acme.test>\r\n"
    "Content-Disposition: inline; filename=\"logo.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + b64(PNG) + "\r\n--rel--\r\n"
    "--mix\r\nContent-Type: application/pdf; name=\"Quote 1001.pdf\"\r\n"
    "Content-Disposition: attachment; filename=\"Quote 1001.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + b64(PDF) + "\r\n--mix--\r\n").encode())

# 5. A calendar invite: text, text/calendar in the alternative, the .ics attached.
ICS = ("BEGIN:VCALENDAR\r\nPRODID:-//Corpus//EN\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
       "UID:meeting-77@acme.test\r\nDTSTART:20261110T150000Z\r\nDTEND:20261110T160000Z\r\nSUMMARY:Contract review\r\n"
       "ORGANIZER;CN=Dana:mailto:dana@acme.test\r\nATTENDEE;CN=Ann:mailto:ann@corpus.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()
save("05-calendar-invite.eml", (
    "Message-ID: <invite@corpus.test>\r\nFrom: Dana <dana@acme.test>\r\nTo: ann@corpus.test\r\n"
    "Subject: Invitation: Contract review\r\nDate: Fri, 06 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: multipart/alternative; boundary=\"a\"\r\n\r\n"
    "--a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYou are invited to Contract review on 10 November.\r\n"
    "--a\r\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + b64(ICS) + "\r\n--a--\r\n"
    "--m\r\nContent-Type: application/ics; name=\"invite.ics\"\r\nContent-Disposition: attachment; filename=\"invite.ics\"\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n" + b64(ICS) + "\r\n--m--\r\n").encode())

# 6. Two unnamed files and two files of one name.
save("06-unnamed-and-same-named-files.eml", (
    "Message-ID: <unnamed@corpus.test>\r\nFrom: Scanner <scanner@acme.test>\r\nTo: ann@corpus.test\r\n"
    "Subject: Scans\r\nDate: Sat, 07 Nov 2026 07:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"s\"\r\n\r\n"
    "--s\r\nContent-Type: text/plain\r\n\r\nFour files.\r\n"
    "--s\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n" + b64(b"\x00unnamed one\xff") + "\r\n"
    "--s\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + b64(b"\x01unnamed two\xfe" * 3) + "\r\n"
    "--s\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=report.pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n" + b64(b"%PDF-1.4 first report") + "\r\n"
    "--s\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=report.pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n" + b64(b"%PDF-1.4 second report, longer") + "\r\n--s--\r\n").encode())

# 7. A message that is one file.
save("07-one-file.eml", (
    "Message-ID: <onefile@corpus.test>\r\nFrom: scanner@acme.test\r\nTo: ann@corpus.test\r\nSubject: Scan 0042\r\n"
    "Date: Sun, 08 Nov 2026 07:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: image/png\r\n"
    "Content-Disposition: attachment; filename=scan-0042.png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + b64(PNG) + "\r\n").encode())

# 8. A forward as attachment.
INNER = ("Message-ID: <q3@globex.test>\r\nFrom: Carl <carl@globex.test>\r\nTo: ann@corpus.test\r\nSubject: Q3 numbers\r\n"
         "Date: Mon, 02 Nov 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
         "Revenue is up 12 %.\r\n")
save("08-forward-as-attachment.eml", (
    "Message-ID: <fwdatt@corpus.test>\r\nFrom: Bob <bob@corpus.test>\r\nTo: ann@corpus.test\r\nSubject: Fw: Q3 numbers\r\n"
    "Date: Mon, 09 Nov 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"f\"\r\n\r\n"
    "--f\r\nContent-Type: text/plain\r\n\r\nSee the forwarded mail.\r\n"
    "--f\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n" + INNER + "\r\n--f--\r\n").encode())

# 9. A digest: its entries are e-mails without a Content-Type of their own.
save("09-digest.eml", (
    "Message-ID: <digest@corpus.test>\r\nFrom: list@lists.test\r\nTo: ann@corpus.test\r\nSubject: Digest, Vol 12\r\n"
    "Date: Tue, 10 Nov 2026 06:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"o\"\r\n\r\n"
    "--o\r\nContent-Type: text/plain\r\n\r\nToday's topics: 1. Meetup 2. Release\r\n"
    "--o\r\nContent-Type: multipart/digest; boundary=\"d\"\r\n\r\n"
    "--d\r\n\r\nFrom: eve@lists.test\r\nSubject: Meetup\r\n\r\nThe meetup is on Friday.\r\n"
    "--d\r\n\r\nFrom: fay@lists.test\r\nSubject: Release\r\n\r\nVersion 2 is out.\r\n--d--\r\n--o--\r\n").encode())

# 10. A bounce with the original.
save("10-bounce.eml", (
    "Message-ID: <bounce@corpus.test>\r\nFrom: MAILER-DAEMON@mx.corpus.test\r\nTo: ann@corpus.test\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\nDate: Wed, 11 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n"
    "--r\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered to nobody@globex.test.\r\n"
    "--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.corpus.test\r\n\r\n"
    "Final-Recipient: rfc822; nobody@globex.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
    "--r\r\nContent-Type: message/rfc822\r\n\r\nMessage-ID: <orig@corpus.test>\r\nFrom: ann@corpus.test\r\n"
    "To: nobody@globex.test\r\nSubject: Contract\r\n\r\nPlease sign.\r\n--r--\r\n").encode())

# 11. A banner before the text, a signature after it.
save("11-banner-then-text.eml", (
    "Message-ID: <banner@corpus.test>\r\nFrom: it@acme.test\r\nTo: ann@corpus.test\r\nSubject: Signed contract\r\n"
    "Date: Thu, 12 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\n[EXTERNAL] Be careful with links.\r\n"
    "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Here is the <i>signed</i> contract.</p>\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\n-- \r\nSent from the office\r\n--b--\r\n").encode())

# 12. `Content-Type: text`, no subtype.
save("12-bare-text-type.eml", (
    "Message-ID: <bare@corpus.test>\r\nFrom: old@mailer.test\r\nTo: ann@corpus.test\r\nSubject: Old mailer\r\n"
    "Date: Fri, 13 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text\r\n\r\n"
    "The body of an old mailer.\r\n").encode())

# 13. Raw UTF-8 headers (RFC 6532), an HTML-only body with a style sheet.
save("13-utf8-headers-html-only.eml", (
    "Message-ID: <utf8hdr@corpus.test>\r\nFrom: Zoë Ünal <zoe@cafe.test>\r\nTo: ann@corpus.test\r\n"
    "Subject: Café 🚀 launch\r\nDate: Sat, 14 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    "<html><head><style>p{color:red}</style></head><body><p>We launch <b>Friday</b> — à bientôt!</p></body></html>\r\n"
).encode("utf-8"))

# 14. A Windows-1252 CSV, quoted-printable: its size is its own bytes.
save("14-windows-1252-csv-attachment.eml", (
    "Message-ID: <csv@corpus.test>\r\nFrom: export@crm.test\r\nTo: ann@corpus.test\r\nSubject: Export\r\n"
    "Date: Sun, 15 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"c\"\r\n\r\n"
    "--c\r\nContent-Type: text/plain\r\n\r\nThe export.\r\n"
    "--c\r\nContent-Type: text/csv; charset=windows-1252; name=\"contacts.csv\"\r\n"
    "Content-Disposition: attachment; filename=\"contacts.csv\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
).encode() + qp("name;city\nJürgen;München\nZoë;Köln\n".encode("cp1252")) + b"\r\n--c--\r\n")

# 15. Chinese in GB2312 (GBK), base64, the way Chinese mail clients still send it.
save("15-gb2312-base64.eml", (
    f"Message-ID: <gb2312@corpus.test>\r\nFrom: {word('王经理', 'gb2312')} <wang@example.cn>\r\n"
    f"To: ann@corpus.test\r\nSubject: {word('合同审批', 'gb2312')}\r\n"
    "Date: Mon, 16 Nov 2026 09:00:00 +0800\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=GB2312\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n"
    + b64("您好，合同已审批，请查收。".encode("gb2312")) + "\r\n").encode())
