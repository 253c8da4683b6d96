#!/usr/bin/env python3
"""Checks lib/'s layering: a folder includes only itself and the folders
below it (lib/README.md lists them bottom up, in its table of layers), and
no includes lead round in a circle: module a (a.c, a.h) including b.h
while b includes a.h is a circle, as is a longer one.

    layers.py [ROOT]      ROOT: the repository (default: this one)

Every `#include "..."` of a file under lib/ must name a layer folder
("ledger/ledger.h"), or "proto/..." (the generated schemas, below
everything). Prints one line per fault and exits 1 if there is any."""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', '..')
lib = os.path.join(root, 'lib')

# The layers: the README's table rows "| N | `name/` | ...", bottom up.
layers = []
with open(os.path.join(lib, 'README.md'), encoding='utf-8') as f:
    for line in f:
        m = re.match(r'\|\s*(\d+)\s*\|\s*`([a-z_]+)/`\s*\|', line)
        if m:
            layers.append((int(m.group(1)), m.group(2)))
layers.sort()
rank = {name: i for i, (_, name) in enumerate(layers)}
if not rank:
    sys.exit('layers.py: no table of layers in lib/README.md')

faults = []
include = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
graph = {}  # module (folder/name, relative to lib/) -> modules it includes
for dirpath, _, names in os.walk(lib):
    for name in sorted(names):
        if not name.endswith(('.c', '.h')):
            continue
        path = os.path.join(dirpath, name)
        rel = os.path.relpath(path, lib)
        folder = rel.split(os.sep)[0] if os.sep in rel else ''
        if folder not in rank:
            faults.append(f'lib/{rel}: not in a layer folder listed in '
                          'lib/README.md')
            continue
        with open(path, encoding='utf-8') as f:
            text = f.read()
        mod = rel.rsplit('.', 1)[0]
        graph.setdefault(mod, [])
        for m in include.finditer(text):
            inc = m.group(1)
            line = text.count('\n', 0, m.start()) + 1
            top = inc.split('/')[0] if '/' in inc else ''
            if top == 'proto':
                continue
            if top not in rank:
                faults.append(f'lib/{rel}:{line}: #include "{inc}" does not '
                              'name a layer folder')
                continue
            if rank[top] > rank[folder]:
                faults.append(f'lib/{rel}:{line}: #include "{inc}" goes up, '
                              f'from {folder}/ to {top}/')
            target = inc.rsplit('.', 1)[0]
            if target != mod and target not in graph[mod]:
                graph[mod].append(target)

# Circles among modules.
state = {}
def visit(node, stack):
    state[node] = 1
    stack.append(node)
    for nxt in graph.get(node, []):
        if state.get(nxt) == 1:
            cyc = stack[stack.index(nxt):] + [nxt]
            faults.append('include circle: ' + ' -> '.join(cyc))
            continue
        elif nxt in graph and not state.get(nxt):
            visit(nxt, stack)
    stack.pop()
    state[node] = 2
for node in sorted(graph):
    if not state.get(node):
        visit(node, [])

for f in faults:
    print(f)
if faults:
    print(f'layers: {len(faults)} fault(s)')
    sys.exit(1)
print(f'layers: {len(graph)} modules in {len(rank)} layers, every include '
      'goes down or sideways, no circle')
