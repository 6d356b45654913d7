# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# Apache License 2.0 (see LICENSE)
"""The checklist audit: catalogue, checks per section, engine and report writers."""

from __future__ import annotations
