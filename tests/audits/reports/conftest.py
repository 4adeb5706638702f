"""Fixtures: the hand-built finished audit of ``sample.py`` and its variants."""

import copy

import pytest

from tests.audits.reports.sample import build_inputs, build_results


@pytest.fixture
def results() -> dict:
    return build_results()


@pytest.fixture
def inputs(results) -> dict:
    return build_inputs(results)


@pytest.fixture
def inputs_without_explainability(results) -> dict:
    trimmed = copy.deepcopy(results)
    del trimmed["explainability"]
    return build_inputs(trimmed)
