#!/usr/bin/env python3
"""Strict JSON check of cabin's -o json: stdin is one JSON document, or with --lines one
document per line (events). Refused: duplicate keys, NaN/Infinity, trailing data, bytes
that are not UTF-8. With --keys K,K: every object (or every element of a top-level array)
must have those keys; --types K=int|str|list: and of that type."""
import json
import sys


def no_dups(pairs):
    seen = set()
    for k, _ in pairs:
        if k in seen:
            raise ValueError("duplicate key %r" % k)
        seen.add(k)
    return dict(pairs)


def bad_const(c):
    raise ValueError("non-standard constant %s" % c)


def load(text):
    return json.loads(text, object_pairs_hook=no_dups, parse_constant=bad_const)


def main():
    args = sys.argv[1:]
    lines = "--lines" in args
    keys, types = [], {}
    for i, a in enumerate(args):
        if a == "--keys":
            keys = args[i + 1].split(",")
        if a == "--types":
            for kv in args[i + 1].split(","):
                k, t = kv.split("=")
                types[k] = {"int": int, "str": str, "list": list, "num": (int, float)}[t]
    raw = sys.stdin.buffer.read()
    text = raw.decode("utf-8")  # strict: invalid UTF-8 raises
    docs = [load(l) for l in text.splitlines() if l.strip()] if lines else [load(text)]
    objs = []
    for d in docs:
        objs.extend(d if isinstance(d, list) else [d])
    for o in objs:
        if not isinstance(o, dict):
            raise SystemExit("not an object: %r" % (o,))
        for k in keys:
            if k not in o:
                raise SystemExit("missing key %s in %r" % (k, o))
        for k, t in types.items():
            if k in o and not (isinstance(o[k], t) and not isinstance(o[k], bool)):
                raise SystemExit("key %s: %r is not %s" % (k, o[k], t))
    print("ok %d object(s)" % len(objs))


if __name__ == "__main__":
    main()
