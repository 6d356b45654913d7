# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the dns role: check and read a CoreDNS Corefile.

Documentation lives in the sidecar files dns_corefile_errors.yml and dns_corefile_parse.yml.
"""

from __future__ import annotations

from typing import Any, Optional

from ansible_collections.linkops.k8s_platform.plugins.module_utils.corefile import to_data, validate


def dns_corefile_errors(corefile: Any, known_plugins: Optional[list[str]] = None) -> list[str]:
    """Every problem of a Corefile, each as 'line N: message'; empty when it is valid."""
    return validate(corefile, known_plugins)


def dns_corefile_parse(corefile: Any) -> list[dict[str, Any]]:
    """The server blocks of a Corefile as data: [{keys, line, directives: [{name, args, line, block}]}]."""
    return to_data(corefile)


class FilterModule:
    """linkops.k8s_platform Corefile filters."""

    def filters(self) -> dict[str, Any]:
        return {
            "dns_corefile_errors": dns_corefile_errors,
            "dns_corefile_parse": dns_corefile_parse,
        }
