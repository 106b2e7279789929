"""Several slow uploads at once do not block other requests, and each ends intact."""
import time

from zips import (SlowUpload, Submitter, big_good_zip, files_under, md5, open_challenge, split,
                  submission_dir)


def test_slow_uploads_do_not_block_other_requests(server, make_user):
    sub = Submitter(server, make_user())
    challenge = open_challenge(server)
    uploads = []
    for i in range(4):
        data, files = big_good_zip(1024 * 1024 + i)
        sid = sub.create(challenge, data)
        slow = SlowUpload(server, sub, challenge, sid, "archive.zip", data)
        slow.send(0.5)
        uploads.append((sid, data, files, slow))
    try:
        for _ in range(20):
            started = time.monotonic()
            r = server.get("/challenges/")
            assert r.status_code == 200, r.text
            assert time.monotonic() - started < 1.0
            assert sub.upload_state(challenge, uploads[0][0]).json()["completed"] is False
        # a whole other upload goes through while the four are stalled
        data, files = big_good_zip(300_000)
        pieces = split(data, 2)
        sid = sub.create(challenge, data, pieces)
        for name, piece in pieces:
            assert sub.upload(challenge, sid, name, piece).status_code == 200
        assert sub.wait_status(sid) == "uploaded"
        for _, _, _, slow in uploads:
            slow.send(0.9)
    finally:
        results = [slow.finish() for _, _, _, slow in uploads]
    for (sid, data, files, _), (status, body) in zip(uploads, results):
        assert status == 200 and body == {"completed": True, "remaining": []}, body
        assert sub.wait_status(sid) == "uploaded", sub.log(sid)
        assert files_under(submission_dir(server, sid) / "input") == files
        assert md5((submission_dir(server, sid) / "input.zip").read_bytes()) == md5(data)
