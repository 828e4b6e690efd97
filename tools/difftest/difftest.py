#!/usr/bin/env python3
"""difftest: randomized differential testing of ksm-sim against the real
Linux KSM.

Random scenarios (scenario formats v1 and v2, see shared/ksm-oracle/SCENARIO.md) are
generated deterministically from a seed, replayed on this machine's kernel by
ksm_oracle.py, and the kernel's JSON lines are compared with the simulator's.

Commands:

  generate --seed N
      print the random scenario of seed N (JSON)
  record --from A --count K --out DIR [--oracle PATH] [--skip-existing]
      write DIR/rand-SEED.json and, from the real kernel,
      DIR/rand-SEED.expected.jsonl for seeds A..A+K-1 (needs root and
      /sys/kernel/mm/ksm; exit 3 without them)
  compare DIR [--cmd CMD] [--jobs N]
      run the simulator on every DIR/*.json that has an .expected.jsonl and
      print the first difference of each scenario that differs, then
      'scenarios matched A/B'; exit 0 when all match, 1 otherwise
  run --from A --count K [--cmd CMD] [--out DIR] [--keep-going]
      the live differential test: generate, run on the kernel, run on the
      simulator and compare, seed by seed; stops at the first difference
      unless --keep-going

generate, record and run take --profile: mixed (the default: v1 and v2, every
op; the recorded set), thp (v2 aimed at copy-on-write of THPs shared by
forks; files thp-SEED.json) or big (v2, mixed's ops on tens of thousands of
pages; files big-SEED.json).

A record matches when every field the kernel printed is present in the
simulator's record at the same index with the same value; `seconds` is not
compared and extra fields are allowed (the rules of compare.py).

KSM is global to the machine, so only one oracle runs at a time: difftest
processes queue on a lock (/tmp/ksm-oracle.lock), wait while any other
process uses KSM (another ksm_oracle.py, or ksm_stat showing a mergeable
process), and record again a run that such a process disturbed.
"""
import argparse
import concurrent.futures
import fcntl
import json
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_ORACLE = os.path.join(os.path.dirname(REPO), "shared", "ksm-oracle", "ksm_oracle.py")
DEFAULT_CMD = "pnpm -s ksm-sim run {} --jsonl"
KSM = "/sys/kernel/mm/ksm"
LOCK = os.path.join(tempfile.gettempdir(), "ksm-oracle.lock")  # one oracle at a time

# ------------------------------------------------------------------ generator
PATTERNS = 6                    # pattern seeds 0..5: duplicates are common
SEQUENCES = [0, 3, 100, 1000]   # 0 and 3 overlap the pattern pool on purpose
POKES = [
    [[4095, 0]],                # last byte
    [[0, 1]],                   # first byte
    [[0, 1], [4095, 0]],
    [[2048, 7]],
]
MAX_TOTAL_PAGES = 1500          # live pages, forks included
MAX_SCANS = 20                  # full scans per scenario (~100 ms each on the kernel)
PRUNE = [0, 3600000]            # stable_node_chains_prune_millisecs: never time-dependent
MPS = [2, 2, 3, 4, 5, 6, 256]   # max_page_sharing


def rand_content(rng):
    r = rng.random()
    if r < 0.42:
        return {"pattern": rng.randrange(PATTERNS)}
    if r < 0.57:
        return "zero"
    if r < 0.69:
        return "unique"
    if r < 0.82:
        c = {"sequence": rng.choice(SEQUENCES)}
        if rng.random() < 0.2:
            c["poke"] = rng.choice(POKES)
        return c
    return {"pattern": rng.randrange(PATTERNS), "poke": rng.choice(POKES)}


def rand_pages(rng):
    r = rng.random()
    if r < 0.6:
        return rng.randint(1, 40)
    if r < 0.9:
        return rng.randint(41, 150)
    return rng.randint(151, 300)


def rand_range(rng, pages, whole=0.2):
    """[a, b) inside 0..pages, non-empty; None (the whole region) sometimes."""
    if rng.random() < whole:
        return None
    a = rng.randrange(pages)
    b = rng.randint(a + 1, min(pages, a + max(1, rng.choice([1, 4, 16, pages]))))
    return [a, b]


def rand_knobs(rng):
    """Knobs of a scenario: never time-dependent (chain pruning pinned)."""
    knobs = {}
    if rng.random() < 0.6:
        knobs["use_zero_pages"] = rng.randint(0, 1)
    if rng.random() < 0.7:
        knobs["max_page_sharing"] = rng.choice(MPS)
    if rng.random() < 0.7:
        knobs["smart_scan"] = rng.randint(0, 1)
    knobs["stable_node_chains_prune_millisecs"] = rng.choice(PRUNE)
    return knobs


