"""Checkpoint and restart of whole runs of the executable.

--case 1d  Example in 1D, 2 cycles: a run stopped by SIGTERM in the middle
           of the second charge and resumed, and a run killed by SIGKILL
           between checkpoints and resumed, give the same time series and
           summary as a straight run (to 1e-12 relative to each column's
           scale; in 1D they are in fact identical), with no duplicated or
           missing rows. A forced solver failure exits with code 3, the
           message, status 'failed' and a checkpoint from which a run
           without the forced failure completes the same way. Resuming with
           a changed parameter, or with Resume = always and no checkpoint,
           is refused with exit code 1 and a message naming the parameter.
--case 2d  Example in 2D (its shipped mesh), 2 cycles on 2 ranks, Newton
           to round-off, CG + AMG for the potentials: stopped by SIGTERM to
           every rank in the second charge, resumed on 2 ranks and on 1
           rank. Two straight runs on 2 ranks, and a run resumed on 2 ranks,
           are held to 1e-12 of a column's scale (measured: identical, and
           6.1e-14: the resumed run's displacement solves start from a new
           factorization where the straight run reuses one).
           With the direct solver (MUMPS) they are not: its parallel
           factorisation is scheduled by the ranks' load, and under load two
           runs differed by 1e-13 - 8e-11. A run resumed on 1 rank assembles
           in another order; its round-off (1e-14 of a column's scale) does
           not move the time grid, whose step factors come from a ladder
           (before the ladder, the rows of the fast transient after the
           plated film is stripped to its end were sampled at times shifted
           by round-off, and differed by 2e-11 - 7e-11). Held to 1e-12 too
           (measured: 4.2e-13; 1.1e-13 before the displacement's
           factorization was kept).
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import time

import numpy as np
import pandas as pd

from cli_common import Checker, arguments, mpirun, run, set_parameters

args = arguments()
parser = argparse.ArgumentParser()
parser.add_argument("--case", required=True, choices=["1d", "2d"])
case = parser.parse_known_args()[0].case
checker = Checker()
os.environ.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                  OMPI_MCA_rmaps_base_oversubscribe="1")


def prm(name, settings):
    text = open(os.path.join(args.source, "parameter_files",
                             "patent_example.prm")).read()
    base = {"Protocol/Number of cycles": "2",
            "Output/Field output interval": "0",
            "Output/Verbosity": "quiet"}
    base.update(settings)
    path = os.path.join(args.work, name + ".prm")
    with open(path, "w") as f:
        f.write(set_parameters(text, base))
    return path


def output(name):
    return os.path.join(args.work, name)


def rows_of(folder, prefix):
    try:
        with open(os.path.join(folder, "time_series.csv")) as f:
            return sum(1 for line in f if line.startswith(prefix))
    except FileNotFoundError:
        return 0


def run_until(command, folder, prefix, rows, sig, targets=None):
    """Start a run, send it a signal once the time series has more than
    'rows' rows starting with 'prefix'; return the exit code."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    start = time.time()
    while process.poll() is None and time.time() - start < 600:
        if rows_of(folder, prefix) > rows:
            if targets:
                for pid in targets(process.pid):
                    os.kill(pid, sig)
            else:
                process.send_signal(sig)
            break
        time.sleep(0.002)
    out, err = process.communicate(timeout=600)
    return process.returncode, out, err


