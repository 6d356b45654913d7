# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render a template of Kubernetes manifests into a list of objects, without copying every variable.

ansible.builtin.template (the lookup) deep-copies all variables of the host before each render,
facts included; in a converge that holds the spec and every role's rendered objects, each render
then costs time in proportion to everything rendered before it (a 300-app converge spent most of
its render time copying). This lookup renders with the task's own templar instead: templates may
make and change their own variables with set, but cannot change the host's.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: render_objects
author: LinkOps platform engineering (@linkops)
version_added: 0.1.0
short_description: Render a template of Kubernetes manifests into a list of objects
description:
  - Finds each template like C(ansible.builtin.template) does (the role's C(templates/) first), renders it with the
    current variables and returns the objects of its YAML documents (empty documents dropped), one list element
    each. Use it with C(query) or C(wantlist=true).
  - Unlike the C(ansible.builtin.template) lookup it does not copy every variable first, so rendering stays cheap
    when the host holds large facts.
  - A template that does not render to YAML mappings fails, naming the template and the document.
options:
  _terms:
    description: Template file names.
    required: true
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Render the role's objects
  ansible.builtin.set_fact:
    objects: "{{ query('linkops.k8s_platform.render_objects', 'services.yaml.j2') }}"
"""

RETURN = r"""
_list:
  description: The objects, in document order.
  type: list
  elements: dict
"""


import os

from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.template import trust_as_template

from ansible_collections.linkops.k8s_platform.plugins.plugin_utils.manifests import ManifestError, rendered_objects


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        variables = variables or {}
        objects = []
        for term in terms:
            path = self.find_file_in_search_path(variables, "templates", term)
            if not path:
                raise AnsibleLookupError(f"render_objects: the template {term} could not be found")
            searchpath = [os.path.dirname(path)]
            for base in variables.get("ansible_search_path", []):
                searchpath += [os.path.join(base, "templates"), base]
            text = trust_as_template(self._loader.get_text_file_contents(path))
            rendered = self._templar.copy_with_new_env(searchpath=searchpath).template(text, escape_backslashes=False)
            try:
                objects.extend(rendered_objects(rendered, term))
            except ManifestError as exc:
                raise AnsibleError(f"render_objects: {exc}") from None
        return objects