def rand_fill(rng, pages):
    """The fills of a region: often one over the whole region, then up to four
    ranges; pages no fill covers are left to the zeros the oracle writes."""
    fill = []
    if rng.random() < 0.4:
        fill.append({"content": rand_content(rng)})
    for _ in range(rng.randint(0 if fill else 1, 4)):
        f = {}
        rg = rand_range(rng, pages, whole=0.1)
        if rg:
            f["range"] = rg
        f["content"] = rand_content(rng)
        fill.append(f)
    return fill


def unmerge_steps(rng, steps):
    """`run` = 2 (unmerge everything), then maybe a new max_page_sharing (only
    now can it change: the kernel answers EBUSY while pages are shared) and a
    report."""
    steps.append({"op": "knob", "name": "run", "value": 2})
    if rng.random() < 0.5:
        steps.append({"op": "knob", "name": "max_page_sharing", "value": rng.choice(MPS)})
    if rng.random() < 0.4:
        steps.append({"op": "report", "label": f"u{len(steps)}"})


def scenario_name(profile, seed):
    """`rand-SEED` for the mixed profile (the recorded set's names), else `PROFILE-SEED`."""
    return f"{'rand' if profile == 'mixed' else profile}-{seed}"


def generate(seed, profile="mixed"):
    """The random scenario of `seed` (the same seed always gives the same
    scenario). The mixed profile: half of them format v2 in batch mode, a fifth
    v2 with one batch per full scan, the rest format v1. Any other profile: v2,
    four in five in batch mode, in that profile's mix."""
    rng = random.Random(seed)
    kind = rng.random()
    if profile != "mixed":
        return generate_v2(rng, seed, kind < 0.8, profile)
    if kind < 0.5:
        return generate_v2(rng, seed, batch=True)
    if kind < 0.7:
        return generate_v2(rng, seed, batch=False)
    return generate_v1(rng, seed)


def generate_v1(rng, seed):
    """A format v1 scenario.  State (live processes, their regions and sizes)
    is tracked so that every step names something that exists."""
    knobs = rand_knobs(rng)

    procs = []
    alive = {}      # process name -> {region name: pages}, insertion-ordered
    total = 0
    for i in range(rng.randint(1, 4)):
        name = f"p{i}"
        regions = []
        alive[name] = {}
        for j in range(rng.randint(1, 3)):
            pages = min(rand_pages(rng), max(1, 1000 - total))
            total += pages
            reg = {"name": f"r{j}", "pages": pages}
            if rng.random() < 0.12:
                reg["mergeable"] = False
            reg["fill"] = rand_fill(rng, pages)
            regions.append(reg)
            alive[name][reg["name"]] = pages
        proc = {"name": name, "regions": regions}
        if rng.random() < 0.1:
            proc["mergeAny"] = True
        procs.append(proc)
    regs = [r for p in procs for r in p["regions"]]
    if all(r.get("mergeable") is False for r in regs):
        del rng.choice(regs)["mergeable"]  # something for ksmd to scan

    # the oracle sets pages_to_scan = max(100, 4 * initial pages): keep every
    # full scan inside one ksmd batch even after forks
    budget = min(MAX_TOTAL_PAGES, max(100, 4 * total))
    live_pages = total
    scans = 0
    steps = []
    child_no = 0

    def pick_region():
        cands = [(p, r) for p, regs in alive.items() for r in regs]
        return rng.choice(cands) if cands else None

    def scan_step():
        nonlocal scans
        if rng.random() < 0.15:
            k = rng.randint(4, 8)
            steps.append({"op": "settle", "maxFullScans": k})
            scans += k
        else:
            k = rng.randint(1, 3)
            steps.append({"op": "scan", "fullScans": k})
            scans += k
        if rng.random() < 0.85:
            steps.append({"op": "report", "label": f"s{len(steps)}"})

    if rng.random() < 0.7:
        scan_step()
    n = rng.randint(5, 15)
    while n > 0:
        r = rng.random()
        if r < 0.28:
            if scans >= MAX_SCANS:
                continue
            scan_step()
        elif r < 0.33:
            steps.append({"op": "report", "label": f"r{len(steps)}"})
        elif r < 0.48:
            pr = pick_region()
            if not pr:
                continue
            st = {"op": "write", "process": pr[0], "region": pr[1]}
            rg = rand_range(rng, alive[pr[0]][pr[1]])
            if rg:
                st["range"] = rg
            st["content"] = rand_content(rng)
            steps.append(st)
        elif r < 0.58:
            pr = pick_region()
            if not pr:
                continue
            st = {"op": "madvise", "process": pr[0], "region": pr[1]}
            rg = rand_range(rng, alive[pr[0]][pr[1]])
            if rg:
                st["range"] = rg
            st["advice"] = rng.choice(["mergeable", "mergeable", "unmergeable"])
            steps.append(st)
        elif r < 0.65:
            parent = rng.choice(list(alive))
            size = sum(alive[parent].values())
            if live_pages + size > budget or len(alive) >= 6:
                continue
            child_no += 1
            child = f"c{child_no}"
            steps.append({"op": "fork", "process": parent, "child": child})
            alive[child] = dict(alive[parent])
            live_pages += size
        elif r < 0.71:
            if len(alive) < 2:
                continue
            p = rng.choice(list(alive))
            steps.append({"op": "exit", "process": p})
            live_pages -= sum(alive.pop(p).values())
        elif r < 0.76:
            pr = pick_region()
            if not pr:
                continue
            steps.append({"op": "munmap", "process": pr[0], "region": pr[1]})
            live_pages -= alive[pr[0]].pop(pr[1])
        elif r < 0.82:
            unmerge_steps(rng, steps)
        elif r < 0.84:
            steps.append({"op": "prctl", "process": rng.choice(list(alive)), "mergeAny": rng.random() < 0.7})
        elif r < 0.90:
            name = rng.choice(["use_zero_pages", "smart_scan", "stable_node_chains_prune_millisecs"])
            value = rng.choice(PRUNE) if name.startswith("stable") else rng.randint(0, 1)
            steps.append({"op": "knob", "name": name, "value": value})
        else:
            steps.append({"op": "verify", "label": f"v{len(steps)}"})
        n -= 1
    steps.append({"op": "report", "label": "end"})
    steps.append({"op": "verify", "label": "verify"})
    return {"name": f"rand-{seed}", "knobs": knobs, "processes": procs, "steps": steps}


