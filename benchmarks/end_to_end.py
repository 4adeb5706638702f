"""Upload-to-finished-audit through the real HTTP API (DESIGN.md section 7).

Starts a local server (SQLite in a temporary folder, in-process tasks), registers a vendor's
system and model version through the API, then for each batch: uploads it as Parquet and as CSV
(3 sensitive attributes, 6 labels, ground truth, 5 feature columns), runs the audit without and
with explanations, and prints upload seconds, audit seconds and the server's peak memory. The
reference figure is pandas reading the same file to integer codes, measured in the same run.

With `--celery`, it also starts Redis-backed Celery workers (1, then 2) and times a 5,000,000-row
batch counted in 500,000-row chunks, reporting the speed-up of two workers over one and checking
that every run gives the same result hash.

    .venv/bin/python benchmarks/end_to_end.py                 # 1,000,000 rows
    .venv/bin/python benchmarks/end_to_end.py --rows 10000000 # the 10M targets
    .venv/bin/python benchmarks/end_to_end.py --celery        # Redis + workers, 5M rows
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import requests

ROOT = Path(__file__).resolve().parent.parent
LABELS = ["anger", "sadness", "joy", "neutral", "fear", "surprise"]
SENSITIVE = {
    "gender": ["female", "male", "nonbinary"],
    "age_band": ["18-24", "25-34", "35-49", "50-64", "65+"],
    "dialect": ["standard", "scots", "welsh", "irish", "aave", "indian"],
}
FEATURES = ["channel", "message_length", "exclamations", "caps_ratio", "hour_of_day"]


def generate(n: int, seed: int = 0) -> pa.Table:
    """A batch with planted disparities: anger is predicted more often for two dialects."""
    rng = np.random.default_rng(seed)
    codes = {name: rng.integers(0, len(values), n) for name, values in SENSITIVE.items()}
    y_true = rng.integers(0, len(LABELS), n)
    bias = (codes["dialect"] >= 4) & (rng.random(n) < 0.15)
    y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, len(LABELS), n))
    y_pred = np.where(bias, 0, y_pred)
    columns = {
        "y_pred": pa.DictionaryArray.from_arrays(
            pa.array(y_pred.astype(np.int32)), pa.array(LABELS)
        ),
        "y_true": pa.DictionaryArray.from_arrays(
            pa.array(y_true.astype(np.int32)), pa.array(LABELS)
        ),
    }
    for name, values in SENSITIVE.items():
        columns[name] = pa.DictionaryArray.from_arrays(
            pa.array(codes[name].astype(np.int32)), pa.array(values)
        )
    channel = np.where(codes["age_band"] <= 1, rng.random(n) < 0.7, rng.random(n) < 0.2)
    columns["channel"] = pa.DictionaryArray.from_arrays(
        pa.array(channel.astype(np.int32)), pa.array(["email", "chat"])
    )
    columns["message_length"] = pa.array(rng.integers(5, 400, n).astype(np.int64))
    columns["exclamations"] = pa.array((rng.poisson(0.6, n) + (y_pred == 0)).astype(np.int64))
    columns["caps_ratio"] = pa.array(np.round(rng.random(n) * 0.3, 3))
    columns["hour_of_day"] = pa.array(rng.integers(0, 24, n).astype(np.int64))
    return pa.table(columns)


def write_files(table: pa.Table, folder: Path) -> dict[str, Path]:
    parquet = folder / "batch.parquet"
    pq.write_table(table, parquet)
    csv = folder / "batch.csv"
    table.to_pandas().to_csv(csv, index=False)
    return {"parquet": parquet, "csv": csv}


def pandas_reference(paths: dict[str, Path]) -> dict[str, float]:
    """pandas reading each file to integer codes: the floor the upload path is compared with."""
    out = {}
    started = time.perf_counter()
    frame = pd.read_parquet(paths["parquet"], columns=["y_pred", "y_true", *SENSITIVE])
    _ = [frame[c].cat.codes.to_numpy() for c in frame.columns]
    out["parquet"] = time.perf_counter() - started
    started = time.perf_counter()
    dtypes = dict.fromkeys(["y_pred", "y_true", *SENSITIVE], "category")
    frame = pd.read_csv(paths["csv"], usecols=list(dtypes), dtype=dtypes, engine="pyarrow")
    _ = [frame[c].cat.codes.to_numpy() for c in frame.columns]
    out["csv"] = time.perf_counter() - started
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_memory_mb(pid: int) -> float:
    """VmHWM: the resident-set high-water mark of a process (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Server:
    """`manage.py runserver` on a fresh SQLite database in `folder`."""

    def __init__(self, folder: Path, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "DJANGO_DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
            "ATTUNE_DATA_DIR": str(folder / "data"),
            "DJANGO_LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
        self.manage([sys.executable, "manage.py", "migrate", "-v0"])
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                requests.get(self.url + "/", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)

    def manage(self, command: list[str]) -> str:
        return subprocess.run(
            command, cwd=ROOT, env=self.env, check=True, capture_output=True, text=True
        ).stdout.strip()

    def stop(self) -> float:
        peak = peak_memory_mb(self.process.pid)
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=30)
        return peak


def setup_vendor(server: Server) -> tuple[str, str]:
    """Owner and vendor as a real deployment would create them; returns (vendor token, version)."""
    owner = server.manage(
        [
            sys.executable,
            "manage.py",
            "create_organization",
            "Bench Shop",
            "--owner-email",
            "o@b.example",
        ]
    )
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {owner}"
    vendor = api.post(f"{server.url}/api/v1/vendors/", json={"name": "Bench Vendor"}).json()
    token = api.post(f"{server.url}/api/v1/vendors/{vendor['id']}/tokens/", json={}).json()["token"]
    system = api.post(
        f"{server.url}/api/v1/systems/",
        json={
            "name": "Ticket emotions",
            "purpose": "Benchmark",
            "vendor": vendor["id"],
            "modality": "text",
            "subjects": "customers",
            "context": "customer_service",
        },
    ).json()
    version = api.post(
        f"{server.url}/api/v1/systems/{system['id']}/versions/",
        json={"version": "1.0", "labels": LABELS, "flagged_labels": ["anger", "fear"]},
    ).json()
    return token, version["id"]


def submit(server: Server, token: str, version: str, path: Path, *, explain: bool) -> dict:
    """Upload then audit; in-process tasks finish the audit inside the POST."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    with path.open("rb") as handle:
        response = session.post(
            f"{server.url}/api/v1/versions/{version}/batches/",
            files={"file": (path.name, handle)},
            data={"sensitive": ",".join(SENSITIVE), "features": ",".join(FEATURES)},
        )
    response.raise_for_status()
    uploaded = time.perf_counter()
    batch = response.json()
    run = session.post(
        f"{server.url}/api/v1/audits/", json={"batch": batch["id"], "explain": explain}
    )
    run.raise_for_status()
    run_id = run.json()["id"]
    while True:
        body = session.get(f"{server.url}/api/v1/audits/{run_id}/").json()
        if body["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    finished = time.perf_counter()
    if body["status"] != "done":
        raise SystemExit(f"audit failed: {body['error']}")
    return {
        "upload": uploaded - started,
        "audit": finished - uploaded,
        "total": finished - started,
        "result_sha256": body["result_sha256"],
        "timings": body["timings"],
        "batch": batch["id"],
    }


def run_api(rows: int) -> None:
    with tempfile.TemporaryDirectory(prefix="attune-e2e-") as tmp:
        folder = Path(tmp)
        print(f"generating {rows:,} rows ...", flush=True)
        paths = write_files(generate(rows), folder)
        reference = pandas_reference(paths)
        server = Server(folder)
        try:
            token, version = setup_vendor(server)
            # A running server has its libraries loaded: warm it with a small batch first.
            warm = folder / "warm.parquet"
            pq.write_table(generate(5_000, seed=1), warm)
            submit(server, token, version, warm, explain=True)
            results = {}
            for fmt in ("parquet", "csv"):
                results[fmt] = submit(server, token, version, paths[fmt], explain=False)
            explained = submit(server, token, version, paths["parquet"], explain=True)
        finally:
            peak = server.stop()
        targets = {
            1_000_000: {"parquet": 1.0, "csv": 2.0},
            10_000_000: {"parquet": 5.0, "csv": 10.0},
        }
        target = targets.get(rows, {})
        print(f"\n== {rows:,} rows through the HTTP API (SQLite, in-process tasks)")
        print(
            f"{'format':8} {'upload s':>9} {'audit s':>8} {'total s':>8} {'target s':>9} {'pandas->codes s':>16}"
        )
        for fmt, figures in results.items():
            print(
                f"{fmt:8} {figures['upload']:9.2f} {figures['audit']:8.2f} {figures['total']:8.2f} "
                f"{target.get(fmt, float('nan')):9.1f} {reference[fmt]:16.3f}"
            )
        print(
            f"parquet with explanations: total {explained['total']:.2f} s "
            f"(explain step {explained['timings'].get('explain', 0):.2f} s; target 6 s at 1M rows)"
        )
        print(f"server peak memory: {peak:.0f} MB (target < 2,500 MB at 10M rows)")
        same = results["parquet"]["result_sha256"] == results["csv"]["result_sha256"]
        print(f"Parquet and CSV give the same result hash: {same}")
        print("server-side timings of the Parquet audit:", results["parquet"]["timings"])


def run_celery(rows: int, broker: str) -> None:
    with tempfile.TemporaryDirectory(prefix="attune-e2e-celery-") as tmp:
        folder = Path(tmp)
        print(f"generating {rows:,} rows ...", flush=True)
        path = folder / "batch.parquet"
        pq.write_table(generate(rows), path)
        env = {
            "CELERY_BROKER_URL": broker,
            "CELERY_RESULT_BACKEND": broker,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "ATTUNE_CHUNK_ROWS": "500000",
        }
        import redis

        redis.Redis.from_url(broker).flushdb()
        server = Server(folder, env)
        token, version = setup_vendor(server)
        figures = {}
        try:
            for workers in (1, 2):
                processes = [
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "celery",
                            "-A",
                            "config",
                            "worker",
                            "--pool=solo",
                            "--without-gossip",
                            "--without-mingle",
                            "--loglevel=WARNING",
                            f"--hostname=bench{workers}-{i}@local",
                        ],
                        cwd=ROOT,
                        env=server.env,
                    )
                    for i in range(workers)
                ]
                time.sleep(4)
                try:
                    figures[workers] = submit(server, token, version, path, explain=False)
                finally:
                    for process in processes:
                        process.send_signal(signal.SIGTERM)
                    for process in processes:
                        process.wait(timeout=60)
        finally:
            server.stop()
        print(f"\n== {rows:,} rows, Celery on Redis, 500,000-row chunks")
        for workers, result in figures.items():
            print(
                f"{workers} worker(s): audit {result['audit']:.2f} s (upload {result['upload']:.2f} s)"
            )
        print(f"speed-up of 2 workers over 1: {figures[1]['audit'] / figures[2]['audit']:.2f}x")
        print(
            "identical result hash:",
            figures[1]["result_sha256"] == figures[2]["result_sha256"],
            figures[1]["result_sha256"],
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--celery", action="store_true", help="Redis + Celery workers, 5M rows")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    if args.celery:
        run_celery(5_000_000 if args.rows == 1_000_000 else args.rows, args.broker)
    else:
        run_api(args.rows)


if __name__ == "__main__":
    main()
