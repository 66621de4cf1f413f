"""scripts/campaign end to end on this machine: a 4-run 1D campaign is
planned, run with 2 jobs while one run's .prm is broken after planning (it
fails, is retried once and reported, and the exit code says so), collected
(the failed run is a row with status 'failed'), repaired and resumed (only
that run runs again), resumed once more (everything skipped) and collected:
4 rows with the planned factor values and plausible capacities. A plan with
an invalid parameter path writes nothing runnable, and the Slurm script of
the campaign is checked with --dry-run. Last, a 4-cycle run is stopped with
SIGTERM to the runner in the middle (anodeless writes a checkpoint), and
'run' again resumes it from the checkpoint to the results of a run that was
never stopped."""
import csv
import json
import math
import os
import signal
import subprocess
import time

from cli_common import Checker, arguments, run

PYTHON = "/usr/bin/python3"
args = arguments()
checker = Checker()
script = os.path.join(args.source, "scripts", "campaign")
base = os.path.join(args.source, "parameter_files", "patent_example.prm")

CAMPAIGN = """
[campaign]
name = "local test"

[design]
type = "full factorial"

[set]
"Protocol/First cycle steps" = "Charge at 0.1C until 4.25 V; Hold at 4.25 V until 0.05C; Discharge at 0.1C until 3.0 V"
"Protocol/Number of cycles" = 1
"Output/Field output interval" = 0

[factors.carbon]
parameter = "Stack/Carbon layer/Thickness"
values = [5e-6, 20e-6]
scale = "log"
unit = "um"

[factors.pressure]
parameter = "Mechanics/Fixture/Stack pressure"
values = [2e6, 8e6]
unit = "MPa"
"""
EXPECTED = [(5e-6, 2e6), (5e-6, 8e6), (20e-6, 2e6), (20e-6, 8e6)]


def campaign(*arguments_, timeout=600):
    started = time.monotonic()
    code, out, err = run([PYTHON, script] + list(arguments_), cwd=args.work,
                         timeout=timeout)
    return code, out, err, time.monotonic() - started


