#!/usr/bin/env python3
"""prom_text.py - reads and checks Prometheus text exposition (0.0.4).

    prom_text.py scrape URL OUT.json   fetch, check, save the samples
    prom_text.py check FILE            check a saved text (exit 1: bad)
    prom_text.py value OUT.json NAME [LABEL=VALUE ...]
                                       the sum of the samples of NAME
                                       whose labels include those given

The checks: every line is a comment (# HELP / # TYPE, each once per
family, before its samples) or a sample `name{label="value",...} value`;
every sample belongs to a family with HELP and TYPE; counters are not
negative; for each histogram and label set, the le bounds increase, the
buckets are cumulative and end at le="+Inf", which equals _count.
"""
import json
import math
import re
import sys
import urllib.request

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r'^(%s)(\{(?:%s(?:,%s)*)?\})? (\S+)$' % (NAME, LABEL, LABEL))
LABEL_ONE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
TYPES = {'counter', 'gauge', 'histogram', 'summary', 'untyped'}


def unescape(v):
    return v.replace('\\n', '\n').replace('\\"', '"').replace('\\\\', '\\')


def number(text):
    if text in ('+Inf', 'Inf'):
        return math.inf
    if text == '-Inf':
        return -math.inf
    return float(text)  # NaN included; ValueError if not a number


def parse(text):
    """Returns [(name, labels dict, value)], or raises ValueError."""
    if not text.endswith('\n'):
        raise ValueError('the text does not end with a newline')
    helps, types, seen_samples = {}, {}, set()
    samples = []
    for n, line in enumerate(text.split('\n')[:-1], 1):
        if line.startswith('#'):
            parts = line.split(' ', 3)
            if len(parts) >= 3 and parts[1] in ('HELP', 'TYPE'):
                fam = parts[2]
                if not re.fullmatch(NAME, fam):
                    raise ValueError('line %d: bad metric name %r' % (n, fam))
                table = helps if parts[1] == 'HELP' else types
                if fam in table:
                    raise ValueError('line %d: second %s for %s' % (n, parts[1], fam))
                if fam in seen_samples:
                    raise ValueError('line %d: %s after samples of %s' % (n, parts[1], fam))
                if parts[1] == 'TYPE':
                    if len(parts) != 4 or parts[3] not in TYPES:
                        raise ValueError('line %d: bad TYPE line' % n)
                    types[fam] = parts[3]
                else:
                    helps[fam] = parts[3] if len(parts) == 4 else ''
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError('line %d: not a sample: %r' % (n, line))
        name, labels_text, value = m.group(1), m.group(2) or '', m.group(3)
        labels = {}
        for k, v in LABEL_ONE.findall(labels_text):
            if k in labels:
                raise ValueError('line %d: label %s twice' % (n, k))
            labels[k] = unescape(v)
        try:
            v = number(value)
        except ValueError:
            raise ValueError('line %d: bad value %r' % (n, value))
        fam = name
        for suffix in ('_bucket', '_sum', '_count'):
            if name.endswith(suffix) and types.get(name[:-len(suffix)]) == 'histogram':
                fam = name[:-len(suffix)]
        if fam not in types or fam not in helps:
            raise ValueError('line %d: %s has no HELP and TYPE before it' % (n, name))
        if types[fam] == 'histogram' and fam == name:
            raise ValueError('line %d: a histogram sample without a suffix' % n)
        if types[fam] == 'counter' and not v >= 0:
            raise ValueError('line %d: counter %s is %s' % (n, name, value))
        seen_samples.add(fam)
        samples.append((name, labels, v))
    # Histograms: cumulative buckets ending at +Inf == _count.
    for fam, t in types.items():
        if t != 'histogram':
            continue
        groups = {}
        for name, labels, v in samples:
            rest = tuple(sorted((k, x) for k, x in labels.items() if k != 'le'))
            g = groups.setdefault(rest, {'buckets': [], 'count': None, 'sum': None})
            if name == fam + '_bucket':
                if 'le' not in labels:
                    raise ValueError('%s%s: a bucket without le' % (fam, dict(rest)))
                g['buckets'].append((number(labels['le']), v))
            elif name == fam + '_count':
                g['count'] = v
            elif name == fam + '_sum':
                g['sum'] = v
        for rest, g in groups.items():
            if not g['buckets'] and g['count'] is None:
                continue
            where = '%s%s' % (fam, dict(rest))
            b = g['buckets']
            if not b or b[-1][0] != math.inf:
                raise ValueError('%s: buckets do not end at le="+Inf"' % where)
            for (le1, c1), (le2, c2) in zip(b, b[1:]):
                if not le2 > le1:
                    raise ValueError('%s: le %s after %s' % (where, le2, le1))
                if c2 < c1:
                    raise ValueError('%s: buckets not cumulative (%s then %s)' % (where, c1, c2))
            if g['count'] is None or g['sum'] is None:
                raise ValueError('%s: no _count or _sum' % where)
            if b[-1][1] != g['count']:
                raise ValueError('%s: +Inf bucket %s != _count %s' % (where, b[-1][1], g['count']))
    return samples


def main(argv):
    if len(argv) == 4 and argv[1] == 'scrape':
        with urllib.request.urlopen(argv[2], timeout=5) as r:
            ctype = r.headers.get('Content-Type', '')
            text = r.read().decode('utf-8')
        if not ctype.startswith('text/plain') or 'version=0.0.4' not in ctype:
            print('bad Content-Type: %r' % ctype, file=sys.stderr)
            return 1
        try:
            samples = parse(text)
        except ValueError as e:
            print('%s: %s' % (argv[2], e), file=sys.stderr)
            return 1
        with open(argv[3], 'w') as f:
            json.dump(samples, f)
        return 0
    if len(argv) == 3 and argv[1] == 'check':
        try:
            parse(open(argv[2]).read())
        except ValueError as e:
            print('%s: %s' % (argv[2], e), file=sys.stderr)
            return 1
        return 0
    if len(argv) >= 4 and argv[1] == 'value':
        want = dict(a.split('=', 1) for a in argv[4:])
        total = 0.0
        for name, labels, v in json.load(open(argv[2])):
            if name == argv[3] and all(labels.get(k) == x for k, x in want.items()):
                total += v
        print(int(total) if total == int(total) else total)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
