#!/usr/bin/python3
"""The patent's four cells as shipped, against stored values.

Shortened protocol: each shipped input (patent_example, comparative_1_no_halide,
comparative_2_no_carbon, comparative_3_slurry_halide) runs in 1D with
'Protocol/Number of cycles = 3' (the 0.1C formation cycle and two 0.33C
cycles), everything else as shipped. Compared with
tests/cli/patent_cells_reference.json:

  status, and for a short: criterion and cycle      exactly
  time of a short                                     1 % relative
  first charge and first discharge capacity           0.5 % relative
  first-cycle efficiency                              0.2 points
  retention of cycle 3 (over cycle 2)                 0.2 points
  number of completed cycles                          exactly

Full protocol: the Example over its 51 cycles in 1D ends 'completed' with 51
cycles, and its Li inventory is conserved to 1e-10 relative.

The stored values are the model's own (the patent's numbers are compared in
doc/validation.md, not here); the test guards against unintended changes.
After an intended change of the model or of the shipped inputs (e.g. a new
calibration by scripts/calibrate), rewrite them and review the diff:

    tests/cli/test_patent_cells.py --anodeless build/anodeless --source . \\
        --work /tmp/patent_cells --update

Run time about one minute (the full Example run dominates).
"""
import argparse
import hashlib
import json
import os

from cli_common import Checker, arguments, run, set_parameters

CELLS = ["patent_example", "comparative_1_no_halide",
         "comparative_2_no_carbon", "comparative_3_slurry_halide"]
CYCLES = 3
RELATIVE = {"first charge [mAh/g]": 0.005, "first discharge [mAh/g]": 0.005}
ABSOLUTE = {"first efficiency [%]": 0.2, "retention of cycle 3 [%]": 0.2}
SHORT_TIME_RELATIVE = 0.01
INVENTORY_LIMIT = 1e-10

args = arguments()
parser = argparse.ArgumentParser()
parser.add_argument("--update", action="store_true",
                    help="write the reference values instead of checking")
update = parser.parse_known_args()[0].update
checker = Checker()
reference_path = os.path.join(args.source, "tests", "cli",
                              "patent_cells_reference.json")


def shipped(name):
    return open(os.path.join(args.source, "parameter_files",
                             name + ".prm")).read()


def simulate(name, text, timeout=300):
    """Run a parameter text in 1D; return its summary (None on failure)."""
    prm = os.path.join(args.work, name + ".prm")
    out = os.path.join(args.work, name)
    with open(prm, "w") as f:
        f.write(set_parameters(text, {"Output/Field output interval": 0,
                                      "Output/Verbosity": "quiet"}))
    code, _, stderr = run([args.anodeless, "--output", out, prm],
                          cwd=args.work, timeout=timeout)
    checker.check(code == 0, f"{name}: exit {code}: {stderr[-2000:]}")
    if code != 0:
        return None
    return json.load(open(os.path.join(out, "summary.json")))


def key_numbers(summary):
    """What the reference stores for a shortened run."""
    record = summary.get("short circuit")
    short = None
    if summary["status"] == "short" and record:
        short = {"criterion": record["criterion"], "cycle": record["cycle"],
                 "time [s]": record["time [s]"]}
    # A short ends the run inside a cycle, whose entry is partial.
    cycles = [c for c in summary["cycles"]
              if short is None or c["cycle"] < short["cycle"]]
    numbers = {"status": summary["status"], "short circuit": short,
               "completed cycles": len(cycles)}
    if cycles:
        numbers["first charge [mAh/g]"] = cycles[0]["charge capacity [mAh/g]"]
        numbers["first discharge [mAh/g]"] = \
            cycles[0]["discharge capacity [mAh/g]"]
        numbers["first efficiency [%]"] = cycles[0]["efficiency [%]"]
    if len(cycles) >= 3:
        numbers["retention of cycle 3 [%]"] = cycles[2]["retention [%]"]
    numbers["Li inventory relative change"] = \
        summary["Li inventory"]["relative change"]
    return numbers


