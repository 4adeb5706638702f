"""Submit a model's predictions to Attune and wait for the bias audit, as a vendor does.

Uses only `requests` and the standard library, and only the pinned API v1 (DESIGN.md s. 5):

1. `POST /api/v1/versions/{version}/batches/` uploads the predictions file (multipart `file`,
   `sensitive`, optional `features` and `subject_column`); 201 for a new batch, 200 when the
   same file was already uploaded for this version;
2. `POST /api/v1/audits/` starts an audit of the batch; 202 `{id, status}`;
3. `GET /api/v1/audits/{id}/` is polled, with a growing pause, until the status is `done` or
   `failed` or the overall timeout passes;
4. with `--report-out`, `GET /api/v1/audits/{id}/report.pdf` is saved to that path.

    python examples/vendor_submit.py --base-url http://127.0.0.1:8000 --token TOKEN \\
        --version VERSION_ID --file preds.csv --sensitive age_band,writing_style \\
        --features channel,message_length,exclamations,caps_ratio,hour_of_day \\
        --subject-column customer_id --report-out report.pdf

The token may come from the environment variable ATTUNE_TOKEN instead of `--token`.
Exit status: 0 audit done; 1 audit failed, server error or unreachable; 2 the server rejected
the input (400; each error is printed as "row R, column C: message"); 3 the token was refused
or the version, batch or audit is not this vendor's (401, 403, 404); 4 the audit did not
finish within `--timeout`.

From Python, `submit(...)` does the same and returns the batch, the finished audit and the
report path; it raises `SubmitError` subclasses carrying the same exit codes.
"""

import argparse
import os
import sys
import textwrap
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NoReturn

import requests

API_PREFIX = "/api/v1"
TOKEN_ENV = "ATTUNE_TOKEN"
TERMINAL_STATUSES = frozenset({"done", "failed"})

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_ACCESS = 3
EXIT_TIMEOUT = 4

DEFAULT_TIMEOUT = 300.0
DEFAULT_POLL_INTERVAL = 0.5
MAX_POLL_INTERVAL = 5.0
POLL_BACKOFF = 1.5
HTTP_TIMEOUT = 60.0
PDF_MAGIC = b"%PDF"
# Statuses at which the PDF may simply not be rendered yet (it is rendered after commit);
# a 404 is trusted as "not rendered yet" only for REPORT_404_GRACE seconds.
REPORT_NOT_READY = frozenset({202, 404, 409, 429, 503})
REPORT_404_GRACE = 10.0

ERR_NO_TOKEN = f"No API token: pass --token or set {TOKEN_ENV}."
ERR_NO_SENSITIVE = "At least one sensitive column is needed (--sensitive a,b)."
ERR_FILE_MISSING = "Predictions file {path} does not exist."
ERR_BAD_TIMEOUT = "The timeout must be a positive number of seconds, got {timeout!r}."
ERR_UNREACHABLE = "Cannot reach {url}: {reason}"
ERR_UNAUTHENTICATED = (
    "The server refused the token (401): check that it is complete, not revoked and not expired."
)
ERR_FORBIDDEN = "This token may not {action} (403): {detail}"
ERR_NOT_FOUND = "{what} was not found (404): it does not exist or is not this vendor's to use."
ERR_REJECTED = "The server rejected the {what} (400): {detail}"
ERR_UNEXPECTED = "Unexpected answer {status} to {method} {path}: {detail}"
ERR_NOT_JSON = "The answer to {method} {path} ({status}) is not JSON: {start!r}"
ERR_MISSING_FIELD = "The answer to {method} {path} has no {field!r} field."
ERR_AUDIT_FAILED = "Audit {audit} failed: {error}"
ERR_AUDIT_TIMEOUT = "Audit {audit} did not finish within {timeout:g} s (last status: {status})."
ERR_REPORT_TIMEOUT = "The report of audit {audit} was not ready within {timeout:g} s."
ERR_REPORT_NOT_PDF = "The report of audit {audit} is not a PDF (it starts with {start!r})."


class SubmitError(Exception):
    """A submission that could not complete; `exit_code` is the CLI's exit status."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, *, status: int | None = None, errors: Sequence = ()):
        super().__init__(message)
        self.message = message
        self.status = status
        self.errors = list(errors)


class InputRejected(SubmitError):
    """400: the file or the audit request was invalid; `errors` holds `{row, column, message}`."""

    exit_code = EXIT_INVALID


class AccessDenied(SubmitError):
    """401, 403 or 404: wrong token, wrong role, or an object that is not this vendor's."""

    exit_code = EXIT_ACCESS


