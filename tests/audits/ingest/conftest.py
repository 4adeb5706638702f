import pathlib

import pytest

from tests.audits.ingest.helpers import Uploader


@pytest.fixture
def uploader(tmp_path: pathlib.Path) -> Uploader:
    return Uploader(tmp_path)