def children(pid):
    """The ranks mpirun started (Slurm signals every task of a step itself,
    not mpirun): processes whose parent is mpirun and whose executable is
    anodeless."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
            parent = int(stat[stat.rindex(")") + 2:].split()[1])
            exe = os.path.basename(os.readlink(f"/proc/{entry}/exe"))
        except (OSError, ValueError):
            continue
        if parent == pid and exe == "anodeless":
            found.append(int(entry))
    return found


def compare(label, straight, resumed, tolerance):
    """Time series and summary of two runs agree to 'tolerance' of each
    column's (value's) scale; no duplicated or missing rows."""
    a = pd.read_csv(os.path.join(straight, "time_series.csv"))
    b = pd.read_csv(os.path.join(resumed, "time_series.csv"))
    checker.check(len(a) == len(b),
                  f"{label}: {len(b)} rows, the straight run has {len(a)}")
    checker.check(not b.duplicated(subset=["time [s]"]).any() and
                  (np.diff(b["time [s]"].values) > 0).all(),
                  f"{label}: duplicated or out-of-order rows")
    if len(a) != len(b):
        return
    checker.check((a["step kind"] == b["step kind"]).all() and
                  (a["step"] == b["step"]).all(),
                  f"{label}: the steps of the rows differ")
    worst, where = 0.0, ""
    for column in a.select_dtypes("number").columns:
        x, y = a[column].values, b[column].values
        if column == "plating focusing [-]":
            # A ratio of currents that is round-off over round-off where no
            # film is growing: compare it where Li plates.
            films = [c for c in a.columns if c.startswith("plated Li")]
            keep = (a[films].values.max(axis=1) > 1e-3)
            x, y = x[keep], y[keep]
        if column == "Li inventory change [-]":
            scale = 1.0  # a relative quantity at round-off level
        else:
            scale = max(np.abs(x).max() if len(x) else 0, 1e-300)
        difference = np.abs(x - y).max() / scale if len(x) else 0
        if difference > worst:
            worst, where = difference, column
    checker.check(worst <= tolerance,
                  f"{label}: time series differ by {worst:.3g} of the scale "
                  f"of '{where}' (allowed {tolerance:.3g})")
    ca = pd.read_csv(os.path.join(straight, "cycles.csv"))
    cb = pd.read_csv(os.path.join(resumed, "cycles.csv"))
    checker.check(list(ca["cycle"]) == list(cb["cycle"]),
                  f"{label}: cycles.csv has rows {list(cb['cycle'])}, the "
                  f"straight run {list(ca['cycle'])}")
    if len(ca) == len(cb):
        x = ca.select_dtypes("number").fillna(0).values
        y = cb.select_dtypes("number").fillna(0).values
        scale = np.maximum(np.abs(x).max(axis=0), 1e-300)
        per_cycle = (np.abs(x - y) / scale).max()
        checker.check(per_cycle <= tolerance,
                      f"{label}: cycles.csv differs by {per_cycle:.3g}")
    sa = json.load(open(os.path.join(straight, "summary.json")))
    sb = json.load(open(os.path.join(resumed, "summary.json")))
    skip = {"wall time [s]", "MPI ranks", "solver statistics",
            "relative change", "input file"}
    differences = []

    def walk(x, y, path):
        if isinstance(x, dict):
            for k in x:
                if k in skip:
                    continue
                if k not in y:
                    differences.append(f"{path}/{k} missing")
                else:
                    walk(x[k], y[k], f"{path}/{k}")
        elif isinstance(x, list):
            if len(x) != len(y):
                differences.append(f"{path}: {len(x)} vs {len(y)} entries")
            for i, (u, v) in enumerate(zip(x, y)):
                walk(u, v, f"{path}[{i}]")
        elif isinstance(x, float) or isinstance(x, int) and \
                not isinstance(x, bool):
            if abs(x - y) > tolerance * max(abs(x), abs(y), 1e-300) and \
                    abs(x - y) > 1e-14:
                differences.append(f"{path}: {x} vs {y}")
        elif x != y:
            differences.append(f"{path}: {x} vs {y}")

    walk(sa, sb, "summary")
    checker.check(not differences,
                  f"{label}: summaries differ: {differences[:5]}")
    print(f"{label}: {len(b)} rows, largest difference {worst:.2g} "
          f"of a column's scale ('{where}')")
    return worst


def status(folder):
    try:
        return json.load(open(os.path.join(folder, "summary.json")))["status"]
    except (OSError, ValueError, KeyError):
        return "no summary.json"


anodeless = args.anodeless
if case == "1d":
    every = {"Checkpoint/Every steps": "50"}
    straight = output("straight")
    code, _, err = run([anodeless, "--output", straight,
                        prm("straight", every)], cwd=args.work)
    checker.check(code == 0, f"straight run: exit {code}: {err}")

    # SIGTERM in the middle of the second charge: checkpoint, exit 4.
    stopped = output("sigterm")
    file = prm("sigterm", every)
    code, out, err = run_until([anodeless, "--output", stopped, file],
                               stopped, "charge,2,", 30, signal.SIGTERM)
    checker.check(code == 4, f"SIGTERM: exit {code} (expected 4): {err}")
    checker.check(status(stopped) == "stopped",
                  f"SIGTERM: status {status(stopped)}")
    checker.check(os.path.exists(os.path.join(stopped, "checkpoint.bin")),
                  "SIGTERM: no checkpoint.bin")
    checker.check(rows_of(stopped, "charge,2,") < rows_of(straight, "charge,2,"),
                  "SIGTERM: the run was not stopped in the second charge")
    code, out, err = run([anodeless, "--output", stopped, file], cwd=args.work)
    checker.check(code == 0, f"resume after SIGTERM: exit {code}: {err}")
    compare("SIGTERM + resume", straight, stopped, 1e-12)

    # SIGKILL between checkpoints: the resume starts at the last complete
    # one and the rows written after it are replaced.
    killed = output("sigkill")
    file = prm("sigkill", every)
    code, out, err = run_until([anodeless, "--output", killed, file],
                               killed, "charge,2,", 75, signal.SIGKILL)
    checker.check(code == -signal.SIGKILL, f"SIGKILL: exit {code}")
    rows_before = rows_of(killed, "")
    code, out, err = run([anodeless, "--output", killed, file,
                          ], cwd=args.work)
    checker.check(code == 0, f"resume after SIGKILL: exit {code}: {err}")
    compare("SIGKILL + resume", straight, killed, 1e-12)
    print(f"SIGKILL after {rows_before} rows")

    # A damaged newest checkpoint: the previous one is used.
    damaged = output("damaged")
    shutil.rmtree(damaged, ignore_errors=True)
    code, _, err = run_until([anodeless, "--output", damaged,
                              prm("damaged", every)],
                             damaged, "charge,2,", 75, signal.SIGKILL)
    newest = os.path.join(damaged, "checkpoint.bin")
    checker.check(os.path.exists(os.path.join(damaged,
                                              "checkpoint.previous.bin")),
                  "the previous checkpoint is not kept")
    with open(newest, "r+b") as f:
        f.truncate(os.path.getsize(newest) // 2)
    code, out, err = run([anodeless, "--output", damaged,
                          prm("damaged", every)], cwd=args.work)
    checker.check(code == 0, f"resume from the previous checkpoint: exit "
                  f"{code}: {err}")
    compare("truncated checkpoint + resume", straight, damaged, 1e-12)

    # A changed parameter is refused, naming it; nothing is overwritten.
    changed = prm("sigkill", dict(every, **{"Stack/Carbon layer/Thickness":
                                            "12e-6"}))
    before = open(os.path.join(killed, "parameters.prm")).read()
    code, _, err = run([anodeless, "--output", killed, changed],
                       cwd=args.work)
    checker.check(code == 1 and "Stack/Carbon layer/Thickness" in err and
                  "Checkpoint/Resume" in err,
                  f"changed parameter: exit {code}: {err}")
    checker.check(open(os.path.join(killed, "parameters.prm")).read() == before,
                  "a refused resume overwrote parameters.prm")
    code, _, err = run([anodeless, "--output", output("none"),
                        prm("always", {"Checkpoint/Resume": "always"})],
                       cwd=args.work)
    checker.check(code == 1 and "holds no complete checkpoint" in err,
                  f"Resume = always without a checkpoint: exit {code}: {err}")

    # Forced solver failure: exit 3, the message, status 'failed', and a
    # checkpoint from which the run completes.
    failed = output("failed")
    code, out, err = run([anodeless, "--output", failed,
                          prm("failed", dict(every, **{
                              "Checkpoint/Forced failure at time step":
                                  "700"}))], cwd=args.work)
    checker.check(code == 3 and "did not converge" in err and
                  "step" in err and "t = " in err,
                  f"forced failure: exit {code}: {err}")
    message = err.strip()
    checker.check(status(failed) == "failed",
                  f"forced failure: status {status(failed)}")
    checker.check(os.path.exists(os.path.join(failed, "checkpoint.bin")),
                  "forced failure: no checkpoint")
    code, out, err = run([anodeless, "--output", failed,
                          prm("failed", every)], cwd=args.work)
    checker.check(code == 0, f"resume after the failure: exit {code}: {err}")
    compare("failure + resume", straight, failed, 1e-12)
    print("forced failure:", message[:300])
else:
    # The shipped Example's 2D mesh (20 um wide, 20 lateral cells).
    window = {"Dimension": "2", "Checkpoint/Every steps": "200",
              # Newton to round-off, so that what is compared is the
              # restart and not the solver tolerance.
              "Electrochemistry/Solver/Residual tolerance": "3e-11",
              "Electrochemistry/Solver/Update tolerance": "1e-14",
              # MUMPS schedules its parallel factorisation by the ranks'
              # load, so two 2-rank runs with the direct solver differ in
              # round-off; CG + AMG on a fixed partition does not.
              "Electrochemistry/Solver/Linear solver": "iterative"}
    straight, again = output("straight"), output("straight_again")
    for folder in (straight, again):
        code, _, err = run(mpirun(2, [anodeless, "--output", folder,
                                      prm("straight", window)]),
                           cwd=args.work, timeout=900)
        checker.check(code == 0, f"straight run on 2 ranks: exit {code}: {err}")
    # Same partition, same order of operations: identical runs.
    tolerance = 1e-12
    compare("2 ranks, straight twice", straight, again, tolerance)
    stopped = output("sigterm")
    file = prm("sigterm", window)
    code, _, err = run_until(mpirun(2, [anodeless, "--output", stopped, file]),
                             stopped, "charge,2,", 20, signal.SIGTERM,
                             targets=children)
    checker.check(code == 4, f"SIGTERM to the ranks: mpirun exit {code} "
                  f"(expected 4): {err}")
    checker.check(status(stopped) == "stopped",
                  f"SIGTERM: status {status(stopped)}")
    copy = output("sigterm_1rank")
    shutil.copytree(stopped, copy)
    code, _, err = run(mpirun(2, [anodeless, "--output", stopped, file]),
                       cwd=args.work, timeout=900)
    checker.check(code == 0, f"resume on 2 ranks: exit {code}: {err}")
    compare("2 ranks, SIGTERM, resumed on 2 ranks", straight, stopped,
            tolerance)
    code, _, err = run([anodeless, "--output", copy, file], cwd=args.work,
                       timeout=900)
    checker.check(code == 0, f"resume on 1 rank: exit {code}: {err}")
    # Another partition, another order of sums: round-off only.
    compare("2 ranks, SIGTERM, resumed on 1 rank", straight, copy, tolerance)
checker.finish()
