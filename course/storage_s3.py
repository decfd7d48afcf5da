"""The object-storage backend of :mod:`course.storage`: any S3-compatible service.

``COURSE_FILES_URL=s3://bucket/prefix`` keeps key ``K`` at ``prefix/K`` in ``bucket``. The
client is boto3's, configured the standard way, so every tool an operator already uses reads
the same settings: ``AWS_ENDPOINT_URL`` (MinIO, Alibaba Cloud OSS, Tencent COS; unset for AWS),
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, and the AWS config file
(``AWS_CONFIG_FILE``, default ``~/.aws/config``) for things such as path-style addressing::

    [default]
    s3 =
        addressing_style = path

Writes of unknown length stream as a multipart upload (parts of 8 MiB, the last may be
smaller), so a large ZIP never sits whole in memory; downloads may redirect to a presigned URL
(signature version 4, ``COURSE_FILES_PRESIGN_SECONDS`` long; 0 streams through the app).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import IO, Any
from urllib.parse import quote

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from course.storage import check_key

#: S3 refuses parts under 5 MiB except the last; 8 MiB is boto3's own default chunk size.
PART_SIZE = 8 * 1024 * 1024
MISSING = {"404", "NoSuchKey", "NotFound"}


def _missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in MISSING


class MultipartWriter(io.RawIOBase):
    """A write-only file object that uploads every full part as it fills.

    Nothing is visible under the key until :meth:`finish`; :meth:`abort` drops the parts.
    A file smaller than one part is sent with a single ``PutObject``.
    """

    def __init__(self, client: Any, bucket: str, key: str, content_type: str | None = None) -> None:
        super().__init__()
        self.client, self.bucket, self.key = client, bucket, key
        self.extra = {"ContentType": content_type} if content_type else {}
        self.buffer = bytearray()
        self.upload_id: str | None = None
        self.parts: list[dict] = []
        self.written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:
        view = bytes(data)
        self.buffer += view
        self.written += len(view)
        while len(self.buffer) >= PART_SIZE:
            self._upload_part(bytes(self.buffer[:PART_SIZE]))
            del self.buffer[:PART_SIZE]
        return len(view)

    def tell(self) -> int:
        return self.written

    def _upload_part(self, chunk: bytes) -> None:
        if self.upload_id is None:
            started = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, **self.extra
            )
            self.upload_id = started["UploadId"]
        number = len(self.parts) + 1
        answer = self.client.upload_part(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            PartNumber=number,
            Body=chunk,
        )
        self.parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def finish(self) -> None:
        if self.upload_id is None:
            self.client.put_object(
                Bucket=self.bucket, Key=self.key, Body=bytes(self.buffer), **self.extra
            )
        else:
            if self.buffer:
                self._upload_part(bytes(self.buffer))
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": self.parts},
            )
        self.buffer.clear()

    def abort(self) -> None:
        self.buffer.clear()
        if self.upload_id is not None:
            with contextlib.suppress(ClientError):
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=self.key, UploadId=self.upload_id
                )


class S3Store:
    """Objects in one bucket under one prefix, through boto3."""

    def __init__(
        self, bucket: str, prefix: str = "", *, presign_seconds: int = 300, client: Any = None
    ):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.presign_seconds = presign_seconds
        # Signature version 4 everywhere (presigned links too): AWS, MinIO, OSS and COS accept it,
        # and it is the only one with an expiry the server checks against its own clock.
        self.client = client or boto3.session.Session().client(
            "s3", config=Config(signature_version="s3v4", retries={"mode": "standard"})
        )

    def _key(self, key: str) -> str:
        path = check_key(key).as_posix()
        return f"{self.prefix}/{path}" if self.prefix else path

    def save(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def read(self, key: str) -> bytes:
        with contextlib.closing(self.open(key)) as body:
            return body.read()

    def _head(self, key: str) -> dict | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if _missing(error):
                return None
            raise

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(key)
        return int(head["ContentLength"])

    def open(self, key: str) -> IO[bytes]:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(key) from error
            raise
        return answer["Body"]

    @contextlib.contextmanager
    def writer(self, key: str) -> Iterator[IO[bytes]]:
        out = MultipartWriter(self.client, self.bucket, self._key(key))
        try:
            yield out  # type: ignore[misc]
            out.finish()
        except BaseException:
            out.abort()
            raise

    def keys(self, prefix: str = "") -> list[str]:
        """Every key starting with ``prefix`` (such as ``outbox/``), sorted."""
        base = f"{self.prefix}/" if self.prefix else ""
        found = []
        pages = self.client.get_paginator("list_objects_v2")
        for page in pages.paginate(Bucket=self.bucket, Prefix=base + prefix):
            found += [item["Key"][len(base) :] for item in page.get("Contents", [])]
        return sorted(found)

    def presigned_url(self, key: str, download_name: str, mimetype: str | None) -> str | None:
        if self.presign_seconds <= 0:
            return None
        params = {
            "Bucket": self.bucket,
            "Key": self._key(key),
            "ResponseContentDisposition": f"attachment; filename*=UTF-8''{quote(download_name)}",
        }
        if mimetype:
            params["ResponseContentType"] = mimetype
        return self.client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=self.presign_seconds
        )

    def describe(self) -> str:
        endpoint = self.client.meta.endpoint_url
        return f"s3://{self.bucket}/{self.prefix} at {endpoint}"
