"""Where batch files live: server-generated paths under ATTUNE_DATA_DIR, never user file names."""

import hashlib
import uuid
from pathlib import Path

from django.conf import settings

BLOCK = 1024 * 1024


def data_dir() -> Path:
    path = Path(settings.ATTUNE_DATA_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_batch_path(*, organization_id, batch_id: uuid.UUID) -> str:
    """A relative path for a new normalised batch file; its folder is created."""
    relative = Path("batches") / str(organization_id) / f"{batch_id}.parquet"
    (data_dir() / relative).parent.mkdir(parents=True, exist_ok=True)
    return str(relative)


def absolute(relative: str) -> Path:
    return data_dir() / relative


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()
