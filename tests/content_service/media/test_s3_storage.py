"""The media store on an S3-compatible object store, tested against a real
S3 server running here (moto in server mode, over HTTP, through boto3): files
go in by content, are served through the app with ETags, 304s and byte ranges
(a video seeks), only while something refers to them, and pruned after; two
app servers with their own instance folders on one database and one bucket
serve each other's uploads; a store that cannot be reached is a clear 503."""
from __future__ import annotations

import hashlib
import os
import socket

import pytest

from content_service.catalogue.models import Asset
from content_service.config import ConfigError
from content_service.media import storage
from tests.factories import make_book

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "pindai-test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "pindai-test")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server, request):
    name = "pindai-" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:12]
    client = boto3.client("s3", endpoint_url=s3_server)
    client.create_bucket(Bucket=name)
    yield name
    for entry in client.list_objects_v2(Bucket=name).get("Contents", []):
        client.delete_object(Bucket=name, Key=entry["Key"])
    client.delete_bucket(Bucket=name)


@pytest.fixture
def s3_app(make_app, s3_server, bucket, tmp_path):
    return make_app(MEDIA_STORAGE="s3", MEDIA_S3_BUCKET=bucket, MEDIA_S3_ENDPOINT=s3_server,
                    MEDIA_ROOT=str(tmp_path / "unused"))


def an_extra(session, digest: str, media_type: str = "video/mp4") -> Asset:
    book = make_book(session, title="Laskar Pelangi")
    asset = Asset(book_id=book.id, kind="video", title="Cuplikan", media_hash=digest, media_type=media_type,
                  language="both", audience="all", published=True)
    session.add(asset)
    session.commit()
    return asset


def test_files_go_in_by_content_and_are_served_with_ranges(s3_app, s3_server, bucket):
    data = bytes(range(256)) * 4096  # 1 MiB
    with s3_app.app_context():
        from content_service.db import get_session

        store = storage()
        digest = store.put(data)
        assert digest == hashlib.sha256(data).hexdigest() and store.put(data) == digest  # once
        assert store.exists(digest) and list(store.digests()) == [digest]
        key = boto3.client("s3", endpoint_url=s3_server).head_object(Bucket=bucket, Key=f"media/{digest[:2]}/{digest}")
        assert key["ContentLength"] == len(data)  # where operators find it in the bucket
        an_extra(get_session(), digest)
    client = s3_app.test_client()
    whole = client.get(f"/media/{digest}.mp4")
    assert whole.status_code == 200 and whole.data == data and whole.mimetype == "video/mp4"
    assert whole.headers["ETag"].strip('"') == digest and whole.headers["Accept-Ranges"] == "bytes"
    assert client.get(f"/media/{digest}.mp4", headers={"If-None-Match": f'"{digest}"'}).status_code == 304
    part = client.get(f"/media/{digest}.mp4", headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.data == data[1000:2000]
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    tail = client.get(f"/media/{digest}.mp4", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == data[-10:]
    assert client.get(f"/media/{'0' * 64}.mp4").status_code == 404


def test_a_file_nothing_uses_is_not_served_and_is_pruned(s3_app):
    with s3_app.app_context():
        store = storage()
        kept, loose = store.put(b"kept file"), store.put(b"loose file")
        from content_service.db import get_session

        an_extra(get_session(), kept, "image/png")
    client = s3_app.test_client()
    assert client.get(f"/media/{loose}.png").status_code == 404
    result = s3_app.test_cli_runner().invoke(args=["media-prune", "--grace", "0"])
    assert result.exit_code == 0, result.output
    with s3_app.app_context():
        assert storage().exists(kept) and not storage().exists(loose)


def test_two_app_servers_serve_each_other_s_uploads(make_app, s3_server, bucket, tmp_path):
    one = make_app(MEDIA_STORAGE="s3", MEDIA_S3_BUCKET=bucket, MEDIA_S3_ENDPOINT=s3_server,
                   MEDIA_ROOT=str(tmp_path / "one"))
    two = make_app(MEDIA_STORAGE="s3", MEDIA_S3_BUCKET=bucket, MEDIA_S3_ENDPOINT=s3_server,
                   MEDIA_ROOT=str(tmp_path / "two"))
    with one.app_context():
        from content_service.db import get_session

        digest = storage().put(b"\x89PNG cover from server one")
        an_extra(get_session(), digest, "image/png")
    res = two.test_client().get(f"/media/{digest}.png")
    assert res.status_code == 200 and res.data == b"\x89PNG cover from server one"


def test_an_s3_store_needs_a_bucket_and_an_unreachable_one_is_a_503(make_app):
    with pytest.raises(ConfigError, match="PINDAI_MEDIA_S3_BUCKET"):
        make_app(MEDIA_STORAGE="s3")
    with pytest.raises(ConfigError, match="choose one of filesystem, s3"):
        make_app(MEDIA_STORAGE="ftp")
    down = make_app(MEDIA_STORAGE="s3", MEDIA_S3_BUCKET="pindai", MEDIA_S3_ENDPOINT=f"http://127.0.0.1:{free_port()}")
    res = down.test_client().get(f"/media/{'a' * 64}.png", headers={"Accept": "application/json"})
    assert res.status_code == 503 and res.get_json()["error"]["code"] == "media_store_unavailable"
