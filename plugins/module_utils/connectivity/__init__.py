# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connectivity probes from inside the cluster (the connectivity_probe module's logic).

- `commands`: the argv of every probe (agnhost connect, nslookup, wget) and the parsers of
  their output, busybox and bind/alpine variants alike; pure functions.
- `targets`: `from` / `to` / DNS sources resolved against the live objects (pods, workloads,
  Services, IP addresses, DNS names), through the netpol model's own name resolution.
- `pods`: the probe pod and its per-run owner object, as manifests; pod status assessment.
- `runner`: option checking, planning, the run itself (create, wait, exec, always clean up)
  and the comparison with the NetworkPolicy analysis, behind the small `ProbeClient`
  interface so unit tests drive it with a fake.
- `kube`: the `ProbeClient` over kubernetes.core's client and `kubernetes.stream` exec.
"""
