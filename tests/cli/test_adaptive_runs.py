"""Runs with an adaptive mesh (2D Example, mechanics included, in a 10 um
window, a 1C charge into Li plating and a discharge, the mesh adapted every
5 steps, one level; the electrochemical and the mechanical states follow
each change of the mesh):

- on 1 and 2 ranks the time series agree to 1e-8 of each column's scale
  (measured 2e-13: the meshes are the same). The margin is for the
  round-off of the parallel sums and of MUMPS under load, amplified where a
  film is stripped to its end: 3e-8 with two levels in a 20 um window
  (see cli_restart_2d);
- the mesh changes (adaptations > 0, cells at the end differ from the
  layer mesh's) and the Li inventory stays closed to 1e-10 over the run;
- a run stopped by a forced solver failure (exit code 3, a checkpoint of
  the adapted mesh) resumes on the other rank count, on the same adapted
  mesh, and ends like the straight run (1e-8);
- the adapted run's capacities are within 1 % of the layer mesh's, its
  stack pressure within 1e-3 (measured 7e-9: the state is laterally
  almost uniform);
- in a 20 um window with one conducting LiF spot (mechanics off, 5 min at
  1C), Li nucleates on the adapted mesh in one event like on the layer
  mesh, and the Li plated by the end of the charge agrees to 1e-3
  (measured 6e-4). Without the plating's nucleation window the points of
  the interface, a few hundredths of a mV apart, nucleated one group after
  another: 13 events on the adapted mesh, 10 on the layer mesh, and the
  adapted mesh plated 1.5e-3 less than the layer mesh.
"""
import json
import os

import numpy as np
import pandas as pd

from cli_common import Checker, arguments, mpirun, run, set_parameters

args = arguments()
checker = Checker()
example = open(os.path.join(args.source, "parameter_files",
                            "patent_example.prm")).read()

settings = {
    "Dimension": "2",
    "Protocol/First cycle steps":
        "Charge at 1C for 20 min; Discharge at 1C until 3.0 V",
    "Protocol/Number of cycles": "1",
    "Output/Field output interval": "0",
    "Output/Verbosity": "quiet",
    "Mesh refinement/Adaptive": "true",
    "Mesh refinement/Interval": "5",
    "Mesh refinement/Maximum level": "1",
    "Stack/Lateral width": "10e-6",
    "Stack/Lateral cells": "10",
}


def start(name, ranks, extra=None, allowed=(0,)):
    path = os.path.join(args.work, name + ".prm")
    with open(path, "w") as f:
        f.write(set_parameters(example, {**settings, **(extra or {})}))
    out = os.path.join(args.work, name)
    command = [args.anodeless, "--output", out, path]
    code, stdout, stderr = run(mpirun(ranks, command) if ranks > 1
                               else command, args.work, timeout=600)
    checker.check(code in allowed,
                  f"{name}: exit code {code}: {stderr[-2000:]}")
    return out


def compare(label, a_dir, b_dir, tolerance):
    a = pd.read_csv(os.path.join(a_dir, "time_series.csv"))
    b = pd.read_csv(os.path.join(b_dir, "time_series.csv"))
    checker.check(len(a) == len(b), f"{label}: {len(a)} against {len(b)} rows")
    if len(a) != len(b):
        return
    worst, where = 0.0, ""
    for column in a.select_dtypes("number").columns:
        if column in ("plating focusing [-]", "Li inventory change [-]"):
            continue
        x, y = a[column].values, b[column].values
        scale = max(np.abs(x).max(), 1e-300)
        d = np.abs(x - y).max() / scale
        if d > worst:
            worst, where = d, column
    print(f"{label}: largest difference {worst:.3g} of the scale of "
          f"'{where}'")
    checker.check(worst <= tolerance,
                  f"{label}: time series differ by {worst:.3g} in '{where}'")


def summary(folder):
    return json.load(open(os.path.join(folder, "summary.json")))