def write(name, text):
    path = os.path.join(args.work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


toml = write("campaign.toml", CAMPAIGN)
folder = os.path.join(args.work, "campaign")
anodeless = ["--anodeless", args.anodeless]

# --- An invalid factor path: all failures reported, nothing runnable ----------
bad = write("bad.toml", CAMPAIGN.replace("Stack/Carbon layer/Thickness",
                                         "Stack/Carbon layer/Thicknes"))
bad_folder = os.path.join(args.work, "bad")
code, out, err, _ = campaign("plan", base, bad, "--out", bad_folder,
                             *anodeless)
checker.check(code == 1, f"plan with a misspelt path: exit {code}")
for run_id in ("run_000", "run_001", "run_002", "run_003"):
    checker.check(f"invalid: {run_id}" in err,
                  f"the failure of {run_id} is not reported: {err}")
checker.check("Thicknes" in err and "4 of 4" in err,
              f"the message does not name the parameter: {err}")
checker.check(not os.path.exists(os.path.join(bad_folder, "manifest.json"))
              and not os.path.exists(os.path.join(bad_folder, "run_000")),
              "a plan that fails validation left runnable files")
code, out, err, _ = campaign("run", bad_folder, "--local")
checker.check(code == 1 and "holds no campaign" in err,
              f"run of a failed plan: exit {code}: {err.strip()}")

# --- Plan ---------------------------------------------------------------------
code, out, err, seconds = campaign("plan", base, toml, "--out", folder,
                                   *anodeless)
checker.check(code == 0, f"plan: exit {code}: {err.strip()}")
print(f"plan: {seconds:.1f} s")
manifest = json.load(open(os.path.join(folder, "manifest.json")))
planned = [(r["values"]["carbon"], r["values"]["pressure"])
           for r in manifest["runs"]]
checker.check(planned == EXPECTED, f"planned runs: {planned}")
rows = read_csv(os.path.join(folder, "manifest.csv"))
checker.check([(float(r["carbon"]), float(r["pressure"])) for r in rows] ==
              EXPECTED, f"manifest.csv: {rows}")
for r in manifest["runs"]:
    text = open(os.path.join(folder, r["prm"])).read()
    checker.check(text.count("Stack pressure =") == 1 and
                  text.count("Number of cycles") == 1,
                  f"{r['id']}: a key is set twice or not at all")

# --- Slurm script (no Slurm needed for --dry-run) ------------------------------
code, out, err, _ = campaign("run", folder, "--slurm", "--dry-run",
                             "--ranks", "2", "--time", "00:10:00",
                             "--partition", "short")
checker.check(code == 0, f"--dry-run: exit {code}: {err.strip()}")
for line in ("#SBATCH --array=0-3", "#SBATCH --ntasks=2",
             "#SBATCH --time=00:10:00", "#SBATCH --partition=short",
             "srun --mpi=pmix --ntasks=2"):
    checker.check(line in out, f"--dry-run script lacks '{line}':\n{out}")
checker.check(not os.path.exists(os.path.join(folder, "slurm")),
              "--dry-run wrote files")
code, out, err, _ = campaign("run", folder, "--slurm", "--dry-run",
                             "--time", "ten minutes")
checker.check(code == 1 and "HH:MM:SS" in err, f"bad --time: exit {code}")

# --- Run with one run broken after planning -------------------------------------
broken = os.path.join(folder, "run_002", "run.prm")
good_text = open(broken).read()
with open(broken, "a") as f:
    f.write("set Bogus parameter = 1\n")
code, out, err, seconds = campaign("run", folder, "--local", "--jobs", "2")
print(f"run with a broken run: {seconds:.1f} s")
checker.check(code == 1, f"run with a broken .prm: exit {code}, expected 1")
checker.check("failed: run_002" in err, f"run_002 not reported: {err}")
checker.check("retrying 1 failed run(s) once: run_002" in out,
              f"no retry reported: {out}")
checker.check("3 run(s) completed" in out, f"completed count: {out}")
checker.check("ETA" in out and "5/5 finished" in out and "1 to retry" in out,
              f"progress lines: {out}")
log = open(os.path.join(folder, "run_002", "log.txt")).read()
checker.check(log.count("=== attempt 1") == 2 and log.count("=== attempt 2")
              == 2 and "Bogus" in log, f"run_002/log.txt:\n{log}")
code, out, err, _ = campaign("status", folder, "--json")
states = {r["run"]: r["state"] for r in json.loads(out)["runs"]}
checker.check(states == {"run_000": "completed", "run_001": "completed",
                         "run_002": "failed", "run_003": "completed"},
              f"status: {states}")
code, out, err, _ = campaign("collect", folder, "--no-figures")
checker.check(code == 0, f"collect: exit {code}: {err.strip()}")
table = read_csv(os.path.join(folder, "collected.csv"))
checker.check([r["status"] for r in table] ==
              ["completed", "completed", "failed", "completed"],
              f"collected statuses with a failed run: "
              f"{[r['status'] for r in table]}")
checker.check("failed: run_002" in out and "Bogus" in out,
              f"collect does not report the failed run: {out}")

# --- Repair and resume: only run_002 runs ---------------------------------------
with open(broken, "w") as f:
    f.write(good_text)
logs = {r["id"]: os.path.getsize(os.path.join(folder, r["folder"], "log.txt"))
        for r in manifest["runs"]}
code, out, err, seconds = campaign("run", folder, "--local", "--jobs", "2")
print(f"resume of one run: {seconds:.1f} s")
checker.check(code == 0, f"resume: exit {code}: {err.strip()}")
checker.check("3 already done (skipped), 1 to run" in out, f"resume: {out}")
for run_id, size in logs.items():
    now = os.path.getsize(os.path.join(folder, run_id, "log.txt"))
    checker.check((now > size) == (run_id == "run_002"),
                  f"resume: log of {run_id} {size} -> {now} bytes")

# --- Resume again: everything is skipped ------------------------------------------
code, out, err, seconds = campaign("run", folder, "--local", "--jobs", "2")
checker.check(code == 0 and "4 already done (skipped), 0 to run" in out and
              "nothing to run" in out, f"second resume: exit {code}: {out}")
checker.check(seconds < 10, f"second resume took {seconds:.1f} s")

# --- Collect ---------------------------------------------------------------------
code, out, err, seconds = campaign("collect", folder)
print(f"collect: {seconds:.1f} s")
checker.check(code == 0, f"collect: exit {code}: {err.strip()}")
table = read_csv(os.path.join(folder, "collected.csv"))
checker.check(len(table) == 4, f"collected.csv has {len(table)} rows")
checker.check([(float(r["carbon"]), float(r["pressure"])) for r in table] ==
              EXPECTED, "collected factor values differ from the plan")
for r in table:
    charge = float(r["first charge capacity [mAh/g]"])
    discharge = float(r["first discharge capacity [mAh/g]"])
    efficiency = float(r["first efficiency [%]"])
    checker.check(r["status"] == "completed", f"{r['run']}: {r['status']}")
    checker.check(150 < charge < 230 and 150 < discharge <= charge,
                  f"{r['run']}: capacities {charge}, {discharge} mAh/g")
    checker.check(abs(efficiency - 100 * discharge / charge) < 1e-3,
                  f"{r['run']}: efficiency {efficiency} %")
    pressure = float(r["stack pressure at end of charge [MPa]"])
    checker.check(abs(pressure - float(r["pressure"]) * 1e-6) < 0.5,
                  f"{r['run']}: stack pressure {pressure} MPa with a "
                  f"preload of {float(r['pressure']) * 1e-6} MPa")
    checker.check(float(r["largest plated Li [um]"]) >= 0,
                  f"{r['run']}: plated Li")
# A thicker carbon layer stores more Li in the first charge and gives less
# back: the efficiency falls.
efficiency = {(float(r["carbon"]), float(r["pressure"])):
              float(r["first efficiency [%]"]) for r in table}
checker.check(efficiency[(20e-6, 2e6)] < efficiency[(5e-6, 2e6)],
              f"efficiencies: {efficiency}")
for name in ("main_effects", "map_carbon_pressure", "voltage_curves"):
    path = os.path.join(folder, "figures", name + ".png")
    checker.check(os.path.isfile(path) and
                  open(path, "rb").read(4) == b"\x89PNG" and
                  os.path.getsize(path) > 10000, f"{path} missing or empty")

# --- Stopped by a signal, resumed from the run's checkpoint ----------------------
code, out, err = run([args.anodeless, "--print-parameters"], cwd=args.work)
if "subsection Checkpoint" not in out:
    print("this anodeless writes no checkpoints: stop and resume not checked")
    checker.finish()
LONG = CAMPAIGN.replace('"Protocol/Number of cycles" = 1',
                        '"Protocol/Number of cycles" = 4').replace(
    "values = [5e-6, 20e-6]", "values = [10e-6]").replace(
    "values = [2e6, 8e6]", "values = [5e6]")
long_toml = write("long.toml", LONG)
whole, stopped = (os.path.join(args.work, name) for name in ("whole",
                                                             "stopped"))
for target in (whole, stopped):
    code, out, err, _ = campaign("plan", base, long_toml, "--out", target,
                                 *anodeless)
    checker.check(code == 0, f"plan {target}: exit {code}: {err.strip()}")
code, out, err, seconds = campaign("run", whole, "--local", "--jobs", "1")
print(f"4-cycle run: {seconds:.1f} s")
checker.check(code == 0, f"run {whole}: exit {code}: {err.strip()}")
# SIGTERM to the runner once the run has written 400 rows (of about 1900).
series = os.path.join(stopped, "run_000", "time_series.csv")
env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1",
           OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
runner = subprocess.Popen([PYTHON, script, "run", stopped, "--local",
                           "--jobs", "1"], cwd=args.work, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
deadline = time.monotonic() + 120
rows = 0
while runner.poll() is None and time.monotonic() < deadline:
    try:
        with open(series) as f:
            rows = sum(1 for _ in f)
    except OSError:
        rows = 0
    if rows >= 400:
        break
    time.sleep(0.05)
runner.send_signal(signal.SIGTERM)
try:
    out, err = runner.communicate(timeout=120)
except subprocess.TimeoutExpired:
    runner.kill()
    out, err = runner.communicate()
checker.check(rows >= 400 and runner.returncode == 130 and "stopped" in err,
              f"runner stopped at {rows} rows: exit {runner.returncode}: "
              f"{out} {err}")
checker.check(os.path.isfile(os.path.join(stopped, "run_000",
                                          "checkpoint.bin")),
              "no checkpoint after the stop")
code, out, err, _ = campaign("status", stopped, "--json")
state = json.loads(out)["runs"][0] if code == 0 else {}
checker.check(state.get("state") == "missing" and "interrupted" in
              state.get("note", ""), f"state after the stop: {state}")
code, out, err, _ = campaign("run", stopped, "--local", "--jobs", "1")
checker.check(code == 0 and "0 already done (skipped), 1 to run" in out,
              f"resume after the stop: exit {code}: {out} {err}")
log = open(os.path.join(stopped, "run_000", "log.txt")).read()
checker.check("resumed from the checkpoint" in log,
              f"the run did not resume from its checkpoint:\n{log[-2000:]}")
results = []
for target in (whole, stopped):
    code, out, err, _ = campaign("collect", target, "--no-figures")
    checker.check(code == 0, f"collect {target}: exit {code}: {err.strip()}")
    results.append(read_csv(os.path.join(target, "collected.csv"))[0])
    try:
        with open(os.path.join(target, "run_000", "time_series.csv")) as f:
            results[-1]["time_series.csv rows"] = sum(1 for _ in f)
    except OSError:
        results[-1]["time_series.csv rows"] = "missing"
for column, value in results[0].items():
    if column in ("wall time [s]", "note"):
        continue
    other = results[1][column]
    try:
        x, y = float(value), float(other)
        agree = (math.isnan(x) and math.isnan(y)) or \
            abs(x - y) <= 1e-6 * max(1.0, abs(x), abs(y))
    except (TypeError, ValueError):
        agree = value == other
    checker.check(agree, f"stopped and resumed against whole: {column} "
                  f"{other} vs {value}")
checker.check(results[0]["cycles"] == "4", f"cycles: {results[0]['cycles']}")
checker.finish()
