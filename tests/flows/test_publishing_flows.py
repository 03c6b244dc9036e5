"""The publishing flows refuse a nonsense batch size before running, with the parameter named."""

from __future__ import annotations

import pytest
from prefect.exceptions import ParameterTypeError

from flows.collect_post_metrics import collect_post_metrics
from flows.publish_due_posts import publish_due_posts


@pytest.mark.parametrize("flow", [publish_due_posts, collect_post_metrics])
def test_a_limit_below_one_is_refused_and_the_form_shows_the_bounds(flow) -> None:
    with pytest.raises(ParameterTypeError, match="limit"):
        flow.validate_parameters({"limit": 0})
    assert flow.validate_parameters({"limit": 5}) == {"limit": 5}
    schema = flow.parameters.model_dump()["properties"]["limit"]
    assert schema["minimum"] == 1 and schema["maximum"] == 100_000