one = start("np1", 1)
two = start("np2", 2)
compare("1 against 2 ranks", one, two, 1e-8)
s = summary(one)
stats = s["solver statistics"]
print(f"adaptations {stats['mesh adaptations']}, cells at the end "
      f"{stats['active cells']} (layer mesh {s['mesh cells']})")
checker.check(s["status"] == "completed", f"status {s['status']}")
checker.check(stats["mesh adaptations"] > 0, "the mesh was adapted")
checker.check(stats["active cells"] != s["mesh cells"],
              "the mesh at the end is not the layer mesh")
series = pd.read_csv(os.path.join(one, "time_series.csv"))
drift = np.abs(series["Li inventory change [-]"].values).max()
print(f"largest Li inventory change {drift:.3g}")
checker.check(drift <= 1e-10, f"Li inventory changed by {drift:.3g}")
films = [c for c in series.columns if c.startswith("plated Li")]
checker.check(series[films].values.max() > 0.1,
              "Li plated (the film cells were refined)")

# A forced failure at time step 30 leaves a checkpoint of the adapted mesh;
# the resume on 2 ranks (without the forced failure) ends as the straight
# run.
failed = start("resumed", 1, {"Checkpoint/Forced failure at time step": "30"},
               allowed=(3,))
checker.check(summary(failed)["status"] == "failed", "forced failure")
start("resumed", 2, {"Checkpoint/Resume": "always"})
compare("resumed on 2 ranks", one, failed, 1e-8)

# The adapted mesh against the layer mesh.
coarse = start("layer_mesh", 1, {"Mesh refinement/Adaptive": "false"})
for key in ("charge capacity [mAh/g]", "discharge capacity [mAh/g]"):
    x = summary(coarse)["cycles"][0][key]
    y = s["cycles"][0][key]
    print(f"{key}: layer mesh {x:.6g}, adapted {y:.6g}")
    checker.check(abs(x - y) <= 0.01 * x, f"{key}: {x} against {y}")
pressure = "stack pressure [MPa]"
a = pd.read_csv(os.path.join(one, "time_series.csv"))[pressure].values
b = pd.read_csv(os.path.join(coarse, "time_series.csv"))[pressure].values
checker.check(a.min() > 0 and b.min() > 0, "a stack pressure is reported")
gap = abs(a.max() - b.max()) / b.max()
print(f"largest stack pressure: layer mesh {b.max():.9g} MPa, adapted "
      f"{a.max():.9g} MPa ({gap:.2g})")
checker.check(gap <= 1e-3, f"largest stack pressure differs by {gap:.3g}")

# Nucleation on an adapted mesh against the layer mesh.
front = {"Stack/Lateral width": "20e-6", "Stack/Lateral cells": "20",
         "Protocol/First cycle steps":
             "Charge at 1C for 5 min; Discharge at 1C for 2 min",
         "Mesh refinement/Interval": "10", "Mechanics/Enabled": "false"}
runs = {"adapted": start("nucleation_adapted", 1, front),
        "layer mesh": start("nucleation_layer_mesh", 1,
                            {**front, "Mesh refinement/Adaptive": "false"})}
plated = {}
for label, folder in runs.items():
    events = [e for e in summary(folder)["events"]
              if e["kind"] == "nucleation"]
    series = pd.read_csv(os.path.join(folder, "time_series.csv"))
    end_of_charge = series[series["step kind"] == "charge"].index[-1]
    plated[label] = series[films].values[end_of_charge].sum()
    print(f"{label}: {len(events)} nucleation events, "
          f"{plated[label]:.9g} um plated by the end of the charge")
    checker.check(len(events) == 1,
                  f"{label}: Li nucleated in {len(events)} events")
gap = abs(plated["adapted"] / plated["layer mesh"] - 1)
checker.check(gap <= 1e-3, f"plated Li differs by {gap:.3g}")

checker.finish()
