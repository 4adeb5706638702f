"""The example vendor client against a small fake Attune server on 127.0.0.1."""

import hashlib
import json
import socket
import subprocess
import sys
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

from examples import vendor_submit
from examples.vendor_submit import (
    ERR_AUDIT_FAILED,
    ERR_AUDIT_TIMEOUT,
    ERR_NO_TOKEN,
    ERR_NOT_FOUND,
    ERR_UNAUTHENTICATED,
    EXIT_ACCESS,
    EXIT_FAILED,
    EXIT_INVALID,
    EXIT_TIMEOUT,
    AccessDenied,
    AuditFailed,
    AuditTimedOut,
    InputRejected,
    format_error,
    format_summary,
    main,
    submit,
)

TOKEN = "vendor-token-123"
VERSION = "6f1c0d1e-0000-4000-8000-000000000001"
CSV = b"ticket_id,customer_id,age_band,y_pred\nT-1,C-1,18-24,anger\nT-2,C-2,65+,joy\n"
FINDING = {
    "severity": "high",
    "title": "Texting customers are labelled angry more often",
    "text": "The model labels messages written in texting style as anger 1.6 times as often.",
    "clauses": ["GDPR:22", "NIST:MEASURE-2.11"],
}
PDF = b"%PDF-1.4\n% fake report\n"
POLL = ("--poll-interval", "0.01")


class FakeAttune:
    """Scripted answers to the four calls the client makes, and a record of what it sent."""

    def __init__(self):
        self.requests = []
        self.upload = None
        self.audit_request = None
        self.upload_answer = None
        self.audit_statuses = ["queued", "running", "done"]
        self.audit_error = ""
        self.throttle_first_poll = False
        self.report_answers = [(200, PDF)]
        self.polls = 0

    def batch_answer(self):
        sha = hashlib.sha256(self.upload["file"]).hexdigest()
        rows = self.upload["file"].count(b"\n") - 1
        return 201, {
            "id": "batch-1",
            "row_count": rows,
            "sha256": sha,
            "sensitive": self.upload["sensitive"].split(","),
            "features": self.upload.get("features", "").split(","),
            "labels_seen": ["anger", "joy"],
            "excluded_rows": {},
        }

    def audit_answer(self):
        status = self.audit_statuses[min(self.polls, len(self.audit_statuses) - 1)]
        self.polls += 1
        done = status == "done"
        return {
            "id": "audit-1",
            "status": status,
            "batch": "batch-1",
            "config": self.audit_request,
            "engine_version": "1.0.0",
            "input_sha256": "ab" * 32,
            "result_sha256": "cd" * 32 if done else None,
            "created_at": "2026-01-01T00:00:00Z",
            "finished_at": "2026-01-01T00:00:01Z" if status in ("done", "failed") else None,
            "error": self.audit_error if status == "failed" else "",
            "results": {"findings": [FINDING]} if done else None,
        }