class AuditFailed(SubmitError):
    """The audit ran and ended in `failed`."""


class AuditTimedOut(SubmitError):
    """The audit (or its report) was not ready within the overall timeout."""

    exit_code = EXIT_TIMEOUT


def _split(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item.strip()]


def _json(response: requests.Response, method: str, path: str) -> dict:
    try:
        body = response.json()
    except ValueError:
        start = response.text[:80]
        raise SubmitError(
            ERR_NOT_JSON.format(method=method, path=path, status=response.status_code, start=start),
            status=response.status_code,
        ) from None
    return body if isinstance(body, dict) else {"detail": body}


def _field(body: Mapping, field: str, method: str, path: str) -> object:
    if field not in body:
        raise SubmitError(ERR_MISSING_FIELD.format(method=method, path=path, field=field))
    return body[field]


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason or "no detail"
    if isinstance(body, dict) and "detail" in body:
        return str(body["detail"])
    return str(body)[:200]


def _errors(body: Mapping) -> list[dict]:
    """The `errors` of a 400, or DRF's `{field: [message, ...]}` map turned into that shape."""
    errors = body.get("errors")
    if isinstance(errors, list):
        return [e if isinstance(e, dict) else {"message": str(e)} for e in errors]
    out = []
    for field, messages in body.items():
        if field == "detail":
            continue
        for message in messages if isinstance(messages, list) else [messages]:
            out.append({"row": None, "column": field, "message": str(message)})
    return out


def format_error(error: Mapping) -> str:
    """One `errors[]` entry as "row R, column C: message" (parts that are absent are left out)."""
    where = []
    if error.get("row") is not None:
        where.append(f"row {error['row']}")
    if error.get("column") not in (None, ""):
        where.append(f"column {error['column']}")
    message = str(error.get("message", error))
    return f"{', '.join(where)}: {message}" if where else message


def _raise_for(
    response: requests.Response, *, method: str, path: str, action: str, what: str
) -> NoReturn:
    """Turn a non-2xx answer into the matching SubmitError."""
    status = response.status_code
    if status == 400:
        body = _json(response, method, path)
        errors = _errors(body)
        detail = str(body.get("detail") or f"{len(errors)} error(s)")
        raise InputRejected(
            ERR_REJECTED.format(what=what, detail=detail), status=status, errors=errors
        )
    if status == 401:
        raise AccessDenied(ERR_UNAUTHENTICATED, status=status)
    if status == 403:
        raise AccessDenied(
            ERR_FORBIDDEN.format(action=action, detail=_detail(response)), status=status
        )
    if status == 404:
        raise AccessDenied(ERR_NOT_FOUND.format(what=what[0].upper() + what[1:]), status=status)
    raise SubmitError(
        ERR_UNEXPECTED.format(status=status, method=method, path=path, detail=_detail(response)),
        status=status,
    )


class _Client:
    """The few API calls a vendor makes, with the token and base URL applied."""

    def __init__(self, *, base_url: str, token: str, session: requests.Session | None):
        self.base_url = base_url.rstrip("/")
        self.owns_session = session is None
        self.session = session if session is not None else requests.Session()
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def request(
        self, method: str, path: str, *, accept: str | None = None, **kwargs
    ) -> requests.Response:
        url = self.base_url + API_PREFIX + path
        headers = {**self.headers, "Accept": accept} if accept else self.headers
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        kwargs["headers"] = headers
        try:
            return self.session.request(method, url, **kwargs)
        except requests.ConnectionError as exc:
            raise SubmitError(ERR_UNREACHABLE.format(url=url, reason=exc)) from exc
        except requests.Timeout as exc:
            raise SubmitError(ERR_UNREACHABLE.format(url=url, reason=exc)) from exc

    def close(self) -> None:
        if self.owns_session:
            self.session.close()


def _retry_after(response: requests.Response, default: float) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", default)))
    except ValueError:
        return default