RW, READ, NONE, GONE = 3, 2, 1, 0   # a page's state in the v2 generator

# The v2 generator's mix: the share of THP-backed regions, of regions filled with
# unique pages only, and of writes that start in the first 32 pages of a 2 MiB block
# (where the processes sharing a THP then write the same pages), the pages at start,
# the madvise advices, and the steps as cumulative shares (the last step, verify,
# takes the rest).
V2_STEPS = ["scan", "report", "write", "madvise", "mprotect", "munmap", "mmap", "mremap",
            "fork", "exit", "prctl", "unmerge", "knob"]
# every seed's scenario as it always was
MIXED = {"hugepage": 0.2, "unique": 0.0, "hot": 0.0, "start_pages": 1200, "max_pages": 3000,
         "processes": 4, "big_regions": None,
         "advices": ["mergeable", "mergeable", "unmergeable", "dontneed", "hugepage", "nohugepage"],
         "steps": [0.27, 0.31, 0.43, 0.50, 0.56, 0.60, 0.64, 0.67, 0.73, 0.78, 0.81, 0.86, 0.93]}
PROFILES = {
    "mixed": MIXED,
    # THPs shared by forks, written, cut and unmapped by the processes that share them:
    # copy-on-write of PMD- and PTE-mapped THPs, and the merges that split them
    "thp": {"hugepage": 0.85, "unique": 0.5, "hot": 0.6, "start_pages": 700, "max_pages": 3000,
            "processes": 4, "big_regions": None,
            "advices": ["dontneed", "dontneed", "mergeable", "unmergeable", "hugepage", "nohugepage"],
            "steps": [0.22, 0.25, 0.51, 0.59, 0.62, 0.70, 0.73, 0.76, 0.87, 0.94, 0.94, 0.95, 0.97]},
    # mixed's ops on tens of thousands of pages in up to seven processes: stable chains of
    # thousands of dups, full scans of hundreds of batches, forks and exits of big regions
    "big": dict(MIXED, hugepage=0.3, unique=0.1, hot=0.2, start_pages=30000, max_pages=50000,
                processes=7, big_regions=(1000, 15000)),
}
PROTS = {"readwrite": RW, "read": READ, "none": NONE}
MAX_BATCHES = 2500                # ksmd batches per scenario (~0.7 ms each on the kernel)


