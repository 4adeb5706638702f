"""Small prediction files for API tests, built row by row so each value is visible."""

import io

from rest_framework.test import APIClient

HEADER = "y_pred,y_true,score_anger,age_band,channel,customer_id"


def csv_bytes(rows: list[str], header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def balanced_rows(n_per_group: int = 40) -> list[str]:
    """Two age bands; 18-24 is labelled anger twice as often as 65+ (a clear disparity)."""
    rows = []
    for i in range(n_per_group):
        young_pred = "anger" if i % 2 == 0 else "joy"  # 50% anger
        old_pred = "anger" if i % 4 == 0 else "joy"  # 25% anger
        rows.append(f"{young_pred},anger,0.{i % 10},18-24,chat,C-{i:04d}")
        rows.append(f"{old_pred},joy,0.{(i + 3) % 10},65+,email,C-{1000 + i:04d}")
    return rows


def upload(client: APIClient, version, content: bytes, *, name="preds.csv", **fields):
    data = {"file": io.BytesIO(content), "sensitive": "age_band", **fields}
    data["file"].name = name
    return client.post(f"/api/v1/versions/{version.pk}/batches/", data, format="multipart")
