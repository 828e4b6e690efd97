#!/usr/bin/env python3
"""The kernel oracle (../shared/ksm-oracle/ksm_oracle.py) with the simulator's content
kind for captured pages, {"bytes": BASE64}: each such page is written with those very
bytes. Everything else is the oracle's own, unchanged (this file only adds the kind).

usage: captured_oracle.py SCENARIO.json [--out FILE]   (as ksm_oracle.py; root, KSM lock)
"""
import base64
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = os.environ.get("KSM_ORACLE_DIR") or os.path.join(HERE, "../../../shared/ksm-oracle")
sys.path.insert(0, ORACLE)
import ksm_oracle as oracle  # noqa: E402

_page_bytes = oracle.page_bytes
_detuple = oracle._detuple
_expand = oracle.Contents.expand


def page_bytes(content):
    return content[1] if content[0] == "bytes" else _page_bytes(content)


def detuple(c):
    return ("bytes", c[1]) if c[0] == "bytes" else _detuple(c)


def expand(self, spec, count):
    if isinstance(spec, dict) and "bytes" in spec:
        data = base64.b64decode(spec["bytes"], validate=True)
        if len(data) != oracle.PAGE:
            raise ValueError(f"a captured page has {oracle.PAGE} bytes, got {len(data)}")
        return [("bytes", data)] * count
    return _expand(self, spec, count)


oracle.page_bytes = page_bytes
oracle._detuple = detuple
oracle.Contents.expand = expand

if __name__ == "__main__":
    sys.exit(oracle.main(sys.argv))