def v2_region(rng, name, room, prof):
    """A v2 region of at most `room` pages: sometimes THP-backed (whole 2 MiB
    blocks, maybe a tail), sometimes unmergeable; fills leave some pages to the
    zeros the oracle writes, or (as often as `prof` says) make every page
    unique, so that a merge shows which pages were written."""
    reg = {"name": name}
    if room >= 512 and rng.random() < prof["hugepage"]:
        reg["hugepage"] = True
        pages = 512 * rng.randint(1, min(2, room // 512))
        if rng.random() < 0.3 and pages + 40 <= room:
            pages += rng.randint(1, 40)
    elif prof["big_regions"] and rng.random() < 0.5:
        pages = min(rng.randint(*prof["big_regions"]), room)
    else:
        pages = max(1, min(rand_pages(rng), room))
    reg["pages"] = pages
    if rng.random() < 0.1:
        reg["mergeable"] = False
    if prof["unique"] and rng.random() < prof["unique"]:
        reg["fill"] = [{"content": "unique"}]
    else:
        reg["fill"] = rand_fill(rng, pages)
    return reg


def generate_v2(rng, seed, batch, profile="mixed"):
    """A format v2 scenario (batch mode, or one batch per full scan), with
    every v2 op in the mix of PROFILES[profile]: page states (mapped,
    protection) are tracked so that writes land on mapped read-write pages
    only, as the format requires."""
    prof = PROFILES[profile]
    start_pages = prof["start_pages"]
    knobs = rand_knobs(rng)

    alive = {}   # process -> {region: [page states]}
    procs = []
    total = 0
    for i in range(rng.randint(1, prof["processes"])):
        name = f"p{i}"
        alive[name] = {}
        regions = []
        for j in range(rng.randint(1, 3)):
            if total >= start_pages:
                break
            reg = v2_region(rng, f"r{j}", start_pages - total, prof)
            total += reg["pages"]
            regions.append(reg)
            alive[name][reg["name"]] = [RW] * reg["pages"]
        proc = {"name": name, "regions": regions}
        if rng.random() < 0.12:
            proc["mergeAny"] = True
        procs.append(proc)
    regs = [r for p in procs for r in p["regions"]]
    if all(r.get("mergeable") is False for r in regs) and not any(p.get("mergeAny") for p in procs):
        del rng.choice(regs)["mergeable"]  # something for ksmd to scan

    pts = 100
    if batch:
        r = rng.random()
        if r < 0.4:
            pts = 100
        elif r < 0.7:
            pts = rng.randint(max(1, total // 400), max(64, total // 400))
        else:
            pts = rng.randint(max(1, total // 400), max(1, total))
        knobs["pages_to_scan"] = pts
    live_pages = total
    batches = 0
    steps = []
    child_no = 0
    names = [0]

    def per_scan():
        """Batches one full scan takes now (at least one more to end it)."""
        return (live_pages // pts + 2) if batch else 1

    def pick():
        cands = [(p, r) for p, rs in alive.items() for r in rs]
        return rng.choice(cands) if cands else None

    def mapped_range(states):
        """A [a, b) range with at least one mapped page, or None (the whole region)."""
        rg = rand_range(rng, len(states))
        if rg and any(states[rg[0]:rg[1]]):
            return rg, rg[0], rg[1]
        return None, 0, len(states)

    def scan_step():
        nonlocal batches
        r = rng.random()
        if batch and r < 0.55:
            k = rng.choice([1, 1, 2, 3, rng.randint(1, 2 * per_scan())])
            steps.append({"op": "batches", "count": k})
            batches += k
        elif r < 0.85:
            k = rng.randint(1, 2)
            steps.append({"op": "scan", "fullScans": k})
            batches += k * per_scan()
        else:
            k = rng.randint(3, 6)
            steps.append({"op": "settle", "maxFullScans": k})
            batches += k * per_scan()
        if rng.random() < 0.8:
            steps.append({"op": "report", "label": f"s{len(steps)}"})

    if rng.random() < 0.7:
        scan_step()
    n = rng.randint(6, 18)
    while n > 0:
        r = rng.random()
        step = next((k for k, c in zip(V2_STEPS, prof["steps"]) if r < c), "verify")
        pr = pick()
        if step == "scan":
            if batches >= MAX_BATCHES:
                continue
            scan_step()
        elif step == "report":
            steps.append({"op": "report", "label": f"r{len(steps)}"})
        elif step == "write":
            if not pr:
                continue
            states = alive[pr[0]][pr[1]]
            rw = [i for i, st in enumerate(states) if st == RW]
            if not rw:
                continue
            hot = [i for i in rw if i % 512 < 32] if prof["hot"] else []
            a = rng.choice(hot) if hot and rng.random() < prof["hot"] else rng.choice(rw)
            b = a + 1
            limit = a + rng.choice([1, 4, 16, len(states)])
            while b < min(limit, len(states)) and states[b] == RW:
                b += 1
            steps.append({"op": "write", "process": pr[0], "region": pr[1], "range": [a, b],
                          "content": rand_content(rng)})
        elif step == "madvise":
            if not pr:
                continue
            rg, a, b = mapped_range(alive[pr[0]][pr[1]])
            advice = rng.choice(prof["advices"])
            if advice in ("dontneed", "hugepage") and rng.random() < 0.5:
                st = {"op": advice, "process": pr[0], "region": pr[1]}
            else:
                st = {"op": "madvise", "process": pr[0], "region": pr[1], "advice": advice}
            if rg:
                st["range"] = rg
            steps.append(st)
        elif step == "mprotect":
            if not pr:
                continue
            states = alive[pr[0]][pr[1]]
            rg, a, b = mapped_range(states)
            prot = rng.choice(["none", "read", "readwrite", "readwrite"])
            st = {"op": "mprotect", "process": pr[0], "region": pr[1], "prot": prot}
            if rg:
                st["range"] = rg
            steps.append(st)
            for i in range(a, b):
                if states[i] != GONE:
                    states[i] = PROTS[prot]
        elif step == "munmap":
            if not pr:
                continue
            states = alive[pr[0]][pr[1]]
            if rng.random() < 0.4:
                steps.append({"op": "munmap", "process": pr[0], "region": pr[1]})
                live_pages -= sum(1 for x in states if x != GONE)
                del alive[pr[0]][pr[1]]
                continue
            rg, a, b = mapped_range(states)
            if not rg:
                continue
            steps.append({"op": "munmap", "process": pr[0], "region": pr[1], "range": rg})
            for i in range(a, b):
                if states[i] != GONE:
                    live_pages -= 1
                    states[i] = GONE
            if not any(states):
                del alive[pr[0]][pr[1]]
        elif step == "mmap":
            p = rng.choice(list(alive))
            room = prof["max_pages"] - live_pages
            if room < 8:
                continue
            names[0] += 1
            reg = v2_region(rng, f"m{names[0]}", min(room, 1100), prof)
            steps.append(dict({"op": "mmap", "process": p, "region": reg.pop("name")}, **reg))
            alive[p][f"m{names[0]}"] = [RW] * reg["pages"]
            live_pages += reg["pages"]
        elif step == "mremap":
            if not pr:
                continue
            steps.append({"op": "mremap", "process": pr[0], "region": pr[1]})
        elif step == "fork":
            parent = rng.choice(list(alive))
            size = sum(1 for rs in alive[parent].values() for x in rs if x != GONE)
            if live_pages + size > prof["max_pages"] or len(alive) >= prof["processes"] + 2:
                continue
            child_no += 1
            child = f"c{child_no}"
            steps.append({"op": "fork", "process": parent, "child": child})
            alive[child] = {r: list(v) for r, v in alive[parent].items()}
            live_pages += size
        elif step == "exit":
            if len(alive) < 2:
                continue
            p = rng.choice(list(alive))
            steps.append({"op": "exit", "process": p})
            live_pages -= sum(1 for rs in alive.pop(p).values() for x in rs if x != GONE)
        elif step == "prctl":
            steps.append({"op": "prctl", "process": rng.choice(list(alive)), "mergeAny": rng.random() < 0.7})
        elif step == "unmerge":
            unmerge_steps(rng, steps)
        elif step == "knob":
            names_ = ["use_zero_pages", "smart_scan", "stable_node_chains_prune_millisecs"]
            if batch:
                names_.append("pages_to_scan")
            name = rng.choice(names_)
            if name == "pages_to_scan":
                pts = rng.choice([100, rng.randint(max(1, live_pages // 400), max(1, live_pages))])
                value = pts
            else:
                value = rng.choice(PRUNE) if name.startswith("stable") else rng.randint(0, 1)
            steps.append({"op": "knob", "name": name, "value": value})
        else:
            steps.append({"op": "verify", "label": f"v{len(steps)}"})
        n -= 1
    steps.append({"op": "report", "label": "end"})
    steps.append({"op": "verify", "label": "verify"})
    sc = {"name": scenario_name(profile, seed), "version": 2}
    if batch:
        sc["batchMode"] = True
    sc.update({"knobs": knobs, "processes": procs, "steps": steps})
    return sc


def dump(scenario):
    """JSON text with one line per region and per step."""
    j = json.dumps
    procs = []
    for p in scenario["processes"]:
        head = j({k: v for k, v in p.items() if k != "regions"})[:-1]
        regs = ",\n".join("    " + j(r) for r in p["regions"])
        procs.append(f'  {head}, "regions": [\n{regs}]}}')
    steps = ",\n".join("  " + j(st) for st in scenario["steps"])
    top = "".join(f' {j(k)}: {j(scenario[k])},\n' for k in ("version", "batchMode") if k in scenario)
    return (f'{{"name": {j(scenario["name"])},\n{top} "knobs": {j(scenario["knobs"])},\n'
            f' "processes": [\n' + ",\n".join(procs) + "],\n"
            f' "steps": [\n{steps}]}}\n')


# ------------------------------------------------------------------ compare
def diff(exp, got, path=""):
    """First place where `got` lacks or differs from what `exp` has, or None."""
    if isinstance(exp, dict):
        if not isinstance(got, dict):
            return f"{path or '/'}: expected an object, got {got!r}"
        for k, v in exp.items():
            if k == "seconds":
                continue
            if k not in got:
                return f"{path}/{k}: missing"
            d = diff(v, got[k], f"{path}/{k}")
            if d:
                return d
        return None
    if isinstance(exp, list):
        if not isinstance(got, list) or len(got) != len(exp):
            return f"{path or '/'}: kernel {exp!r}, simulator {got!r}"
        for i, (e, g) in enumerate(zip(exp, got)):
            d = diff(e, g, f"{path}/{i}")
            if d:
                return d
        return None
    if exp == got and type(exp) is type(got):
        return None
    if isinstance(exp, (int, float)) and isinstance(got, (int, float)) \
            and not isinstance(exp, bool) and not isinstance(got, bool) and exp == got:
        return None
    return f"{path or '/'}: kernel {exp!r}, simulator {got!r}"


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def run_sim(cmd, scenario_path, timeout):
    """Run the simulator; returns (records, returncode, last stderr line)."""
    line = cmd.replace("{}", shlex.quote(os.path.abspath(scenario_path)))
    try:
        p = subprocess.run(line, shell=True, capture_output=True, text=True,
                           timeout=timeout, cwd=REPO)
    except subprocess.TimeoutExpired:
        return [], "timeout", f"no answer in {timeout} s"
    got = []
    for out in p.stdout.splitlines():
        try:
            got.append(json.loads(out))
        except ValueError:
            pass
    tail = (p.stderr.strip().splitlines() or [""])[-1]
    return got, p.returncode, tail


def first_difference(exp, got):
    """'record I (LABEL): PATH: …' for the first record that differs, or None."""
    for i, e in enumerate(exp):
        label = e.get("label") if isinstance(e, dict) else None
        if i >= len(got):
            return f"record {i} ({label}): no such record (simulator printed {len(got)})"
        d = diff(e, got[i])
        if d:
            return f"record {i} ({label}): {d}"
    return None


def check_one(cmd, scenario_path, expected_path, timeout):
    """None when the simulator matches, else a one-line description."""
    exp = read_jsonl(expected_path)
    got, rc, tail = run_sim(cmd, scenario_path, timeout)
    d = first_difference(exp, got)
    if rc != 0:
        return f"{d or 'records match'} [exit {rc}: {tail}]"
    return d


def natural_key(s):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def cmd_compare(a):
    names = sorted((f[:-5] for f in os.listdir(a.dir) if f.endswith(".json")
                    and os.path.exists(os.path.join(a.dir, f[:-5] + ".expected.jsonl"))),
                   key=natural_key)
    if not names:
        print(f"difftest: no scenario with an .expected.jsonl in {a.dir}", file=sys.stderr)
        return 2

    def job(n):
        base = os.path.join(a.dir, n)
        return n, check_one(a.cmd, base + ".json", base + ".expected.jsonl", a.timeout)

    ok = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        for n, d in ex.map(job, names):  # in order, whatever finishes first
            if d is None:
                ok += 1
            else:
                print(f"{n}: {d}", flush=True)
    print(f"scenarios matched {ok}/{len(names)}")
    return 0 if ok == len(names) else 1


# ------------------------------------------------------------------ kernel
def kernel_ready():
    """None when the oracle can run here, else the reason it cannot."""
    if not os.path.isdir(KSM):
        return f"{KSM} is missing (kernel without KSM)"
    if os.geteuid() != 0:
        return "needs root (the oracle drives /sys/kernel/mm/ksm)"
    return None


def foreign_ksm_users(own_sid=None):
    """Processes, not of the oracle session `own_sid`, that use KSM or are
    another ksm_oracle.py at work: while one runs, the kernel's counters and
    knobs are not ours alone.  Returns [(pid, short command line)]."""
    me = os.getpid()
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == me:
            continue
        pid = int(d)
        try:
            if os.getsid(pid) == own_sid:
                continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().decode(errors="replace").split("\0")
            cmd = " ".join(argv).strip()
            # a python running the oracle; not `flock LOCK python3 ksm_oracle.py`
            # still waiting for our lock, which would deadlock
            user = os.path.basename(argv[0]).startswith("python") and \
                any(x.endswith("ksm_oracle.py") for x in argv[1:3])
            if not user:
                with open(f"/proc/{pid}/ksm_stat") as f:
                    st = f.read()
                user = re.search(r"ksm_mergeable:?\s+yes", st) or \
                    re.search(r"ksm_rmap_items:?\s+[1-9]", st)
        except (OSError, ProcessLookupError):
            continue
        if user:
            found.append((pid, cmd[:80]))
    return found


def wait_quiet(max_wait):
    """Wait until nobody else uses KSM; False after max_wait seconds."""
    t0 = time.time()
    told = False
    while True:
        others = foreign_ksm_users()
        if not others:
            return True
        if not told:
            print(f"waiting: another KSM user is running: {others[0][0]} {others[0][1]}", flush=True)
            told = True
        if time.time() - t0 > max_wait:
            return False
        time.sleep(2)


def run_oracle(oracle, scenario_path, expected_path, timeout, max_wait=1800):
    """Run the oracle alone on the machine; returns (ok, reason).  On failure
    the partial expected file is removed.  A run during which another KSM
    user showed up fails with a reason starting with 'disturbed'."""
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # KSM is global: other difftest runs wait here
        if not wait_quiet(max_wait):
            return False, f"disturbed: another KSM user ran for more than {max_wait} s"
        p = subprocess.Popen([sys.executable, oracle, scenario_path, "--out", expected_path],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
        t0 = time.time()
        others = []
        err = ""
        while True:
            try:
                _, err = p.communicate(timeout=0.25)
                rc = p.returncode
                break
            except subprocess.TimeoutExpired:
                pass
            others = others or foreign_ksm_users(own_sid=p.pid)
            if time.time() - t0 > timeout:
                p.send_signal(signal.SIGINT)  # lets the oracle restore the knobs
                try:
                    p.communicate(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.communicate()
                rc, err = "timeout", f"oracle took more than {timeout} s"
                break
        others = others or foreign_ksm_users(own_sid=p.pid)
    if rc == 0 and not others:
        return True, ""
    if os.path.exists(expected_path):
        os.remove(expected_path)
    if others:
        return False, f"disturbed: another KSM user ran meanwhile: {others[0][0]} {others[0][1]}"
    return False, f"exit {rc}: " + ((err or "").strip().splitlines() or [""])[-1]


def record_seed(seed, out, oracle, timeout, profile="mixed", tries=3):
    """Generate seed's scenario and record the kernel's answer; a run that
    another KSM user disturbed is tried again."""
    name = scenario_name(profile, seed)
    sc_path = os.path.join(out, f"{name}.json")
    exp_path = os.path.join(out, f"{name}.expected.jsonl")
    with open(sc_path, "w") as f:
        f.write(dump(generate(seed, profile)))
    for _ in range(tries):
        ok, why = run_oracle(oracle, sc_path, exp_path, timeout)
        if ok or not why.startswith("disturbed"):
            break
    if not ok:
        os.remove(sc_path)
    return ok, why, sc_path, exp_path


def reconfirm(sc_path, exp_path, oracle, timeout):
    """Record `sc_path` twice more and keep the answer two of the three runs
    gave; None when it stands, else why not.  /proc/vmstat is machine-wide:
    another process splitting a THP (V8 does) shows in thp_split_* of the
    run, so a recording that disagrees with the simulator is checked again
    before it counts."""
    with open(exp_path) as f:
        runs = [f.read()]
    tmp = exp_path + ".again"
    for _ in range(2):
        ok, why = run_oracle(oracle, sc_path, tmp, timeout)
        if not ok:
            return why
        with open(tmp) as f:
            runs.append(f.read())
        agreed = next((t for t in runs if runs.count(t) >= 2), None)
        if agreed is None:
            continue
        if agreed != runs[0]:
            os.replace(tmp, exp_path)
            print(f"{os.path.basename(sc_path)}: the first recording was disturbed; kept the answer "
                  "of the two runs that agree", flush=True)
        else:
            os.remove(tmp)
        return None
    os.remove(tmp)
    return "three recordings, three answers: the kernel's output is not reproducible here"


def need_kernel(oracle):
    why = kernel_ready()
    if why:
        print(f"difftest: skipped: {why}")
        return 3
    if not os.path.isfile(oracle):
        print(f"difftest: oracle not found: {oracle}", file=sys.stderr)
        return 2
    return 0


def cmd_record(a):
    rc = need_kernel(a.oracle)
    if rc:
        return rc
    os.makedirs(a.out, exist_ok=True)
    done = failed = skipped = 0
    for seed in range(a.start, a.start + a.count):
        name = scenario_name(a.profile, seed)
        if a.skip_existing and os.path.exists(os.path.join(a.out, f"{name}.expected.jsonl")):
            skipped += 1
            continue
        ok, why, sc_path, exp_path = record_seed(seed, a.out, a.oracle, a.timeout, a.profile)
        if ok and check_one(a.cmd, sc_path, exp_path, a.timeout) is not None:
            why = reconfirm(sc_path, exp_path, a.oracle, a.timeout)
            ok = why is None
            if not ok:
                os.remove(sc_path)
                os.remove(exp_path)
        if ok:
            done += 1
        else:
            failed += 1
            print(f"seed {seed}: oracle failed, dropped: {why}", flush=True)
        if (done + failed) % 20 == 0:
            print(f"progress: seed {seed}, recorded {done}, failed {failed}", flush=True)
    print(f"recorded {done}, failed {failed}, skipped {skipped} "
          f"(seeds {a.start}..{a.start + a.count - 1}) in {a.out}")
    return 0 if failed == 0 else 1


def cmd_run(a):
    rc = need_kernel(a.oracle)
    if rc:
        return rc
    tmp = None
    out = a.out
    if out:
        os.makedirs(out, exist_ok=True)
    else:
        tmp = out = tempfile.mkdtemp(prefix="difftest-")
    ok = differ = failed = 0
    try:
        for seed in range(a.start, a.start + a.count):
            good, why, sc_path, exp_path = record_seed(seed, out, a.oracle, a.timeout, a.profile)
            if not good:
                failed += 1
                print(f"seed {seed}: oracle failed, skipped: {why}", flush=True)
                continue
            d = check_one(a.cmd, sc_path, exp_path, a.timeout)
            if d is not None:
                why = reconfirm(sc_path, exp_path, a.oracle, a.timeout)
                d = check_one(a.cmd, sc_path, exp_path, a.timeout) if why is None else f"{d} ({why})"
            if d is None:
                ok += 1
                continue
            differ += 1
            name = scenario_name(a.profile, seed)
            print(f"{name}: {d}", flush=True)
            if not a.keep_going:
                if tmp:  # keep the failing pair for a look
                    keep = os.path.join(tempfile.gettempdir(), f"difftest-{name}")
                    os.makedirs(keep, exist_ok=True)
                    shutil.copy(sc_path, keep)
                    shutil.copy(exp_path, keep)
                    print(f"kept the scenario and the kernel's output in {keep}")
                break
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"scenarios matched {ok}/{ok + differ}" + (f" ({failed} oracle failures)" if failed else ""))
    return 0 if differ == 0 else 1


def cmd_generate(a):
    sys.stdout.write(dump(generate(a.seed, a.profile)))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="difftest.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="See tools/difftest/README.md.")
    sub = ap.add_subparsers(dest="command", required=True)

    def profile(p):
        p.add_argument("--profile", choices=sorted(PROFILES), default="mixed",
                       help="the mix of scenarios: mixed (v1 and v2, every op; the recorded set), "
                            "thp (v2, THPs shared by forks, written and cut) or big (v2, mixed's ops "
                            "on up to 50,000 pages); files PROFILE-SEED.json but for mixed "
                            "(default: %(default)s)")

    g = sub.add_parser("generate", help="print the random scenario of a seed")
    g.add_argument("--seed", type=int, required=True)
    profile(g)
    g.set_defaults(fn=cmd_generate)

    def seeds(p):
        profile(p)
        p.add_argument("--from", dest="start", type=int, required=True, help="first seed")
        p.add_argument("--count", type=int, required=True, help="number of seeds")
        p.add_argument("--oracle", default=DEFAULT_ORACLE,
                       help="path of ksm_oracle.py (default: %(default)s)")
        p.add_argument("--timeout", type=float, default=120, help="seconds per oracle/simulator run")

    r = sub.add_parser("record", help="record scenarios with the real kernel's answers")
    seeds(r)
    r.add_argument("--out", required=True, help="directory for rand-SEED.json / .expected.jsonl")
    r.add_argument("--skip-existing", action="store_true",
                   help="leave seeds that already have an .expected.jsonl")
    r.add_argument("--cmd", default=DEFAULT_CMD,
                   help="simulator command: a recording it disagrees with is recorded twice more, "
                        "and the answer two runs agree on is kept (default: %(default)r)")
    r.set_defaults(fn=cmd_record)

    c = sub.add_parser("compare", help="compare the simulator with recorded kernel answers")
    c.add_argument("dir")
    c.add_argument("--cmd", default=DEFAULT_CMD,
                   help="simulator command, {} = scenario path, run in the repo root "
                        "(default: %(default)r)")
    c.add_argument("--jobs", type=int, default=2, help="simulator runs in parallel")
    c.add_argument("--timeout", type=float, default=600, help="seconds per simulator run")
    c.set_defaults(fn=cmd_compare)

    u = sub.add_parser("run", help="live differential test: generate, kernel, simulator, compare")
    seeds(u)
    u.add_argument("--cmd", default=DEFAULT_CMD, help="simulator command (default: %(default)r)")
    u.add_argument("--out", help="keep the scenarios and kernel answers in this directory")
    u.add_argument("--keep-going", action="store_true", help="list every difference, do not stop")
    u.set_defaults(fn=cmd_run)

    a = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanups
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
