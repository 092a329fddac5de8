"""The harness's own reading of what the demo prints and shows."""

import io

from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.console import EmailBackend

from .harness import parse_console_emails, untranslated_words


def test_reads_the_emails_the_console_backend_prints():
    stream = io.StringIO()
    stream.write("Starting development server at http://127.0.0.1:8123/\n")
    backend = EmailBackend(stream=stream)
    plain = EmailMultiAlternatives(
        "您的查询码 SR-ABC123：社区监督举报",
        "请在 http://127.0.0.1:8123/track/SR-ABC123/ 查看办理进度。\n" + "很长的一行。" * 80,
        to=["resident@example.com"],
    )
    plain.attach_alternative("<p>html</p>", "text/html")
    second = EmailMultiAlternatives("第二封", "没有链接。", to=["a@example.com", "b@example.com"])
    backend.send_messages([plain, second])

    first, other = parse_console_emails(stream.getvalue())
    assert first.to == ["resident@example.com"]
    assert first.subject == "您的查询码 SR-ABC123：社区监督举报"
    assert first.links == ["http://127.0.0.1:8123/track/SR-ABC123/"]
    assert other.to == ["a@example.com", "b@example.com"]
    assert other.body.strip() == "没有链接。"


def test_flags_english_words_but_not_codes_names_or_addresses():
    text = (
        "办理中：受理审查 SR-2026-0001 JEJZ-BMFB-CFMS CCNQ-****-**** "
        "community-work-access grid_worker "
        "查询码 ID 340705 People's Grid "
        "resident@example.com http://127.0.0.1:8000/track/ English 5 km（见 docs/deploy.md）\n"
        "Autosave is paused 1-2 of 2 Brief Excel Well-known"
    )
    assert untranslated_words(text) == ["Autosave", "is", "paused", "of", "Brief", "Well-known"]
