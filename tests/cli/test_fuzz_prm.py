"""Input hardening: malformed variants of every shipped parameter file.

Each shipped parameter_files/**/*.prm is mutated, deterministically, into
variants that are invalid by construction (fuzz_prm_mutations.py): deleted
structural lines, keys set twice, misspelt parameter and subsection names,
garbage, extreme, NaN/inf, non-positive and unit-carrying values, malformed
spot lists, truncated files, binary junk, bad protocol steps and missing or
malformed open-circuit potential tables. Every variant is run as
`anodeless --validate FILE` and as a real start `anodeless --output DIR
FILE` (half of the starts under `mpirun -np 2`). Each run must exit with
code 1, without a crash or a timeout, with exactly one "anodeless: "
message that names the file and the parameter path (or the line) that is
wrong, and must leave no output folder.

Prints a summary line per mutation kind; WORK/messages.txt lists every
variant with the message of its --validate run. Options besides those of
cli_common: --findings DIR (where variants that fail a check are written,
with a README on how to reproduce them; default WORK/findings) and
--jobs N (runs at a time; default 4).
"""
import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

import argparse  # noqa: E402
import concurrent.futures  # noqa: E402
import glob  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

import fuzz_prm_mutations as fuzz  # noqa: E402
from cli_common import Checker, arguments, mpirun, run  # noqa: E402

TIMEOUT = 20  # seconds per run
CRASH_TEXT = ("Stacktrace", "Segmentation", "terminate called", "PETSC ERROR",
              "PETSc Error", "Process received signal", "MPI_ABORT",
              "exited on signal", "dumped core", "ORTE_ERROR_LOG")

args = arguments()
extra = argparse.ArgumentParser()
extra.add_argument("--findings", default=os.path.join(args.work, "findings"))
extra.add_argument("--jobs", type=int, default=4)
options, _ = extra.parse_known_args()
findings = os.path.abspath(options.findings)
checker = Checker()
start_time = time.monotonic()


def timed_run(command, cwd):
    """(exit code or None on timeout, stdout, stderr). The command runs
    under coreutils timeout, which stops mpirun and its ranks together."""
    for _ in range(3):
        try:
            code, out, err = run(["timeout", "-k", "5", str(TIMEOUT)] +
                                 command, cwd=cwd, timeout=TIMEOUT + 30)
        except subprocess.TimeoutExpired as e:
            return None, str(e.stdout or ""), str(e.stderr or "")
        if code not in (126, 127):
            break
        time.sleep(10)  # the executable is being replaced by a build
    if code in (124, 137):
        return None, out, err
    return code, out, err


# The declared parameters, and the shipped inputs (which must be valid).
code, json_text, err = run([args.anodeless, "--print-parameters", "json"],
                           cwd=args.work)
checker.check(code == 0, f"--print-parameters json: exit {code}: {err}")
tree = json.loads(json_text)
shipped = sorted(glob.glob(os.path.join(args.source, "parameter_files", "**",
                                        "*.prm"), recursive=True))
checker.check(len(shipped) >= 4, f"found {len(shipped)} shipped inputs")
sources = {}
for prm in shipped:
    code, _, err = run([args.anodeless, "--validate", prm], cwd=args.work)
    checker.check(code == 0, f"{prm} is not valid to start with: {err}")
    sources[os.path.relpath(prm, args.source)] = open(prm).read()

variants = fuzz.generate(sources, tree)
checker.check(len(variants) >= 200, f"only {len(variants)} variants")

# Half of the real starts (every other variant of each kind) run on two
# ranks, the rest serially.
per_kind = {}
for variant in variants:
    number = per_kind.get(variant.kind, 0)
    per_kind[variant.kind] = number + 1
    variant.ranks = 2 if number % 2 == 1 else 1


def materialise(variant, folder):
    """Write the variant (and the files it refers to) into folder; return
    the path of the .prm file."""
    os.makedirs(folder, exist_ok=True)
    for name, data in variant.aux.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
    prm = os.path.join(folder, variant.name + ".prm")
    with open(prm, "wb") as f:
        f.write(variant.data.replace(fuzz.DIR.encode(), folder.encode()))
    return prm


def execute(variant, mode):
    folder = os.path.join(args.work, variant.name)
    prm = os.path.join(folder, variant.name + ".prm")
    if mode == "validate":
        command = [args.anodeless, "--validate", prm]
    else:
        command = [args.anodeless, "--output", os.path.join(folder, "out"),
                   prm]
        if variant.ranks > 1:
            command = mpirun(variant.ranks, command)
    return (command,) + timed_run(command, folder)