def submit(
    *,
    base_url: str,
    token: str,
    version: str,
    file: str | Path,
    sensitive: str | Sequence[str],
    features: str | Sequence[str] | None = None,
    subject_column: str | None = None,
    explain: bool = True,
    audit_options: Mapping[str, object] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    report_out: str | Path | None = None,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    session: requests.Session | None = None,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Upload `file` for model version `version`, audit it, wait, optionally save the PDF.

    Returns `{"batch": <batch JSON>, "batch_created": bool, "audit": <finished audit JSON>,
    "report_path": str | None}`. `audit_options` adds pinned audit settings
    (`min_group_size`, `bootstrap`, `seed`...) to the request. `timeout` bounds the whole wait
    for the audit and the report; polling starts every `poll_interval` seconds and slows by
    half each time up to 5 s. Raises InputRejected (400), AccessDenied (401/403/404),
    AuditFailed, AuditTimedOut or SubmitError (anything else), each with its `exit_code`.
    """
    say = log or (lambda _line: None)
    if not token:
        raise SubmitError(ERR_NO_TOKEN)
    sensitive_columns = _split(sensitive)
    if not sensitive_columns:
        raise SubmitError(ERR_NO_SENSITIVE)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise SubmitError(ERR_BAD_TIMEOUT.format(timeout=timeout))
    path = Path(file)
    if not path.is_file():
        raise SubmitError(ERR_FILE_MISSING.format(path=path))
    data = {"sensitive": ",".join(sensitive_columns)}
    feature_columns = _split(features)
    if feature_columns:
        data["features"] = ",".join(feature_columns)
    if subject_column:
        data["subject_column"] = subject_column
    payload = {**(audit_options or {}), "explain": explain}

    deadline = time.monotonic() + timeout
    client = _Client(base_url=base_url, token=token, session=session)
    try:
        batch, batch_created = _upload_batch(client, version=version, path=path, data=data)
        say(
            f"Batch {batch['id']}: {batch.get('row_count')} rows "
            f"({'uploaded' if batch_created else 'already uploaded, reused'})."
        )
        audit = _start_audit(client, payload={**payload, "batch": batch["id"]})
        audit_id = audit["id"]
        say(f"Audit {audit_id}: {audit.get('status')}.")
        audit = _wait(
            client,
            audit=audit,
            deadline=deadline,
            timeout=timeout,
            poll_interval=poll_interval,
            say=say,
        )
        if audit.get("status") == "failed":
            error = audit.get("error") or "no error given"
            raise AuditFailed(ERR_AUDIT_FAILED.format(audit=audit_id, error=error))
        report_path = None
        if report_out is not None:
            report_path = _download_report(
                client,
                audit_id=audit_id,
                target=Path(report_out),
                deadline=deadline,
                timeout=timeout,
                poll_interval=poll_interval,
            )
            say(f"Report saved to {report_path}.")
    finally:
        client.close()
    return {
        "batch": batch,
        "batch_created": batch_created,
        "audit": audit,
        "report_path": str(report_path) if report_path is not None else None,
    }


def _upload_batch(
    client: _Client, *, version: str, path: Path, data: Mapping[str, str]
) -> tuple[dict, bool]:
    """POST the file; returns the batch and whether it is new (201) rather than reused (200)."""
    upload_path = f"/versions/{version}/batches/"
    with path.open("rb") as handle:
        response = client.request(
            "POST", upload_path, data=dict(data), files={"file": (path.name, handle)}
        )
    if response.status_code not in (200, 201):
        _raise_for(
            response,
            method="POST",
            path=upload_path,
            action="upload batches for this model version",
            what=f"model version {version}",
        )
    batch = _json(response, "POST", upload_path)
    _field(batch, "id", "POST", upload_path)
    return batch, response.status_code == 201


def _start_audit(client: _Client, *, payload: Mapping[str, object]) -> dict:
    """POST the audit request; returns `{id, status}`."""
    response = client.request("POST", "/audits/", json=dict(payload))
    if response.status_code not in (200, 201, 202):
        _raise_for(
            response,
            method="POST",
            path="/audits/",
            action="start audits of this batch",
            what=f"batch {payload['batch']}",
        )
    audit = _json(response, "POST", "/audits/")
    _field(audit, "id", "POST", "/audits/")
    return audit


def _wait(
    client: _Client,
    *,
    audit: dict,
    deadline: float,
    timeout: float,
    poll_interval: float,
    say: Callable[[str], None],
) -> dict:
    """Poll the audit until it is done or failed; the pause grows by POLL_BACKOFF up to 5 s."""
    audit_id = audit["id"]
    path = f"/audits/{audit_id}/"
    pause = poll_interval
    status = audit.get("status")
    while True:
        response = client.request("GET", path)
        if response.status_code == 429:
            wait = _retry_after(response, pause)
        elif response.status_code != 200:
            _raise_for(
                response,
                method="GET",
                path=path,
                action="read this audit",
                what=f"audit {audit_id}",
            )
        else:
            audit = _json(response, "GET", path)
            if audit.get("status") != status:
                status = audit.get("status")
                say(f"Audit {audit_id}: {status}.")
            if status in TERMINAL_STATUSES:
                return audit
            wait = pause
            pause = min(pause * POLL_BACKOFF, MAX_POLL_INTERVAL)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AuditTimedOut(
                ERR_AUDIT_TIMEOUT.format(audit=audit_id, timeout=timeout, status=status)
            )
        time.sleep(min(wait, remaining))


def _download_report(
    client: _Client,
    *,
    audit_id: object,
    target: Path,
    deadline: float,
    timeout: float,
    poll_interval: float,
) -> Path:
    """Save the audit's PDF to `target`, waiting (within the deadline) if it is not rendered."""
    path = f"/audits/{audit_id}/report.pdf"
    pause = poll_interval
    not_found_until = time.monotonic() + REPORT_404_GRACE
    while True:
        response = client.request("GET", path, accept="application/pdf")
        if response.status_code == 200:
            content = response.content
            if not content.startswith(PDF_MAGIC):
                raise SubmitError(ERR_REPORT_NOT_PDF.format(audit=audit_id, start=content[:16]))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            return target
        now = time.monotonic()
        gone = response.status_code == 404 and now >= not_found_until
        if response.status_code not in REPORT_NOT_READY or gone:
            _raise_for(
                response,
                method="GET",
                path=path,
                action="download this report",
                what=f"the report of audit {audit_id}",
            )
        remaining = deadline - now
        if remaining <= 0:
            raise AuditTimedOut(ERR_REPORT_TIMEOUT.format(audit=audit_id, timeout=timeout))
        time.sleep(min(_retry_after(response, pause), remaining))
        pause = min(pause * POLL_BACKOFF, MAX_POLL_INTERVAL)


def format_summary(result: Mapping) -> str:
    """A readable account of a finished submission: batch, audit, result hash, findings."""
    batch = result["batch"]
    audit = result["audit"]
    results = audit.get("results") or {}
    findings = results.get("findings") or []
    lines = [
        f"Batch {batch.get('id')}: {batch.get('row_count')} rows, sha256 {batch.get('sha256')}"
        + ("" if result.get("batch_created", True) else " (already uploaded; reused)"),
        f"Audit {audit.get('id')}: {audit.get('status')}, engine {audit.get('engine_version')}",
        f"Result sha256: {audit.get('result_sha256')}",
        f"Findings ({len(findings)}):" if findings else "Findings: none.",
    ]
    for finding in findings:
        severity = str(finding.get("severity", "")).upper()
        lines.append(f"  [{severity}] {finding.get('title', '')}")
        lines.extend(
            textwrap.wrap(
                str(finding.get("text", "")),
                width=96,
                initial_indent="      ",
                subsequent_indent="      ",
            )
        )
        clauses = finding.get("clauses") or []
        if clauses:
            lines.append("      Clauses: " + "; ".join(str(c) for c in clauses))
    if result.get("report_path"):
        lines.append(f"Report: {result['report_path']}")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vendor_submit.py",
        description="Upload model predictions to Attune, run a bias audit and print the findings.",
        epilog=(
            "Exit status: 0 done, 1 audit failed or server error, 2 input rejected (400), "
            "3 token refused or not found (401/403/404), 4 timed out."
        ),
    )
    parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="Attune server")
    parser.add_argument("--token", help=f"vendor API token (default: ${TOKEN_ENV})")
    parser.add_argument("--version", required=True, help="model version id")
    parser.add_argument("--file", required=True, type=Path, help="CSV, Parquet or JSON Lines")
    parser.add_argument("--sensitive", required=True, help="comma-separated sensitive columns")
    parser.add_argument("--features", help="comma-separated feature columns (default: the rest)")
    parser.add_argument("--subject-column", help="column naming the person (pseudonymised)")
    parser.add_argument(
        "--explain",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="compute explanations (surrogate, SHAP importance, proxies); default on",
    )
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="overall seconds to wait"
    )
    parser.add_argument("--report-out", type=Path, help="save the PDF report to this path")
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=DEFAULT_POLL_INTERVAL,
        help=f"first pause between status checks, growing to {MAX_POLL_INTERVAL:g} s",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    token = args.token or os.environ.get(TOKEN_ENV, "")
    try:
        result = submit(
            base_url=args.base_url,
            token=token,
            version=args.version,
            file=args.file,
            sensitive=args.sensitive,
            features=args.features,
            subject_column=args.subject_column,
            explain=args.explain,
            timeout=args.timeout,
            report_out=args.report_out,
            poll_interval=args.poll_interval,
            log=print,
        )
    except SubmitError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        for error in exc.errors:
            print(f"  {format_error(error)}", file=sys.stderr)
        return exc.exit_code
    print(format_summary(result))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
