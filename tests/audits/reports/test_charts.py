import re

import pytest

from audits.reports.charts import (
    ERR_NO_PANELS,
    ERR_UNEQUAL_GROUPS,
    MAX_GROUPS_PER_FIGURE,
    MAX_PANELS_PER_FIGURE,
    render_attribute_charts,
    short_name,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def panel(label: str, groups: list[str], *, attribute: str = "dialect") -> dict:
    rows = [
        {
            "group": group,
            "n": 100,
            "suppressed": index == 0,
            "value": None if index == 0 else index / (2 * len(groups)),
            "ci_low": None if index == 0 else index / (4 * len(groups)),
            "ci_high": None if index == 0 else index / len(groups),
            "below_line": index == 1,
        }
        for index, group in enumerate(groups)
    ]
    return {
        "attribute": attribute,
        "label": label,
        "label_text": label,
        "threshold": 0.8,
        "line": 0.8 * max(row["value"] for row in rows if row["value"] is not None),
        "groups": rows,
    }


def test_one_figure_per_attribute_as_png():
    images = render_attribute_charts(
        panels=[panel("anger", ["a", "b", "c"]), panel("flagged", ["a", "b", "c"])],
        width_inches=6.7,
        interval_text="95% Wilson interval",
    )

    assert len(images) == 1
    assert images[0].png.startswith(PNG_SIGNATURE)
    assert images[0].groups_shown == (1, 3)


def test_many_groups_and_labels_split_into_figures_that_fit_a_page():
    groups = [f"group {i}" for i in range(MAX_GROUPS_PER_FIGURE + 5)]
    panels = [panel(f"label {i}", groups) for i in range(MAX_PANELS_PER_FIGURE + 1)]

    images = render_attribute_charts(panels=panels, width_inches=6.7, interval_text="interval")

    # 4 labels -> 2 rows of panels (3 + 1); 30 groups -> 2 chunks (25 + 5)
    assert len(images) == 4
    assert [image.groups_shown for image in images] == [(1, 25), (26, 30), (1, 25), (26, 30)]
    assert all(image.height_inches < 11 for image in images)  # fits an A4 frame


def test_dollar_signs_and_missing_glyphs_in_group_names_do_not_break_the_chart():
    groups = ["$x$", "cost $5 and $", "中文", "\\frac{a}"]

    images = render_attribute_charts(
        panels=[panel("anger", groups)], width_inches=6.7, interval_text="interval"
    )

    assert images[0].png.startswith(PNG_SIGNATURE)


def test_same_input_same_png():
    panels = [panel("anger", ["a", "b", "c"])]

    first = render_attribute_charts(panels=panels, width_inches=6.7, interval_text="i")
    second = render_attribute_charts(panels=panels, width_inches=6.7, interval_text="i")

    assert first[0].png == second[0].png


def test_panels_must_share_their_groups():
    message = ERR_UNEQUAL_GROUPS.format(attribute="dialect")

    with pytest.raises(ValueError, match=re.escape(message)) as error:
        render_attribute_charts(
            panels=[panel("anger", ["a", "b"]), panel("joy", ["b", "a"])],
            width_inches=6.7,
            interval_text="i",
        )

    assert str(error.value) == message


def test_no_panels_is_an_error():
    with pytest.raises(ValueError, match=re.escape(ERR_NO_PANELS)) as error:
        render_attribute_charts(panels=[], width_inches=6.7, interval_text="i")

    assert str(error.value) == ERR_NO_PANELS


def test_short_name():
    assert short_name("scots") == "scots"
    assert short_name("x" * 40, limit=10) == "x" * 9 + "\u2026"
