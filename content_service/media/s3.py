"""The media store on an S3-compatible object store (AWS S3, MinIO, Ceph,
Wasabi...), so every app server behind a load balancer serves the same files:
``PINDAI_MEDIA_STORAGE=s3`` with ``PINDAI_MEDIA_S3_BUCKET`` (and, for a store
that is not AWS, ``PINDAI_MEDIA_S3_ENDPOINT``); credentials come the way boto3
finds them (``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``, a profile, an
instance role).

The same content-addressed names as on disk (``<prefix>ab/abcdef...``). A file
is served through the app (so ``references`` still decides what is served and
kiosks get their CORS headers), read from the store in ranges: a video seeks
without the whole file passing through."""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from flask import Response, request

from .. import errors


class S3Unavailable(errors.PindaiError):
    status = 503
    code = "media_store_unavailable"
    message_en = "The media store cannot be reached right now. Please try again in a moment."


class RangeReader(io.RawIOBase):
    """A seekable, read-only file over one object: each read is a ranged GET."""

    def __init__(self, client, bucket: str, key: str, size: int):
        self.client, self.bucket, self.key, self.size, self.pos = client, bucket, key, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence]
        self.pos = max(0, min(self.size, base + offset))
        return self.pos

    def read(self, n: int = -1) -> bytes:
        if self.pos >= self.size or n == 0:
            return b""
        end = self.size - 1 if n is None or n < 0 else min(self.size, self.pos + n) - 1
        body = self.client.get_object(Bucket=self.bucket, Key=self.key, Range=f"bytes={self.pos}-{end}")["Body"]
        data = body.read()
        self.pos += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


class S3Storage:
    """Files in ``bucket`` under ``prefix``; ``put`` of a file already there
    refreshes its time (``references.release`` leaves recent files alone)."""

    CHUNK = 1024 * 1024  # bytes per ranged read while serving

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, prefix: str = "media/",
                 region: str | None = None, client=None):
        if not bucket:
            from ..config import ConfigError

            raise ConfigError("PINDAI_MEDIA_STORAGE=s3 needs PINDAI_MEDIA_S3_BUCKET (and PINDAI_MEDIA_S3_ENDPOINT "
                              "for a store that is not AWS)")
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None,
                                  config=Config(retries={"max_attempts": 3, "mode": "standard"},
                                                connect_timeout=3, read_timeout=20))
        self.client, self.bucket, self.prefix = client, bucket, prefix

    @classmethod
    def from_config(cls, config, root=None) -> "S3Storage":
        return cls(config.get("MEDIA_S3_BUCKET", ""), endpoint_url=config.get("MEDIA_S3_ENDPOINT") or None,
                   prefix=config.get("MEDIA_S3_PREFIX", "media/"), region=config.get("MEDIA_S3_REGION") or None)

    def key(self, digest: str) -> str:
        return f"{self.prefix}{digest[:2]}/{digest}"

    def _head(self, digest: str) -> dict | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.key(digest))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise S3Unavailable() from exc
        except BotoCoreError as exc:
            raise S3Unavailable() from exc

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        key = self.key(digest)
        if self._head(digest) is None:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentLength=len(data))
        else:  # a fresh time, as the filesystem store's utime: a release pass cannot take it mid-upload
            self.client.copy_object(Bucket=self.bucket, Key=key, CopySource={"Bucket": self.bucket, "Key": key},
                                    MetadataDirective="REPLACE")
        return digest

    def exists(self, digest: str) -> bool:
        return self._head(digest) is not None

    def modified(self, digest: str) -> float:
        head = self._head(digest)
        if head is None:
            raise FileNotFoundError(digest)
        return head["LastModified"].timestamp()

    def size(self, digest: str) -> int:
        head = self._head(digest)
        if head is None:
            raise FileNotFoundError(digest)
        return int(head["ContentLength"])

    def delete(self, digest: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(digest))

    def digests(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for entry in page.get("Contents", []):
                name = entry["Key"].rsplit("/", 1)[-1]
                if len(name) == 64 and all(c in "0123456789abcdef" for c in name):
                    yield name

    def open(self, digest: str) -> io.BufferedReader:
        return io.BufferedReader(RangeReader(self.client, self.bucket, self.key(digest), self.size(digest)),
                                 buffer_size=self.CHUNK)

    def local_copy(self, digest: str) -> Path:
        """A file on this machine with the stored bytes (a poster's cover): downloaded once
        into a cache folder; content-addressed, so a copy there is never stale."""
        target = Path(tempfile.gettempdir()) / "pindai-media-cache" / digest
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
            with os.fdopen(fd, "wb") as fh:
                self.client.download_fileobj(self.bucket, self.key(digest), fh)
            os.replace(tmp, target)
        return target

    def send(self, digest: str, mimetype: str, max_age: int) -> Response:
        """The file as a response, with ETag, conditional GETs and byte ranges."""
        from werkzeug.wsgi import wrap_file

        size = self.size(digest)
        reader = self.open(digest)
        response = Response(wrap_file(request.environ, reader, self.CHUNK), mimetype=mimetype, direct_passthrough=True)
        response.content_length = size
        response.set_etag(digest)
        response.cache_control.public = True
        response.cache_control.max_age = max_age
        response.make_conditional(request.environ, accept_ranges=True, complete_length=size)  # in place
        return response
