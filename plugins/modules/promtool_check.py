#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: this is an action plugin (plugins/action/promtool_check.py) that runs on the
# controller; there is no module to send to a host.

from __future__ import annotations

DOCUMENTATION = r"""
module: promtool_check
short_description: Check Prometheus rule groups with promtool on the controller
version_added: 0.1.0
author: LinkOps platform engineering (@linkops)
description:
  - Runs C(promtool check rules), Prometheus' own rule parser, on the given rule groups, from the controller process
    (an action plugin). The groups go to a private temporary file that is removed afterwards.
  - Fails when promtool cannot run (not on C(PATH), not executable) or when the rules do not parse; promtool's output is
    in RV(stdout) and RV(stderr) either way.
  - Never changes anything; runs the same in check mode.
options:
  rule_groups:
    description: Rule groups as in a PrometheusRule's C(spec.groups) (each with C(name) and C(rules)).
    type: list
    elements: dict
    required: true
  promtool:
    description: The promtool binary, a path or a name looked up on C(PATH).
    type: str
    default: promtool
  timeout:
    description: Seconds promtool may take.
    type: int
    default: 120
extends_documentation_fragment:
  - linkops.k8s_platform.read_only
attributes:
  platform:
    support: full
    platforms: posix
    description: Runs on the controller.
"""

EXAMPLES = r"""
- name: The alerting rules parse
  linkops.k8s_platform.promtool_check:
    rule_groups:
      - name: app
        rules:
          - alert: AppDown
            expr: up{job="app"} == 0
            for: 5m
    promtool: /opt/prometheus/bin/promtool
"""

RETURN = r"""
ran:
  description: Whether promtool could be started.
  returned: always
  type: bool
rc:
  description: promtool's exit code (-1 when it could not be started).
  returned: always
  type: int
stdout:
  description: promtool's output, the temporary file named C(rules).
  returned: always
  type: str
stderr:
  description: promtool's errors, or why it could not be started.
  returned: always
  type: str
"""
