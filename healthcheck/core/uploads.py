"""Upload handlers that bound the size of each uploaded file.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not count file data, so without these a client could
stream an arbitrarily large file to disk. Each handler stops the upload once a file passes
MAX_UPLOAD_FILE_BYTES; the form then sees the file as missing and reports a field error.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import (
    MemoryFileUploadHandler,
    StopUpload,
    TemporaryFileUploadHandler,
)


class _SizeLimitMixin:
    _received = 0

    def new_file(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self._received = 0
        return super().new_file(*args, **kwargs)  # type: ignore[misc]

    def receive_data_chunk(self, raw_data: bytes, start: int):  # type: ignore[no-untyped-def]
        self._received += len(raw_data)
        if self._received > settings.MAX_UPLOAD_FILE_BYTES:
            self.request.upload_too_large = True  # type: ignore[attr-defined]
            raise StopUpload(connection_reset=True)
        return super().receive_data_chunk(raw_data, start)  # type: ignore[misc]


class SizeLimitedMemoryUploadHandler(_SizeLimitMixin, MemoryFileUploadHandler):
    pass


class SizeLimitedTemporaryUploadHandler(_SizeLimitMixin, TemporaryFileUploadHandler):
    pass
