"""Checks an artifact's schedule: the manifest lists each entry point's
steps in order (each step calls a function NAME_sN of some entry point, new
ones numbered in call order, and the second layer's steps mostly call the
first layer's functions: identical kernels are compiled once), attributed to
a part of the model, its memory plan (a workspace function, temporaries sharing slots), and
the workspace a run reports is smaller than the temporaries would take
without reuse.

usage: check_schedule.py MODEL.tsl MEMORY_REPORT
(MEMORY_REPORT: the output of `tessel-run forward --memory`)
"""

import json
import re
import sys


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def main():
    artifact, report = sys.argv[1], sys.argv[2]
    manifest = json.load(open(f"{artifact}/manifest.json"))
    for name, entry in manifest["entry_points"].items():
        steps = entry.get("steps", [])
        if not steps:
            fail(f"{name}: no steps")
        functions = [c["function"] for c in steps]
        if any(not re.fullmatch(r"\w+_s\d+", f) for f in functions):
            fail(f"{name}: a step function not named ENTRY_sN: {functions}")
        own = [int(f.rsplit("_s", 1)[1]) for f in dict.fromkeys(functions)
               if f.rsplit("_s", 1)[0] == name]
        if own != sorted(own):
            fail(f"{name}: its own steps out of order: {own}")
        parts = {c.get("at", "") for c in steps}
        if not any(p.startswith("layers.0.") for p in parts):
            fail(f"{name}: no step attributed to layers.0: {sorted(parts)}")
        # Layer 1 repeats layer 0: its steps call functions made before it.
        first = {}
        for i, c in enumerate(steps):
            first.setdefault(c["function"], c.get("at", ""))
        second = [c["function"] for c in steps
                  if c.get("at", "").startswith("layers.1.")]
        reused = sum(not first[f].startswith("layers.1.") for f in second)
        if not second or reused < 0.8 * len(second):
            fail(f"{name}: layer 1 calls {reused} earlier kernels in "
                 f"{len(second)} steps")
        plan = entry.get("workspace")
        if not plan or plan["symbol"] != f"tessel_entry_{name}_workspace":
            fail(f"{name}: no workspace function: {plan}")
        buffers = plan["buffers"]
        if not 0 < plan["slots"] < len(buffers):
            fail(f"{name}: {len(buffers)} buffers in {plan['slots']} slots")
        if sorted({b["slot"] for b in buffers}) != list(range(plan["slots"])):
            fail(f"{name}: slots used are not 0..{plan['slots'] - 1}")
        if any(b["dtype"] not in ("f32", "f16", "bf16", "i32", "i64")
               or not b.get("at") for b in buffers):
            fail(f"{name}: a buffer without dtype or model part: {buffers}")
        print(f"{name}: {len(steps)} steps of {len(set(functions))} "
              f"functions, {len(buffers)} temporaries in {plan['slots']} "
              "slots")
    text = open(report).read()
    m = re.search(r"forward: workspace (\d+) bytes for \d+ temporaries in "
                  r"\d+ slots \(without reuse: (\d+) bytes\)", text)
    if not m:
        fail(f"no workspace report in: {text!r}")
    used, unplanned = int(m.group(1)), int(m.group(2))
    if not 0 < used < unplanned:
        fail(f"workspace {used} bytes, without reuse {unplanned}")
    print(f"OK workspace {used} bytes, {unplanned / used:.2f}x less than "
          "without reuse")


if __name__ == "__main__":
    main()
