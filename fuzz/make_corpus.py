#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/ (run it again after
changing it; the output is deterministic and committed).

The seeds are the tests' own inputs: the HTTP requests the e2e tests send (built with `requests`
exactly as the tests build them, plus the raw ones of test_http.py), the archives of
tests/e2e/zips.py, and the bodies, env files, index.yml files and leaderboard entries of the unit
tests. Each file's format is described at the top of fuzz/<target>_fuzz.cpp.

    /usr/bin/python3 fuzz/make_corpus.py
"""
import json
import shutil
import struct
import sys
from pathlib import Path

import requests
import urllib3.filepost

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "e2e"))
import zips  # noqa: E402  (the e2e tests' archives and manifests)

CORPUS = HERE / "corpus"
BOUNDARY = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
urllib3.filepost.choose_boundary = lambda: BOUNDARY  # deterministic multipart bodies
TOKEN = "QWxhZGRpbjpvcGVuIHNlc2FtZQ"
MD5 = zips.md5(b"seed")


def write(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data.encode() if isinstance(data, str) else data)


# --------------------------------------------------------------------------------------------
# HTTP: raw requests as they reach the server
# --------------------------------------------------------------------------------------------
def raw_request(method, path, **kw):
    """The bytes `requests` sends for server.request(method, path, **kw) (HTTP/1.1)."""
    prepared = requests.Request(method, "http://127.0.0.1:8000" + path, **kw).prepare()
    head = f"{prepared.method} {prepared.path_url} HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
    head += "User-Agent: python-requests\r\nAccept-Encoding: gzip, deflate\r\nAccept: */*\r\n"
    head += "Connection: keep-alive\r\n"
    for name, value in prepared.headers.items():
        head += f"{name}: {value}\r\n"
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    if body and "Content-Length" not in prepared.headers:
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


AUTH = {"Authorization": f"Bearer {TOKEN}"}
SIGNUP = {"username": "user1", "email": "user1@example.com", "pwd": "s3cret-1", "first_name": "Ada",
          "last_name": "Lovelace", "affiliation": "Analytical Engines Ltd"}
SIGNUP_FORM = dict(SIGNUP, password=SIGNUP["pwd"])
del SIGNUP_FORM["pwd"]
ARCHIVE = zips._raw_entries([(zips._info("meta.yaml"), b"author: test\n"),
                             (zips._info("lexical/dev.txt"), b"line 1\nline 2\n")])
PIECES = zips.split(ARCHIVE, 3)


def http_seeds():
    sid = "202101-0100-0000-0f1e2d3c-4b5a-4697-8877-665544332211"
    requests_ = {
        "get_root": raw_request("GET", "/"),
        "head_root": raw_request("HEAD", "/"),
        "get_docs": raw_request("GET", "/docs"),
        "get_openapi": raw_request("GET", "/openapi.json"),
        "get_static": raw_request("GET", "/static/style.css"),
        "get_challenges": raw_request("GET", "/challenges/", params={"include_inactive": "true"}),
        "get_challenges_redirect": raw_request("GET", "/challenges?x=1"),
        "get_challenge": raw_request("GET", "/challenges/3"),
        "get_leaderboard": raw_request("GET", "/leaderboards/2/json"),
        "login_form": raw_request("POST", "/auth/login", data={"username": "user1", "password": "pw"}),
        "logout": raw_request("DELETE", "/auth/logout", headers=AUTH),
        "signup_json": raw_request("PUT", "/auth/signup", json=SIGNUP),
        "signup_form": raw_request("POST", "/auth/signup", data=SIGNUP_FORM,
                                   headers={"Accept": "text/html"}),
        "reset": raw_request("POST", "/auth/password/reset",
                             json={"username": "user1", "email": "user1@example.com"}),
        "update_page": raw_request("POST", "/auth/password/update", params={"v": "tok"},
                                   data={"password": "a", "password_validation": "a", "session_code": "c"}),
        "email_verify": raw_request("GET", "/page/email-verify", params={"v": "abc"}),
        "profile": raw_request("GET", "/users/profile", headers=AUTH),
        "profile_update": raw_request("POST", "/users/profile", headers=AUTH, json={"first_name": "A"}),
        "create_single": raw_request("POST", "/challenges/1/submission/create", headers=AUTH,
                                     json={"filename": "archive.zip", "hash": zips.md5(ARCHIVE),
                                           "multipart": False}),
        "create_multi": raw_request("POST", "/challenges/1/submission/create", headers=AUTH,
                                    json={"filename": "archive.zip", "hash": zips.md5(ARCHIVE),
                                          "multipart": True, "index": zips.manifest(PIECES)}),
        "upload": raw_request("PUT", "/challenges/1/submission/upload", headers=AUTH,
                              params={"submission_id": sid, "part_name": "archive.zip"},
                              files={"file_data": ("archive.zip", ARCHIVE, "application/octet-stream")}),
        "upload_state": raw_request("GET", "/challenges/1/submission/upload", headers=AUTH,
                                    params={"submission_id": sid}),
        "submissions": raw_request("GET", "/users/submissions", headers=AUTH),
        "submission_status": raw_request("GET", f"/users/submissions/{sid}/status", headers=AUTH),
        "worker_job": raw_request("GET", "/worker/jobs/7", headers={"Authorization": "Bearer worker"}),
        "worker_log": raw_request("POST", "/worker/jobs/7/log", headers={"Authorization": "Bearer w"},
                                  json={"lines": ["a", "b"]}),
        "worker_scores": raw_request("PUT", "/worker/jobs/7/scores", headers={"Authorization": "Bearer w"},
                                     files={"scores": ("scores.zip", ARCHIVE[:200], "application/zip")}),
    }
    for name, data in requests_.items():
        write("http_request", name, data)
    # test_http.py's raw requests and the transport's edge cases.
    raw = {
        "malformed_nonsense": b"NONSENSE\r\n\r\n",
        "malformed_version": b"GET / HTTP/9.9\r\n\r\n",
        "malformed_tls": b"\x16\x03\x01\x00\xa5\x01\x00",
        "static_dotdot": b"GET /static/%2e%2e/zerospeech.db HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        "static_nul": b"GET /static/ok.txt%00.png HTTP/1.1\r\nHost: x\r\n\r\n",
        "static_backslash": b"GET /static/..%5czerospeech.db HTTP/1.1\r\nHost: x\r\n\r\n",
        "double_slash_redirect": b"GET //challenges HTTP/1.1\r\nHost: x\r\n\r\n",
        "preflight": b"OPTIONS /auth/login HTTP/1.1\r\nHost: x\r\nOrigin: https://zerospeech.com\r\n"
                     b"Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\r\n",
        "preflight_denied": b"OPTIONS / HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n"
                            b"Access-Control-Request-Method: GET\r\n\r\n",
        "cors_get": b"GET / HTTP/1.1\r\nHost: x\r\nOrigin: http://localhost:1313\r\nX-Request-ID: abc-123\r\n\r\n",
        "pipelined": b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /challenges/ HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"HEAD /docs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "chunked_login": b"POST /auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
                         b"9\r\nusername=\r\n5\r\nuser1\r\n0\r\n\r\n",
        "expect_continue": b"PUT /auth/signup HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                            b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
        "too_large": b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\nusername=a",
        "wrong_method": b"PATCH /challenges/ HTTP/1.0\r\n\r\n",
        "upload_no_boundary": b"PUT /challenges/1/submission/upload?submission_id=x&part_name=y HTTP/1.1\r\n"
                               b"Host: x\r\nContent-Type: multipart/form-data\r\nContent-Length: 0\r\n\r\n",
    }
    for name, data in raw.items():
        write("http_request", name, data)


# --------------------------------------------------------------------------------------------
# Multipart and form bodies
# --------------------------------------------------------------------------------------------
def multipart_seeds():
    uploads = {
        "upload": raw_request("PUT", "/u", files={"file_data": ("archive.zip", ARCHIVE, "application/zip")}),
        "upload_with_field": raw_request("PUT", "/u", data={"note": "a text field"},
                                         files={"file_data": ("part.0", PIECES[0][1], "application/octet-stream")}),
        "scores": raw_request("PUT", "/u", files={"scores": ("scores.zip", b"PK\x05\x06" + bytes(18))}),
    }
    for name, request in uploads.items():
        head, _, body = request.partition(b"\r\n\r\n")
        content_type = next(line.split(b": ", 1)[1] for line in head.split(b"\r\n")
                            if line.lower().startswith(b"content-type:"))
        write("multipart", name, content_type + b"\n" + body)
    # zips.SlowUpload's body, RFC 5987 file names, transport padding, a preamble and an epilogue.
    b = zips.SlowUpload.BOUNDARY
    write("multipart", "slow_upload",
          f"multipart/form-data; boundary={b}\n--{b}\r\nContent-Disposition: form-data; name=\"file_data\"; "
          f"filename=\"a.zip\"\r\nContent-Type: application/octet-stream\r\n\r\nPK\x03\x04data\r\n--{b}--\r\n")
    write("multipart", "ext_filename_padding",
          "Multipart/Form-Data; charset=utf-8; boundary=\"q b\"\npreamble\r\n--q b \t\r\n"
          "content-disposition: form-data; name=f; filename*=UTF-8''%C3%A9t%C3%A9.zip\r\n\r\nx\r\n--q b\r\n"
          "Content-Disposition: form-data; name=\"t\"\r\n\r\n\r\n--\r\n--q b--\r\nepilogue")


def form_seeds():
    def split(request):
        head, _, body = request.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        target = lines[0].split(b" ")[1]
        query = target.partition(b"?")[2]
        content_type = next((line.split(b": ", 1)[1] for line in lines if line.lower().startswith(b"content-type:")), b"")
        return content_type + b"\n" + query + b"\n" + body
    seeds = {
        "login": raw_request("POST", "/auth/login", data={"username": "user1", "password": "pw"}),
        "login_multipart": raw_request("POST", "/auth/login", files={"username": (None, "user1"), "password": (None, "pw")}),
        "signup": raw_request("POST", "/auth/signup", data=SIGNUP_FORM),
        "reset_json": raw_request("POST", "/auth/password/reset", json={"username": "u", "email": "u@x.org"}),
        "reset_form": raw_request("POST", "/auth/password/reset", data={"username": "u", "email": "u@x.org"}),
        "update": raw_request("POST", "/auth/password/update", params={"v": "tok"},
                              data={"password": "a b", "password_validation": "a+b", "session_code": "%41"}),
    }
    for name, request in seeds.items():
        write("form_body", name, split(request))
    write("form_body", "no_type", b"\nv=1&include_inactive=yes\nusername=%zz&&=&password")


# --------------------------------------------------------------------------------------------
# Submission create JSON and manifests
# --------------------------------------------------------------------------------------------
def create_seeds():
    single = {"filename": "archive.zip", "hash": zips.md5(ARCHIVE), "multipart": False}
    multi = {"filename": "archive.zip", "hash": zips.md5(ARCHIVE).upper(), "multipart": True,
             "index": zips.manifest(PIECES)}
    bad = {"filename": "", "hash": "xyz", "multipart": "maybe",
           "index": [{"file_name": "../x", "file_size": -1, "file_hash": 3}, "not an object",
                     {"file_name": "a", "file_hash": MD5}, {"file_name": "a", "file_size": 1, "file_hash": MD5}]}
    manifest = {"store_location": "/data/submissions/s/tmp", "merge_hash": MD5,
                "index": zips.manifest(PIECES), "received": zips.manifest(PIECES[:1]), "multipart": True,
                "hashed_parts": True, "target_location": "/data/submissions/s/input.zip"}
    # The second generation's body, as the zrc client sends it (api-v2.md P1-e).
    zrc_index = [{"filename": p["file_name"], "filesize": p["file_size"], "filehash": p["file_hash"]}
                 for p in zips.manifest(PIECES)]
    zrc_single = {"model_id": "Be26a", "benchmark_id": "sLM21", "filename": "sub-single.zip",
                  "hash": zips.md5(ARCHIVE), "has_scores": True, "multipart": False, "author_label": "Be et al.",
                  "index": None, "leaderboard": "scores/leaderboard.json"}
    zrc_multi = dict(zrc_single, multipart=True, index=zrc_index, filename="sub-multi.zip")
    zrc_bad = dict(zrc_single, multipart=True, author_label=None, leaderboard="../../etc/passwd",
                   index=[{"filename": "a/b", "filesize": 1}, {"filename": "x_1.zip", "filesize": 2, "filehash": None}])
    seeds = {"single": single, "multipart": multi, "bad_fields": bad, "manifest": manifest, "zrc_single": zrc_single,
             "zrc_multipart": zrc_multi, "zrc_bad": zrc_bad}
    for name, value in seeds.items():
        write("submission_create", name, json.dumps(value))
    write("submission_create", "not_json", "{\"filename\": ")


# --------------------------------------------------------------------------------------------
# Model create (second generation): the query on the first line, the JSON body after
# --------------------------------------------------------------------------------------------
def model_seeds():
    zrc = {"description": "probe model", "gpu_budget": "10", "train_set": "LS960", "authors": "Pro Be",
           "institution": "ENS", "team": "CoML", "author_label": "Be et al.", "paper_url": None, "code_url": None,
           "created_at": "2026-12-07T11:56:28.016824"}
    urls = dict(zrc, paper_url="https://arxiv.org/abs/1234", code_url=" http://example.org:8080/x?y#z ",
                created_at=1700000000)
    bad = dict(zrc, paper_url="ftp://x", code_url="http://", created_at="yesterday", team=None, gpu_budget=3)
    # Schemes are case-insensitive (pydantic accepts and keeps "Https://"): found by the fuzzer.
    scheme_case = dict(zrc, paper_url="Https://arxiv.org/abs/1234", code_url="HTTP://EXAMPLE.org")
    seeds = {"zrc": ("author_name=Be", zrc), "urls": ("author_name=Z%C3%A9d", urls),
             "scheme_case": ("author_name=Be", scheme_case),
             "path_trick": ("author_name=..%2Fx", zrc), "empty_author": ("author_name=", zrc), "bad": ("", bad)}
    for name, (query, body) in seeds.items():
        write("model_create", name, query + "\n" + json.dumps(body))
    write("model_create", "not_json", "author_name=Be\n{\"description\": ")


# --------------------------------------------------------------------------------------------
# Settings, index.yml, leaderboards
# --------------------------------------------------------------------------------------------
def settings_seeds():
    write("settings", "env_file_test",
          "# a comment\n\nZR_PORT=8080\n   ZR_HOST = 0.0.0.0   \nexport ZR_DEBUG=yes\n"
          "ZR_A='{\"gpu1\": \"/srv/x\"}'\nZR_B=\"two words # not a comment\"\nZR_C=value # a comment\n"
          "ZR_D=a#b\nZR_E=\"esc \\\"q\\\" \\\\ \\n\"  # trailing comment\nZR_F=\nZR_G=''\nZR_H=x=y\r\nOTHER=1")
    write("settings", "values",
          "ZR_MAX_UPLOAD_PART_BYTES=600M\nZR_UNZIP_MAX_BYTES=50G\nZR_SESSION_EXPIRY_DELAY=7d\n"
          "ZR_EVAL_TIME_LIMIT=1h30m\nZR_ORIGINS=[\"https://zerospeech.com\", \"http://localhost:1313\"]\n"
          "ZR_REMOTE_BIN={\"gpu1\": \"/srv/evaluators\"}\nZR_HOSTS=a, b ,a\nZR_QUEUE_BACKEND=RabbitMQ\n"
          "ZR_MAIL_TLS=on\nZR_MAIL_PORT=587\nZR_LOCAL_WORKERS=0\nZR_WORKER_TRANSFER=http\n")
    write("settings", "bad_value", "ZR_PORT=70000\n")
    write("settings", "bad_line", "ZR_A='open\n")


def index_seeds():
    write("evaluator_index", "entries",
          "evaluators:\n  zr2021-abx:\n    executor: python\n    script_path: /srv/evaluators/zr2021/abx_eval.py\n"
          "    base_arguments: [\"-OO\"]\n  tde:\n    executor: bash\n    script_path: tde/run.sh\n"
          "  sb:\n    executor: sbatch\n    script_path: ./x/../slurm.sh\n"
          "    base_arguments: [--partition=gpu, \"-c\", 4]\n    comment: unknown keys are ignored\n"
          "  img:\n    executor: docker\n    script_path: run\n    base_arguments: [zr/eval:1]\n")
    write("evaluator_index", "problems",
          "evaluators:\n  good:\n    executor: bash\n    script_path: ok.sh\n  no-executor:\n    script_path: a.sh\n"
          "  no-script:\n    executor: python\n  strange:\n    executor: perl\n    script_path: b.pl\n"
          "  semi:\n    executor: bash\n    script_path: c.sh\n    base_arguments: [\"a;b\"]\n  list: [1, 2]\n")
    write("evaluator_index", "anchors", "x: &a {executor: bash, script_path: s.sh}\nevaluators: {a: *a, b: *a}\n")
    write("evaluator_index", "not_yaml", "evaluators: [\n")
    write("evaluator_index", "alias_cycle", "evaluators: &a {x: *a, y: [*a]}\n")


def leaderboard_seeds():
    entries = [{"submission_id": "a", "scores": {"accuracy": 0.91, "rank_hint": 2}, "name": "x"},
               {"submission_id": "b", "scores": {"accuracy": 0.95}, "name": "y"},
               {"submission_id": "c", "scores": {"accuracy": "n/a"}, "name": None},
               {"submission_id": "d", "scores": {"accuracy": 18446744073709551615}}]
    write("leaderboard_entries", "json_entries", "-scores.accuracy, name\njson\n" + json.dumps(entries))
    write("leaderboard_entries", "json_object", "name\njson\n" + json.dumps(entries[0]))
    write("leaderboard_entries", "yaml_entries",
          "scores.accuracy\nyaml\n- submission_id: a\n  scores: {accuracy: 0.5, n: 3}\n"
          "- submission_id: '007'\n  scores: {accuracy: .5e1, n: +4}\n- {submission_id: c, ok: yes, x: ~}\n"
          "- not an object\n")
    boards = [{"label": "zr2021 lexical", "challenge_id": 1, "path_to": "leaderboards/lex.json",
               "entry_file": "lexical/entry.json", "external_entries": "external/lexical",
               "archived": False, "static_files": True, "sorting_key": "-scores.accuracy"},
              {"label": "", "challenge_id": "1", "path_to": "../x", "entry_file": "/etc/passwd"}]
    write("leaderboard_entries", "boards", "\nboard\n" + json.dumps(boards))
    write("leaderboard_entries", "bad_key", "a..b\njson\n[]")


# --------------------------------------------------------------------------------------------
# Archives: tests/e2e/zips.py's good and hostile ones (small sizes)
# --------------------------------------------------------------------------------------------
def zip_seeds():
    info = zips._info
    write("zip_extract", "good", zips._raw_entries([
        (info("meta.yaml"), b"author: test\naffiliation: here\n"),
        (info("lexical/"), b""), (info("lexical/dev.txt"), b"".join(b"line %d\n" % i for i in range(200))),
        (info("phonetic/test/a.txt"), b"x" * 500)]))
    write("zip_extract", "zip_slip", zips.zip_slip())
    write("zip_extract", "absolute_path", zips.absolute_path("/tmp/zr_fuzz_escaped"))
    write("zip_extract", "drive_letter", zips.absolute_path("C:\\escaped.txt"))
    write("zip_extract", "symlink_entry", zips.symlink_entry("/etc"))
    write("zip_extract", "fifo_entry", zips._raw_entries([(info("fifo", 0o010644), b"")]))
    write("zip_extract", "zip_bomb", zips.zip_bomb(uncompressed=8 * 1024 * 1024))
    write("zip_extract", "lying_zip_bomb", zips.lying_zip_bomb(uncompressed=2 * 1024 * 1024))
    write("zip_extract", "duplicate", zips._raw_entries([(info("a.txt"), b"1"), (info("a.txt"), b"2")]))
    write("zip_extract", "file_then_folder", zips._raw_entries([(info("a"), b"1"), (info("a/b"), b"2")]))
    stored = zips._raw_entries([(info("s.txt"), b"stored")])
    corrupt = bytearray(stored)
    corrupt[-30] ^= 0xFF
    write("zip_extract", "corrupt", bytes(corrupt))
    write("zip_extract", "empty", b"PK\x05\x06" + bytes(18))
    write("zip_extract", "not_a_zip", b"this is not a zip file\n")
    # A local header that claims a huge size, then nothing.
    write("zip_extract", "truncated", b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", 20, 0, 8, 0, 0, 0, 10**9, 10**9, 1, 0) + b"a")


def main():
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    http_seeds()
    multipart_seeds()
    form_seeds()
    create_seeds()
    model_seeds()
    settings_seeds()
    index_seeds()
    leaderboard_seeds()
    zip_seeds()
    for folder in sorted(CORPUS.iterdir()):
        print(f"{folder.name}: {len(list(folder.iterdir()))} seeds")


if __name__ == "__main__":
    main()