def _handler(fake):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):
            return

        def _send(self, status, body, *, content_type="application/json", headers=()):
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _record(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            fake.requests.append((self.command, self.path, self.headers.get("Authorization")))
            return body

        def _authorised(self):
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._send(401, {"detail": "Invalid token."})
                return False
            return True

        def do_POST(self):
            body = self._record()
            if not self._authorised():
                return
            if self.path == f"/api/v1/versions/{VERSION}/batches/":
                message = BytesParser(policy=HTTP).parsebytes(
                    b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body
                )
                fake.upload = {
                    part.get_param("name", header="content-disposition"): (
                        part.get_payload(decode=True)
                        if part.get_filename()
                        else part.get_payload(decode=True).decode()
                    )
                    for part in message.iter_parts()
                }
                fake.upload["filename"] = next(
                    p.get_filename() for p in message.iter_parts() if p.get_filename()
                )
                status, answer = fake.upload_answer or fake.batch_answer()
                self._send(status, answer)
            elif self.path.startswith("/api/v1/versions/"):
                self._send(404, {"detail": "Not found."})
            elif self.path == "/api/v1/audits/":
                fake.audit_request = json.loads(body)
                self._send(202, {"id": "audit-1", "status": "queued"})
            else:
                self._send(404, {"detail": "Not found."})

        def do_GET(self):
            self._record()
            if not self._authorised():
                return
            if self.path == "/api/v1/audits/audit-1/":
                if fake.throttle_first_poll and fake.polls == 0:
                    fake.throttle_first_poll = False
                    self._send(429, {"detail": "Slow down."}, headers=[("Retry-After", "0")])
                    return
                self._send(200, fake.audit_answer())
            elif self.path == "/api/v1/audits/audit-1/report.pdf":
                status, body = fake.report_answers.pop(0)
                if status == 200:
                    self._send(200, body, content_type="application/pdf")
                else:
                    self._send(status, body)
            else:
                self._send(404, {"detail": "Not found."})

    return Handler


@pytest.fixture
def server():
    fake = FakeAttune()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield fake
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def preds(tmp_path):
    path = tmp_path / "preds.csv"
    path.write_bytes(CSV)
    return path


def _submit(server, preds, **overrides):
    options = {
        "base_url": server.base_url,
        "token": TOKEN,
        "version": VERSION,
        "file": preds,
        "sensitive": "age_band",
        "poll_interval": 0.01,
        "timeout": 10,
    }
    return submit(**{**options, **overrides})


def _argv(server, preds, *extra, token=TOKEN, version=VERSION):
    base = ["--base-url", server.base_url, "--version", version, "--file", str(preds)]
    return [*base, *(["--token", token] if token else []), "--sensitive", "age_band", *POLL, *extra]


def test_submit_uploads_audits_waits_and_saves_the_report(server, preds, tmp_path):
    report = tmp_path / "out" / "report.pdf"

    result = _submit(
        server,
        preds,
        sensitive=["age_band", "writing_style"],
        features="channel, message_length",
        subject_column="customer_id",
        explain=False,
        audit_options={"min_group_size": 30},
        report_out=report,
    )

    assert server.upload == {
        "sensitive": "age_band,writing_style",
        "features": "channel,message_length",
        "subject_column": "customer_id",
        "file": CSV,
        "filename": "preds.csv",
    }
    assert server.audit_request == {"min_group_size": 30, "explain": False, "batch": "batch-1"}
    assert result["batch"]["row_count"] == 2  # two data lines under the header
    assert result["batch"]["sha256"] == hashlib.sha256(CSV).hexdigest()
    assert result["batch_created"] is True
    assert result["audit"]["status"] == "done"
    assert result["audit"]["results"]["findings"] == [FINDING]
    assert result["report_path"] == str(report)
    assert report.read_bytes() == PDF
    assert {auth for _, _, auth in server.requests} == {f"Bearer {TOKEN}"}
    assert [(m, p) for m, p, _ in server.requests] == [
        ("POST", f"/api/v1/versions/{VERSION}/batches/"),
        ("POST", "/api/v1/audits/"),
        ("GET", "/api/v1/audits/audit-1/"),
        ("GET", "/api/v1/audits/audit-1/"),
        ("GET", "/api/v1/audits/audit-1/"),
        ("GET", "/api/v1/audits/audit-1/report.pdf"),
    ]


def test_polling_follows_every_status_backs_off_and_waits_out_throttling(
    server, preds, monkeypatch
):
    server.audit_statuses = ["queued", "running", "running", "running", "done"]
    server.throttle_first_poll = True
    pauses = []
    monkeypatch.setattr(
        vendor_submit, "time", SimpleNamespace(monotonic=time.monotonic, sleep=pauses.append)
    )
    lines = []

    result = _submit(server, preds, log=lines.append)

    polls = [p for m, p, _ in server.requests if m == "GET"]
    assert len(polls) == 6  # one 429, then queued, running x3, done
    # Retry-After: 0, then 0.01 growing by half each time: 0.015, 0.0225, 0.03375
    assert pauses == pytest.approx([0.0, 0.01, 0.015, 0.0225, 0.03375])
    assert result["audit"]["status"] == "done"
    assert lines == [
        "Batch batch-1: 2 rows (uploaded).",
        "Audit audit-1: queued.",
        "Audit audit-1: running.",
        "Audit audit-1: done.",
    ]


def test_the_pause_between_polls_stops_growing_at_five_seconds(server, preds, monkeypatch):
    server.audit_statuses = ["running", "running", "running", "done"]
    pauses = []
    monkeypatch.setattr(
        vendor_submit, "time", SimpleNamespace(monotonic=time.monotonic, sleep=pauses.append)
    )

    _submit(server, preds, poll_interval=4, timeout=60)

    assert pauses == [4, 5.0, 5.0]  # 4 * 1.5 = 6 is capped at 5


def test_the_cli_prints_the_batch_the_audit_the_hash_and_the_findings(server, preds, capsys):
    status = main(_argv(server, preds, "--no-explain"))

    out = capsys.readouterr().out
    assert status == 0
    assert server.audit_request == {"explain": False, "batch": "batch-1"}
    assert "Batch batch-1: 2 rows, sha256 " + hashlib.sha256(CSV).hexdigest() in out
    assert "Audit audit-1: done, engine 1.0.0" in out
    assert "Result sha256: " + "cd" * 32 in out
    assert "Findings (1):" in out
    assert "[HIGH] Texting customers are labelled angry more often" in out
    assert "texting style as anger 1.6 times as often." in out
    assert "Clauses: GDPR:22; NIST:MEASURE-2.11" in out


def test_a_rejected_file_prints_each_error_and_exits_2(server, preds, capsys):
    server.upload_answer = (
        400,
        {
            "detail": "The file has 2 invalid rows.",
            "errors": [
                {"row": 3, "column": "y_pred", "message": "Unknown label 'rage'."},
                {"row": 7, "column": "score_joy", "message": "Not a number: 'high'."},
            ],
        },
    )

    status = main(_argv(server, preds))

    err = capsys.readouterr().err
    assert status == EXIT_INVALID == 2
    assert "The server rejected the model version" in err
    assert "The file has 2 invalid rows." in err
    assert "  row 3, column y_pred: Unknown label 'rage'.\n" in err
    assert "  row 7, column score_joy: Not a number: 'high'.\n" in err
    assert server.audit_request is None


def test_submit_raises_input_rejected_with_the_errors(server, preds):
    errors = [{"row": None, "column": None, "message": "The file is empty."}]
    server.upload_answer = (400, {"detail": "Empty file.", "errors": errors})

    with pytest.raises(InputRejected) as info:
        _submit(server, preds)

    assert info.value.status == 400
    assert info.value.errors == errors


def test_a_failed_audit_prints_its_error_and_exits_1(server, preds, capsys):
    server.audit_statuses = ["running", "failed"]
    server.audit_error = "Column 'age_band' has only one group."

    status = main(_argv(server, preds))

    err = capsys.readouterr().err
    message = ERR_AUDIT_FAILED.format(
        audit="audit-1", error="Column 'age_band' has only one group."
    )
    assert status == EXIT_FAILED == 1
    assert f"Error: {message}" in err


def test_submit_raises_audit_failed(server, preds):
    server.audit_statuses = ["failed"]
    server.audit_error = "boom"

    with pytest.raises(AuditFailed, match="Audit audit-1 failed: boom"):
        _submit(server, preds)


def test_an_audit_that_never_finishes_times_out_with_exit_4(server, preds, capsys):
    server.audit_statuses = ["running"]

    with pytest.raises(AuditTimedOut) as info:
        _submit(server, preds, timeout=0.3)
    status = main([*_argv(server, preds), "--timeout", "0.3"])

    assert str(info.value) == ERR_AUDIT_TIMEOUT.format(
        audit="audit-1", timeout=0.3, status="running"
    )
    assert status == EXIT_TIMEOUT == 4


def test_a_wrong_token_exits_3(server, preds, capsys):
    status = main(_argv(server, preds, token="not-the-token"))

    assert status == EXIT_ACCESS == 3
    assert f"Error: {ERR_UNAUTHENTICATED}" in capsys.readouterr().err
    assert server.upload is None


def test_an_unknown_version_exits_3_naming_it(server, preds, capsys):
    with pytest.raises(AccessDenied) as info:
        _submit(server, preds, version="no-such-version")
    status = main(_argv(server, preds, version="other"))

    assert str(info.value) == ERR_NOT_FOUND.format(what="Model version no-such-version")
    assert info.value.status == 404
    assert status == 3
    assert "Model version other was not found (404)" in capsys.readouterr().err


def test_a_report_not_yet_rendered_is_fetched_again(server, preds, tmp_path):
    server.report_answers = [(409, {"detail": "Rendering."}), (200, PDF)]

    result = _submit(server, preds, report_out=tmp_path / "r.pdf")

    assert Path(result["report_path"]).read_bytes() == PDF
    assert [p for _, p, _ in server.requests].count("/api/v1/audits/audit-1/report.pdf") == 2


def test_the_already_uploaded_batch_is_reused(server, preds, capsys):
    server.upload_answer = (200, {"id": "batch-1", "row_count": 2, "sha256": "ef" * 32})

    result = _submit(server, preds)

    assert result["batch_created"] is False
    assert "(already uploaded; reused)" in format_summary(result)


def test_the_token_can_come_from_the_environment(server, preds, monkeypatch):
    monkeypatch.setenv("ATTUNE_TOKEN", TOKEN)

    assert main(_argv(server, preds, token=None)) == 0
    assert server.requests[0][2] == f"Bearer {TOKEN}"


def test_no_token_at_all_is_refused_before_any_request(server, preds, monkeypatch, capsys):
    monkeypatch.delenv("ATTUNE_TOKEN", raising=False)

    status = main(_argv(server, preds, token=None))

    assert status == 1
    assert f"Error: {ERR_NO_TOKEN}" in capsys.readouterr().err
    assert server.requests == []


def test_an_unreachable_server_is_a_clear_error(server, preds, capsys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server.base_url = f"http://127.0.0.1:{port}"  # bound then released: nobody listens

    status = main(_argv(server, preds))

    assert status == 1
    assert (
        f"Error: Cannot reach http://127.0.0.1:{port}/api/v1/versions/" in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("error", "text"),
    [
        ({"row": 3, "column": "y_pred", "message": "bad"}, "row 3, column y_pred: bad"),
        ({"row": None, "column": "sensitive", "message": "bad"}, "column sensitive: bad"),
        ({"row": 2, "message": "bad"}, "row 2: bad"),
        ({"row": None, "column": None, "message": "empty"}, "empty"),
    ],
)
def test_format_error(error, text):
    assert format_error(error) == text


def test_a_drf_field_map_is_turned_into_errors(server, preds):
    server.upload_answer = (400, {"sensitive": ["Unknown column 'agee'."]})

    with pytest.raises(InputRejected) as info:
        _submit(server, preds)

    assert info.value.errors == [
        {"row": None, "column": "sensitive", "message": "Unknown column 'agee'."}
    ]


def test_the_script_runs_on_its_own_with_only_requests(server, preds, tmp_path):
    script = Path(vendor_submit.__file__)

    completed = subprocess.run(
        [sys.executable, str(script), *_argv(server, preds)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )

    assert completed.returncode == 0, completed.stderr
    assert "Findings (1):" in completed.stdout


def test_the_examples_import_no_django():
    code = (
        "import sys; import examples.demo_model, examples.vendor_submit; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )

    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=Path(vendor_submit.__file__).parent.parent,
    )

    assert completed.stdout.strip() == "[]"
