# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""resources_errors: the chart resources variables (ingress_controller_resources, cert_manager_*_resources)."""

from __future__ import annotations

import pytest

from ansible_collections.linkops.k8s_platform.plugins.filter.platform_spec import FilterModule
from ansible_collections.linkops.k8s_platform.plugins.module_utils.platform_spec import resources_errors


@pytest.mark.parametrize("value", [None, {}, {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
                                   {"limits": {"cpu": 2, "memory": "1Gi", "ephemeral-storage": "1e9"}}])
def test_valid_blocks_have_no_problem(value):
    assert resources_errors("v", value) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1Gi", ["v: must be a dict with requests and/or limits"]),
        ({"limit": {"memory": "1Gi"}}, ["v.limit: unknown key (requests, limits)"]),
        ({"requests": ["100m"]}, ["v.requests: must be a dict of resource name: quantity"]),
        ({"requests": {"memory": "lots"}}, ["v.requests.memory: 'lots' is not a Kubernetes quantity (e.g. 100m, 128Mi)"]),
        ({"limits": {"cpu": "-1"}}, ["v.limits.cpu: '-1' is not a Kubernetes quantity (e.g. 100m, 128Mi)"]),
        ({"limits": {"cpu": True}}, ["v.limits.cpu: True is not a Kubernetes quantity (e.g. 100m, 128Mi)"]),
        ({"requests": {"memory": "1Gi"}, "limits": {"memory": "512Mi"}}, ["v.requests.memory: 1Gi is more than the limit 512Mi"]),
        ({"requests": {"cpu": "x", "memory": "2G"}, "limits": {"memory": "1Gi"}},
         ["v.requests.cpu: 'x' is not a Kubernetes quantity (e.g. 100m, 128Mi)", "v.requests.memory: 2G is more than the limit 1Gi"]),
    ],
)
def test_every_problem_is_named_by_path(value, expected):
    assert resources_errors("v", value) == expected


def test_the_filter_names_the_variable():
    errors = FilterModule().filters()["resources_block_errors"]({"requests": {"memory": "lots"}}, "ingress_controller_resources")
    assert errors == ["ingress_controller_resources.requests.memory: 'lots' is not a Kubernetes quantity (e.g. 100m, 128Mi)"]