results = {}
for name in CELLS:
    text = shipped(name)
    summary = simulate(name, set_parameters(
        text, {"Protocol/Number of cycles": CYCLES}))
    if summary is None:
        continue
    results[name] = key_numbers(summary)
    results[name]["input sha256"] = hashlib.sha256(text.encode()).hexdigest()
    checker.check(abs(results[name]["Li inventory relative change"]) <=
                  INVENTORY_LIMIT,
                  f"{name}: Li inventory change "
                  f"{results[name]['Li inventory relative change']:.2e} over "
                  f"{CYCLES} cycles")
    print(f"{name}: {json.dumps(results[name])}")

if update:
    stored = {"protocol": f"1D, shipped inputs with Number of cycles = "
                          f"{CYCLES}",
              "written by": "tests/cli/test_patent_cells.py --update",
              "cells": {name: {k: v for k, v in numbers.items()
                               if k != "Li inventory relative change"}
                        for name, numbers in results.items()}}
    with open(reference_path, "w") as f:
        json.dump(stored, f, indent=2)
        f.write("\n")
    print(f"wrote {reference_path}")
else:
    reference = json.load(open(reference_path))["cells"]
    for name, numbers in results.items():
        expected = reference.get(name)
        if expected is None:
            checker.check(False, f"{name}: no stored values (run --update)")
            continue
        hint = "" if numbers["input sha256"] == expected["input sha256"] else \
            (" (the shipped input changed since the values were stored: if "
             "intended, run with --update and review the diff)")
        checker.check(numbers["status"] == expected["status"],
                      f"{name}: status {numbers['status']}, stored "
                      f"{expected['status']}{hint}")
        checker.check(numbers["completed cycles"] ==
                      expected["completed cycles"],
                      f"{name}: {numbers['completed cycles']} completed "
                      f"cycles, stored {expected['completed cycles']}{hint}")
        got, want = numbers["short circuit"], expected["short circuit"]
        checker.check((got is None) == (want is None),
                      f"{name}: short circuit {got}, stored {want}{hint}")
        if got is not None and want is not None:
            checker.check(got["criterion"] == want["criterion"] and
                          got["cycle"] == want["cycle"],
                          f"{name}: short {got['criterion']} in cycle "
                          f"{got['cycle']}, stored {want['criterion']} in "
                          f"cycle {want['cycle']}{hint}")
            checker.check(abs(got["time [s]"] - want["time [s]"]) <=
                          SHORT_TIME_RELATIVE * abs(want["time [s]"]),
                          f"{name}: short at {got['time [s]']} s, stored "
                          f"{want['time [s]']} s{hint}")
        for key, tolerance in list(RELATIVE.items()) + list(ABSOLUTE.items()):
            checker.check((key in numbers) == (key in expected),
                          f"{name}: '{key}' present {key in numbers}, stored "
                          f"{key in expected}{hint}")
            if key in numbers and key in expected:
                limit = tolerance * abs(expected[key]) if key in RELATIVE \
                    else tolerance
                checker.check(abs(numbers[key] - expected[key]) <= limit,
                              f"{name}: {key} {numbers[key]:.4f}, stored "
                              f"{expected[key]:.4f} (tolerance {limit:.3g})"
                              f"{hint}")

# The Example over its full protocol: 51 cycles, Li conserved.
summary = simulate("patent_example_full", shipped("patent_example"),
                   timeout=600)
if summary is not None:
    cycles = len(summary["cycles"])
    change = summary["Li inventory"]["relative change"]
    checker.check(summary["status"] == "completed" and cycles == 51,
                  f"full Example: status {summary['status']} after {cycles} "
                  "cycles, expected completed after 51")
    checker.check(abs(change) <= INVENTORY_LIMIT,
                  f"full Example: Li inventory change {change:.2e} over "
                  f"{cycles} cycles")
    print(f"full Example: {summary['status']}, {cycles} cycles, Li inventory "
          f"change {change:.1e}, wall "
          f"{summary['solver statistics']['wall time [s]']:.1f} s")
checker.finish()
