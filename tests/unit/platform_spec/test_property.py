# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests: validate() never raises, and every malformed spec gets at least one message."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.linkops.k8s_platform.plugins.module_utils.platform_spec import normalize, validate

from .spec_helpers import BASE, malformed_specs, slots

REPO = Path(__file__).resolve().parents[3]
with open(REPO / "inventories" / "prod" / "group_vars" / "all" / "platform.yml", encoding="utf-8") as _handle:
    PROD = yaml.safe_load(_handle)
SEEDS = [BASE, PROD]


# Values no field of the schema accepts: any of them anywhere is a problem.
never_valid = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.binary(max_size=8),
    st.frozensets(st.integers(), max_size=3),
    st.complex_numbers(),
    st.builds(object),
)
# Values of every JSON-ish shape: valid in some places, not in others.
anything = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2 ** 40), max_value=2 ** 40), st.floats(), st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)


@st.composite
def random_specs(draw: st.DrawFn) -> Any:
    """Valid seeds with random values of any type in random places, or plain random data."""
    if draw(st.booleans()):
        return draw(anything)
    spec = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        container, key = draw(st.sampled_from(slots(spec)))
        container[key] = draw(anything)
    return spec


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(malformed_specs(SEEDS, never_valid, anything))
def test_malformed_specs_always_get_a_message(spec: dict[str, Any]) -> None:
    errors = validate(spec)
    assert errors, "a malformed spec validated clean"
    assert all(isinstance(error, str) and ": " in error for error in errors)
    assert not any("internal validator error" in error for error in errors)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(random_specs())
def test_validate_never_raises_and_normalize_accepts_what_validates(spec: Any) -> None:
    errors = validate(spec)
    assert isinstance(errors, list)
    assert not any("internal validator error" in error for error in errors), errors
    if not errors:
        result = normalize(spec)  # whatever validates clean must normalise without raising
        assert isinstance(result["k8s_platform_apps"], list)
