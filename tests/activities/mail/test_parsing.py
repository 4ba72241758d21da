"""Reading the .eml fixtures (GBK, GB2312 with GBK characters, UTF-8, RFC 2047/2231 names) and
sanitising hostile HTML; EMAIL_URL parsing."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from shangji.activities.mail.parsing import decode_header_value, parse_addresses, parse_message
from shangji.activities.mail.sanitising import sanitise_html
from shangji.config.email_url import parse_email_url

from .conftest import eml

UTC = datetime.UTC


def test_gbk_base64_body_and_rfc2047_gbk_headers():
    parsed = parse_message(eml("gbk_base64_plain.eml"))
    assert parsed.subject == "关于春季新品陈列的报价"
    assert (parsed.sender.name, parsed.sender.email) == ("王芳", "WangFang@XinCheng.example")
    assert [(a.name, a.email) for a in parsed.to] == [("王强", "wangqiang@shangpin.example")]
    assert parsed.addresses == [
        "wangfang@xincheng.example",
        "wangqiang@shangpin.example",
        "lisi@xincheng.example",
    ]
    # 镕 is in GBK, not in GB2312: read through the GB18030 superset.
    assert "朱镕基路店" in parsed.body_text and parsed.body_text.startswith("王经理您好：")
    assert parsed.date == datetime.datetime(2026, 3, 10, 1, 30, tzinfo=UTC)
    assert parsed.message_id == "<20260310093000.1234@xincheng.example>"
    assert parsed.body_html == "" and parsed.attachments == []


def test_raw_8bit_gbk_headers_and_gb2312_label_with_gbk_characters():
    parsed = parse_message(eml("gbk_8bit_raw_headers.eml"))
    assert parsed.subject == "回复：样品已寄出（朱镕基路店）"
    assert str(parsed.sender) == "王芳 <wangfang@xincheng.example>"
    assert "朱镕基路店下周一可以收货" in parsed.body_text
    assert "\ufffd" not in parsed.body_text
    assert parsed.in_reply_to == "<20260310093000.1234@xincheng.example>"


def test_utf8_alternative_with_chinese_attachment_names():
    parsed = parse_message(eml("utf8_alternative_attachments.eml"))
    assert parsed.subject == "合同草案和报价单（第二版）"  # two folded encoded words
    assert "总价 ¥128,000 — 含税。" in parsed.body_text  # quoted-printable UTF-8
    assert "<b>报价单</b>" in parsed.body_html  # base64 UTF-8
    assert [(a.filename, a.size) for a in parsed.attachments] == [
        ("报价单.pdf", 63),  # RFC 2231, UTF-8
        ("合同草案.docx", 1024),  # RFC 2047 inside the parameter, GB18030
        ("陈列方案.xlsx", 600),  # RFC 2231 continuation, GBK
    ]
    assert parsed.attachments[0].content.startswith(b"%PDF-1.4")
    assert parsed.attachments[1].content == bytes(range(256)) * 4
    assert [(a.name, a.email) for a in parsed.cc] == [("李四", "LiSi@xincheng.example")]


def test_hostile_html_is_stripped():
    parsed = parse_message(eml("hostile_html.eml"))
    assert parsed.subject == "限时优惠"
    clean = sanitise_html(parsed.body_html)
    lowered = clean.lower()
    for forbidden in [
        "<script",
        "alert(",
        "onload",
        "onclick",
        "onerror",
        "onmouseover",
        "javascript:",
        "tracker.example",
        "evil.example",
        "<iframe",
        "<form",
        "<input",
        "<object",
        "<svg",
        "<style",
        "style=",
        "background",
        "data:text/html",
        "data:image/svg",
        "<title",
        "phish",
    ]:
        assert forbidden not in lowered, forbidden
    assert 'src="cid:logo@xincheng.example"' in clean
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in clean
    assert 'href="https://www.xincheng.example/catalogue"' in clean
    assert 'rel="noopener noreferrer nofollow"' in clean
    assert "陈列方案请见下图：" in clean and "产品目录" in clean
    assert [(a.filename, a.content_id) for a in parsed.attachments] == [
        ("attachment-1.png", "logo@xincheng.example")
    ]


def test_missing_message_id_is_derived_from_the_bytes():
    raw = eml("no_message_id.eml")
    first, second = parse_message(raw), parse_message(raw)
    assert first.message_id == second.message_id
    assert first.message_id.endswith("@no-message-id.invalid>")
    assert parse_message(raw + b"x").message_id != first.message_id


def test_headers_and_addresses_edge_cases():
    assert decode_header_value("=?gb2312?B?zfW3vA==?= <a@b.example>") == "王芳 <a@b.example>"
    assert decode_header_value("Re: =?utf-8?q?=E6=8A=A5=E4=BB=B7?= 2") == "Re: 报价 2"
    mailboxes = parse_addresses(['"=?utf-8?b?546L?=, 芳" <x@y.example>, z@y.example, Z@Y.example'])
    assert [(m.name, m.email) for m in mailboxes] == [
        ("王, 芳", "x@y.example"),
        ("", "z@y.example"),
    ]
    assert str(mailboxes[0]) == '"王, 芳" <x@y.example>'
    broken = parse_message(b"Subject: =?bogus-charset?B?5L2g?=\r\nFrom: a@b.example\r\n\r\nhi")
    assert broken.subject == "你"  # unknown charset: UTF-8, then GB18030


@pytest.mark.parametrize(
    ("url", "backend", "options"),
    [
        ("", "console", {}),
        ("console://", "console", {}),
        ("locmem://", "locmem", {}),
        (
            "smtp://user%40corp.example:p%3Ass@mail.example:587?tls=1",
            "smtp",
            {
                "host": "mail.example",
                "port": 587,
                "username": "user@corp.example",
                "password": "p:ss",
                "use_tls": True,
                "use_ssl": False,
                "timeout": 10.0,
            },
        ),
        (
            "smtps://u:p@mail.example",
            "smtp",
            {
                "host": "mail.example",
                "port": 465,
                "username": "u",
                "password": "p",
                "use_tls": False,
                "use_ssl": True,
                "timeout": 10.0,
            },
        ),
        (
            "submission://relay.example?timeout=3",
            "smtp",
            {
                "host": "relay.example",
                "port": 587,
                "username": "",
                "password": "",
                "use_tls": True,
                "use_ssl": False,
                "timeout": 3.0,
            },
        ),
        (
            "smtp://relay.example",
            "smtp",
            {
                "host": "relay.example",
                "port": 25,
                "username": "",
                "password": "",
                "use_tls": False,
                "use_ssl": False,
                "timeout": 10.0,
            },
        ),
        ("file:///var/mail/out", "filebased", {"file_path": "/var/mail/out"}),
    ],
)
def test_email_url(url, backend, options):
    parsed = parse_email_url(url or "console://")
    assert parsed["BACKEND"] == f"django.core.mail.backends.{backend}.EmailBackend"
    assert parsed["OPTIONS"] == options


@pytest.mark.parametrize("url", ["gopher://x", "smtp://", "smtp://host:notaport"])
def test_bad_email_url(url):
    with pytest.raises(ImproperlyConfigured):
        parse_email_url(url)
