"""Messages written to files instead of phones, for development, the demo and tests: one JSON
line per message in a file per day under `SMS_FILE_PATH`."""

import json
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from . import Outgoing, SmsBackend


class FileBackend(SmsBackend):
    name = "file"

    def send(self, message: Outgoing) -> str:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        ref = uuid.uuid4().hex
        line = json.dumps(
            {
                "ref": ref,
                "at": timezone.now().isoformat(),
                "phone": message.phone,
                "template_id": message.template_id,
                "values": message.values,
                "text": message.text,
            },
            ensure_ascii=False,
        )
        # One short append per message: lines from several processes do not interleave.
        with (folder / f"sms-{timezone.localdate():%Y-%m-%d}.jsonl").open(
            "a", encoding="utf-8"
        ) as out:
            out.write(line + "\n")
        return ref


def read_messages(folder: str | Path | None = None) -> list[dict]:
    """Every message the file backend wrote, oldest first."""
    root = Path(folder or settings.SMS_FILE_PATH)
    lines = [
        line
        for path in sorted(root.glob("sms-*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line
    ]
    return [json.loads(line) for line in lines]
