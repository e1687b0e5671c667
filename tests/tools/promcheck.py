#!/usr/bin/env python3
"""Strict check of the Prometheus text exposition format (version 0.0.4) on stdin, as
node_exporter's textfile collector reads it: HELP and TYPE once per family and before
its samples, families contiguous, valid metric and label names, label values escaped,
no duplicate series, float values, counters named *_total, a final newline. Then the
same text through prometheus_client's parser when it is installed."""
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r"^(%s)(?:\{((?:%s)(?:,%s)*)?\})? (\S+)(?: (-?\d+))?$" % (NAME, LABEL, LABEL))
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def fail(n, msg, line):
    raise SystemExit("line %d: %s: %r" % (n, msg, line))


def main():
    text = sys.stdin.read()
    if text and not text.endswith("\n"):
        raise SystemExit("no final newline")
    helps, types, done, series = set(), {}, set(), set()
    cur = None
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("#"):
            m = re.match(r"^# (HELP|TYPE) (%s) (.*)$" % NAME, line)
            if not m:
                if re.match(r"^# (HELP|TYPE)\b", line):
                    fail(n, "bad HELP/TYPE", line)
                continue
            kind, name, rest = m.groups()
            if name != cur:
                if name in done or name in types or name in helps:
                    fail(n, "family not contiguous", line)
                if cur:
                    done.add(cur)
                cur = name
            if kind == "HELP":
                if name in helps:
                    fail(n, "second HELP", line)
                helps.add(name)
            else:
                if name in types:
                    fail(n, "second TYPE", line)
                if rest not in TYPES:
                    fail(n, "unknown type", line)
                types[name] = rest
            continue
        if not line.strip():
            fail(n, "empty line", line)
        m = SAMPLE.match(line)
        if not m:
            fail(n, "not a sample", line)
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        if name != cur:
            fail(n, "sample outside its family (HELP/TYPE first)", line)
        if name not in types:
            fail(n, "no TYPE before the sample", line)
        if types[name] == "counter" and not name.endswith("_total"):
            fail(n, "counter not named *_total", line)
        try:
            float(value)
        except ValueError:
            fail(n, "value not a float", line)
        names = [l.split("=", 1)[0] for l in re.findall(LABEL, labels)]
        if len(names) != len(set(names)):
            fail(n, "duplicate label", line)
        key = (name, tuple(sorted(re.findall(LABEL, labels))))
        if key in series:
            fail(n, "duplicate series", line)
        series.add(key)
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        print("ok %d series (own parser; prometheus_client not installed)" % len(series))
        return
    fams = list(text_string_to_metric_families(text))
    print("ok %d series, %d families" % (len(series), len(fams)))


if __name__ == "__main__":
    main()