def problems_of(variant, mode, prm, result):
    """What is wrong with how the executable treated this variant."""
    command, code, out, err = result
    problems = []
    if code is None:
        return [f"timed out after {TIMEOUT} s"]
    if code < 0:
        problems.append(f"killed by signal {-code}")
    elif code != 1:
        problems.append(f"exit code {code}, expected 1" +
                        (" (the input was accepted)" if code == 0 else ""))
    messages = [line for line in err.splitlines()
                if line.startswith("anodeless: ")]
    stray = [line for line in out.splitlines()
             if line.startswith("anodeless: ")]
    if len(messages) != 1 or stray:
        problems.append(f"{len(messages)} messages on stderr and "
                        f"{len(stray)} on stdout, expected one on stderr")
    message = messages[0] if messages else ""
    if message:
        if prm not in message:
            problems.append("the message does not name the file")
        if variant.path is not None:
            if f"'{variant.path}'" not in message:
                problems.append(f"the message does not name "
                                f"'{variant.path}'")
            elif variant.path in variant.set_paths and \
                    "(default value)" in message:
                problems.append("the message calls a parameter that the "
                                "file sets a default value")
        elif not re.search(r"\bline \d+", message):
            problems.append("the message names no line")
        for text in variant.must_contain:
            if text not in message:
                problems.append(f"the message lacks {text!r}")
        for text in variant.must_not_contain:
            if text in message:
                problems.append(f"the message wrongly says {text!r}")
        if "\ufffd" in message or any(ord(c) < 32 and c != "\t"
                                      for c in message):
            problems.append("the message echoes raw bytes")
    for text in CRASH_TEXT:
        if text in out or text in err:
            problems.append(f"crash text {text!r} in the output")
    if mode == "start":
        folder = os.path.dirname(prm)
        if os.path.exists(os.path.join(folder, "out")):
            problems.append("an output folder was left behind")
        if os.path.exists(os.path.join(folder, "output")):
            problems.append("a default output folder was written")
    return problems


def save_finding(variant, records):
    """Write a variant that failed a check, with the files it refers to and
    what went wrong, to be reproduced in its folder."""
    folder = os.path.join(findings, variant.name)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    prm = os.path.basename(materialise(variant, folder))
    with open(os.path.join(folder, "README.txt"), "w") as f:
        f.write(f"kind: {variant.kind}\nfrom: {variant.source}\n"
                f"change: {variant.what}\n")
        if variant.path:
            f.write(f"the message must name: '{variant.path}'\n")
        for mode, result, problems in records:
            command, code, out, err = result
            if mode == "validate":
                again = f"anodeless --validate {prm}"
            else:
                again = f"anodeless --output out {prm}"
                if variant.ranks > 1:
                    again = f"mpirun -np {variant.ranks} --oversubscribe " + \
                        again
            f.write(f"\n$ cd {folder} && {again}\nexit code: {code}\n")
            f.write("problems:\n" + "".join(f"  - {p}\n" for p in problems))
            f.write("stderr:\n" + "".join(f"  | {line}\n"
                                          for line in err.splitlines()[:40]))
            if out.strip():
                f.write("stdout:\n" + "".join(
                    f"  | {line}\n" for line in out.splitlines()[:20]))


prm_paths = {}
for variant in variants:
    prm_paths[variant.name] = materialise(
        variant, os.path.join(args.work, variant.name))

with concurrent.futures.ThreadPoolExecutor(options.jobs) as pool:
    futures = {(v.name, mode): pool.submit(execute, v, mode)
               for v in variants for mode in ("validate", "start")}
    results = {key: future.result() for key, future in futures.items()}

summary = {}
# Drop the findings of an earlier run (only folders named like variants).
kinds = tuple(kind + "." for kind, _, _ in fuzz.GENERATORS)
if os.path.isdir(findings):
    for name in os.listdir(findings):
        if name.startswith(kinds):
            shutil.rmtree(os.path.join(findings, name))
log = open(os.path.join(args.work, "messages.txt"), "w")
for variant in variants:
    prm = prm_paths[variant.name]
    records, failed = [], False
    for mode in ("validate", "start"):
        result = results[(variant.name, mode)]
        problems = problems_of(variant, mode, prm, result)
        if mode == "validate":
            log.write(f"{variant.name}: {variant.what}\n  exit {result[1]}: " +
                      "\n  ".join(result[3].splitlines()[:3]) + "\n")
        label = "--validate" if mode == "validate" else \
            f"start on {variant.ranks} rank(s)"
        checker.check(not problems, f"{variant.name} ({variant.what}), "
                                    f"{label}: " + "; ".join(problems))
        records.append((mode, result, problems))
        failed = failed or bool(problems)
    if failed:
        save_finding(variant, records)
    entry = summary.setdefault(variant.kind, [0, 0, 0])
    entry[0] += 1
    entry[1] += variant.ranks > 1
    entry[2] += failed

print()
print(f"{'mutation kind':24} variants  2 ranks  failed")
for kind, _, _ in fuzz.GENERATORS:
    count, mpi, failed = summary.get(kind, [0, 0, 0])
    print(f"{kind:24} {count:8} {mpi:8} {failed:7}"
          + ("   <-- see findings" if failed else ""))
total_failed = sum(s[2] for s in summary.values())
print(f"{'total':24} {len(variants):8} "
      f"{sum(s[1] for s in summary.values()):8} {total_failed:7}")
if total_failed:
    print(f"failing variants written to {findings}")
print(f"run time {time.monotonic() - start_time:.0f} s")
checker.finish()
