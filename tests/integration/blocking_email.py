"""An e-mail backend for worker subprocesses: files countable across processes, and a way to hold a
worker in the middle of sending so a test can kill it there.

EMAIL_BACKEND=tests.integration.blocking_email.EmailBackend with EMAIL_FILE_PATH=<dir> writes each
message to a file in <dir> (Django's file backend). With BLOCK_MAIL_UNTIL_FILE=<path> set as
well, every send first creates "<dir>/entered", then waits (up to a minute) until <path> exists.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend as FileBackend

BLOCK_SECONDS = 60


class EmailBackend(FileBackend):
    def __init__(self, *args, file_path=None, **kwargs):
        super().__init__(*args, file_path=file_path or os.environ["EMAIL_FILE_PATH"], **kwargs)

    def send_messages(self, email_messages):
        release = os.environ.get("BLOCK_MAIL_UNTIL_FILE")
        if release:
            (Path(self.file_path) / "entered").touch()
            deadline = time.monotonic() + BLOCK_SECONDS
            while not Path(release).exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return super().send_messages(email_messages)
