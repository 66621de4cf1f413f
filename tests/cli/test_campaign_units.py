"""scripts/campaign, piece by piece: the designs (full factorial count, Latin
hypercube stratification and seed, constraints, one-at-a-time count), the
editing of .prm files (replace, insert into existing and new subsections,
never twice, the result validates), the campaign file checks, and the
collector (missing and failed runs are rows, not dropped)."""
import csv
import importlib.machinery
import importlib.util
import itertools
import json
import math
import os

from cli_common import Checker, arguments, run

PYTHON = "/usr/bin/python3"
args = arguments()
checker = Checker()
script = os.path.join(args.source, "scripts", "campaign")
loader = importlib.machinery.SourceFileLoader("campaign_script", script)
spec = importlib.util.spec_from_loader("campaign_script", loader)
campaign = importlib.util.module_from_spec(spec)
loader.exec_module(campaign)
InputFailure = campaign.InputFailure


def fails(function, *arguments_, contains=""):
    """True if function(*arguments_) raises InputFailure mentioning
    'contains'."""
    try:
        function(*arguments_)
    except InputFailure as e:
        if contains.lower() not in str(e).lower():
            print(f"  message without '{contains}': {e}")
            return False
        return True
    return False


def write(name, text):
    path = os.path.join(args.work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def load(toml_text, name="campaign.toml"):
    return campaign.Campaign(write(name, toml_text))


# --- Full factorial ----------------------------------------------------------
c = load("""
[design]
type = "full factorial"
[factors.a]
parameter = "Stack/Halide layer/Thickness"
range = [10e-9, 1000e-9]
levels = 3
scale = "log"
[factors.b]
parameter = "Stack/Carbon layer/Thickness"
values = [1e-6, 2e-6]
[factors.c]
parameter = "Mechanics/Fixture/Stack pressure"
range = [1e6, 4e6]
levels = 4
""")
points = campaign.full_factorial(c.factors)
checker.check(len(points) == 3 * 2 * 4, f"full factorial: {len(points)} "
              "points, expected 24")
checker.check(len({tuple(sorted(p.items())) for p in points}) == 24,
              "full factorial: repeated points")
checker.check(sorted({p["a"] for p in points}) == [1e-8, 1e-7, 1e-6],
              "log levels of [10 nm, 1000 nm]: "
              f"{sorted({p['a'] for p in points})}")
checker.check(sorted({p["c"] for p in points}) == [1e6, 2e6, 3e6, 4e6],
              f"linear levels: {sorted({p['c'] for p in points})}")

# --- Latin hypercube ---------------------------------------------------------
lhs_text = """
[design]
type = "latin hypercube"
samples = 17
seed = {seed}
[factors.halide]
parameter = "Stack/Halide layer/Thickness"
range = [10e-9, 990e-9]
scale = "log"
[factors.carbon]
parameter = "Stack/Carbon layer/Thickness"
range = [1e-6, 50e-6]
[factors.pressure]
parameter = "Mechanics/Fixture/Stack pressure"
range = [1e6, 10e6]
scale = "log"
"""
c = load(lhs_text.format(seed=7))
first = campaign.latin_hypercube(c.factors, c.samples, c.seed)
again = campaign.latin_hypercube(c.factors, c.samples, c.seed)
other = campaign.latin_hypercube(
    load(lhs_text.format(seed=8)).factors, 17, 8)
checker.check(len(first) == 17, f"Latin hypercube: {len(first)} samples")
checker.check(first == again, "Latin hypercube: same seed, other samples")
checker.check(first != other, "Latin hypercube: seeds 7 and 8 give the same "
              "samples")
for f in c.factors:
    low, high = f.range
    values = [p[f.name] for p in first]
    checker.check(all(low <= v <= high for v in values),
                  f"Latin hypercube: {f.name} leaves its range")
    strata = sorted(min(int(f.to_unit(v) * 17), 16) for v in values)
    checker.check(strata == list(range(17)),
                  f"Latin hypercube: {f.name} strata {strata}, expected "
                  "exactly one sample in each of 0..16")
# The columns are not all in the same order (independent permutations).
orders = [tuple(sorted(range(17), key=lambda i: first[i][f.name]))
          for f in c.factors]
checker.check(len(set(orders)) > 1, "Latin hypercube: factors are sampled "
              "in the same order")

# --- Constraints -------------------------------------------------------------
c = load("""
constraints = ["10 <= carbon / halide <= 200"]
[design]
type = "full factorial"
[factors.halide]
parameter = "Stack/Halide layer/Thickness"
values = [10e-9, 50e-9, 250e-9, 990e-9]
[factors.carbon]
parameter = "Stack/Carbon layer/Thickness"
values = [1e-6, 5e-6, 10e-6, 50e-6]
""")
kept, excluded = campaign.apply_constraints(
    campaign.full_factorial(c.factors), c.constraints)
expected = {(h, k) for h, k in itertools.product(
    [10e-9, 50e-9, 250e-9, 990e-9], [1e-6, 5e-6, 10e-6, 50e-6])
    if 10 * (1 - 1e-12) <= round(k / h, 9) <= 200 * (1 + 1e-12)}
checker.check({(p["halide"], p["carbon"]) for p in kept} == expected,
              f"constraint keeps {sorted((p['halide'], p['carbon']) for p in kept)}")
checker.check(len(kept) == 9 and len(excluded) == 7,
              f"constraint: {len(kept)} kept, {len(excluded)} excluded; "
              "expected 9 and 7")
checker.check((250e-9, 50e-6) in {(p["halide"], p["carbon"]) for p in kept},
              "a ratio exactly on the bound (50 um / 250 nm = 200) is "
              "excluded")
checker.check(all(v == ["10 <= carbon / halide <= 200"] for _, v in excluded),
              "excluded points name the constraint they violate")
names = ["halide", "carbon"]
checker.check(campaign.Constraint("carbon > 2 * halide and not halide == 0",
                                  names).holds({"halide": 1, "carbon": 3}),
              "and/not/arithmetic in a constraint")
checker.check(campaign.Constraint("log10(carbon) - log10(halide) < 2.5",
                                  names).holds({"halide": 1e-8, "carbon": 1e-6}),
              "functions in a constraint")
checker.check(fails(campaign.Constraint, "carbon / halid < 3", names,
                    contains="did you mean 'halide'"),
                    "a misspelt factor in a constraint")
checker.check(fails(campaign.Constraint, "__import__('os').getcwd()", names,
                    contains="can be called"), "a constraint that calls "
              "arbitrary code is refused")
checker.check(fails(campaign.Constraint, "carbon.real > 0", names,
                    contains="not allowed"), "attributes are refused")
checker.check(fails(campaign.Constraint, "carbon <", names,
                    contains="not an expression"), "a syntax error")

# --- One at a time -----------------------------------------------------------
c = load("""
[design]
type = "one at a time"
[factors.a]
parameter = "Stack/Halide layer/Thickness"
values = [100e-9, 250e-9, 500e-9]
[factors.b]
parameter = "Stack/Carbon layer/Thickness"
range = [2e-6, 20e-6]
levels = 4
[factors.c]
parameter = "Mechanics/Fixture/Stack pressure"
values = [1e6, 10e6]
""")
base = {"a": 250e-9, "b": 10e-6, "c": 5e6}
points = campaign.one_at_a_time(c.factors, base)
# The base point, then 2 + 4 + 2 (the base value of a is one of its levels).
checker.check(len(points) == 1 + 2 + 4 + 2,
              f"one at a time: {len(points)} points, expected 9")
checker.check(points[0] == base, "one at a time: the first point is the base")
for p in points[1:]:
    changed = [k for k in base if p[k] != base[k]]
    checker.check(len(changed) == 1, f"one at a time: {p} changes {changed}")
# Base values: from the base file where it sets them, else the defaults.
# A base file of its own (the shipped inputs change with the model).
example = """# base of the campaign tests
set Dimension = 1

subsection Stack
  subsection Halide layer
    set Material  = LiF
    set Thickness = 250e-9    # [P] [0131]
  end
  subsection Carbon layer
    set Thickness = 10e-6
  end
  subsection Separator
    set Material  = Li6PS5Cl
  end
end
"""
default_pressure = float(campaign.default_values(args.anodeless)[
    "Mechanics"]["Fixture"]["Stack pressure"]["default_value"])
values = campaign.base_values(c, campaign.PrmFile(example), args.anodeless)
checker.check(values == {"a": 250e-9, "b": 10e-6, "c": default_pressure},
              f"base values from the base file and the defaults: {values}")

# --- Editing a .prm file -----------------------------------------------------
prm = campaign.PrmFile
edited = campaign.set_parameter(example, "Stack/Halide layer/Thickness",
                                1e-7, "factor")
checker.check(prm(edited).value("Stack/Halide layer/Thickness") == "1e-07",
              "replace: the new value is read back")
before, after = example.splitlines(), edited.splitlines()
changed = [i for i, (x, y) in enumerate(zip(before, after)) if x != y]
checker.check(len(before) == len(after) and len(changed) == 1 and
              "set Thickness = 1e-07" in after[changed[0]],
              f"replace changes exactly one line: {changed}")
checker.check(after[changed[0]] == "    set Thickness = 1e-07    # factor",
              f"replace keeps the indentation: '{after[changed[0]]}'")
# Insert into an existing subsection.
edited = campaign.set_parameter(example, "Stack/Separator/Minimum cells", 5)
p = prm(edited)
checker.check(p.value("Stack/Separator/Minimum cells") == "5",
              "insert into an existing subsection")
separator = [b for b in p.blocks if b[0] == "Stack/Separator"]
line = p.sets["Stack/Separator/Minimum cells"][0]
checker.check(len(separator) == 1 and separator[0][1] < line < separator[0][2],
              "the inserted key is inside 'subsection Separator'")
# Insert with missing subsections (two levels), then a sibling key into the
# subsection just created, then a top-level key that exists.
edited = campaign.set_parameter(example, "Mechanics/Fixture/Stack pressure",
                                2e6)
edited = campaign.set_parameter(edited, "Mechanics/Fixture/Type",
                                "constant pressure")
edited = campaign.set_parameter(edited, "Protocol/Time stepping/"
                                "Maximum time step", 200.0)
edited = campaign.set_parameter(edited, "Dimension", 1)
p = prm(edited)
checker.check(p.value("Mechanics/Fixture/Stack pressure") == "2000000" and
              p.value("Mechanics/Fixture/Type") == "constant pressure" and
              p.value("Protocol/Time stepping/Maximum time step") == "200",
              "insert with new subsections: " + str(
                  {k: v[3] for k, v in p.sets.items()
                   if k.startswith(("Mechanics", "Protocol"))}))
checker.check(len([b for b in p.blocks if b[0] == "Mechanics"]) == 1 and
              len([b for b in p.blocks if b[0] == "Mechanics/Fixture"]) == 1,
              "a second key of a new subsection goes into it (not a second "
              "block)")
checker.check(edited.count("set Dimension") == 1, "Dimension set twice")
# Setting a key again replaces it: never two 'set' lines for one key.
twice = campaign.set_parameter(edited, "Mechanics/Fixture/Stack pressure",
                               3e6)
twice = campaign.set_parameter(twice, "Stack/Halide layer/Thickness", 2e-7)
twice = campaign.set_parameter(twice, "Stack/Halide layer/Thickness", 3e-7)
p = prm(twice)  # refuses a key set twice
checker.check(p.value("Mechanics/Fixture/Stack pressure") == "3000000" and
              p.value("Stack/Halide layer/Thickness") == "3e-07",
              "setting a key again replaces its value")
checker.check(twice.count("Stack pressure =") == 1 and
              twice.count("set Thickness = 3e-07") == 1,
              "a key set again appears once")
# The edited file validates with the executable (and the first version too).
for name, text in (("edited.prm", edited), ("twice.prm", twice)):
    code, out, err = run([args.anodeless, "--validate", write(name, text)],
                         cwd=args.work)
    checker.check(code == 0, f"{name} does not validate: {err.strip()}")
# Continuation lines and comments: the whole entry is replaced.
text = ("set Dimension = 1\nsubsection Protocol\n  set First cycle steps = "
        "Charge at 0.1C until 4.25 V; \\\n    Discharge at 0.1C until 3.0 V"
        "  # two lines\n  set Number of cycles = 1 # one\nend\n")
edited = campaign.set_parameter(text, "Protocol/First cycle steps",
                                "Charge at 1C until 4.2 V")
checker.check(edited.count("Discharge at 0.1C") == 0 and
              prm(edited).value("Protocol/First cycle steps") ==
              "Charge at 1C until 4.2 V", "continued line replaced whole")
checker.check(prm(edited).value("Protocol/Number of cycles") == "1",
              "a trailing comment is not part of the value")
# Whitespace in paths, a value with '#', a malformed base file.
checker.check(prm(campaign.set_parameter(
    example, " Stack /Halide  layer/ Thickness", 2e-7)).value(
        "Stack/Halide layer/Thickness") == "2e-07", "path whitespace")
checker.check(fails(campaign.set_parameter, example, "Output/Directory",
                    "a#b", contains="#"), "a value with '#' is refused")
checker.check(fails(campaign.set_parameter, example + "set Dimension = 2\n",
                    "Dimension", 1, contains="set twice"),
              "a base file that sets a key twice is refused")
checker.check(fails(campaign.set_parameter, "subsection Stack\n",
                    "Dimension", 1, contains="never closed"),
              "an unclosed subsection is refused")
checker.check(campaign.format_value(250e-9) == "2.5e-07" and
              campaign.format_value(5e6) == "5000000" and
              campaign.format_value(True) == "true" and
              campaign.format_value(3) == "3", "format_value")
checker.check(campaign.index_ranges([0, 1, 2, 5, 7, 8]) == "0-2,5,7-8",
              "index_ranges")

# --- The campaign file -------------------------------------------------------
checker.check(fails(load, """
[design]
type = "full factorial"
[factors.a]
parameter = "Stack/Halide layer/Thickness"
valeus = [1e-8]
""", contains="did you mean 'values'"), "a misspelt factor key")
checker.check(fails(load, """
[design]
type = "latin hypercube"
[factors.a]
parameter = "Stack/Halide layer/Thickness"
range = [1e-8, 1e-7]
""", contains="samples"), "a Latin hypercube without samples")
checker.check(fails(lambda: campaign.full_factorial(load("""
[design]
type = "full factorial"
[factors.a]
parameter = "Stack/Halide layer/Thickness"
range = [1e-8, 1e-7]
""").factors), contains="levels"), "a factorial range without levels")
checker.check(fails(load, """
[design]
type = "sobol"
[factors.a]
parameter = "Stack/Halide layer/Thickness"
values = [1e-8]
""", contains="full factorial"), "an unknown design")
checker.check(fails(load, """
[design]
type = "oat"
[factors.a]
parameter = "Stack/Halide layer/Thickness"
range = [0, 1e-7]
scale = "log"
levels = 3
""", contains="positive"), "a log range from 0")
checker.check(fails(load, "[design\n", contains="TOML"), "broken TOML")

# --- The collector -----------------------------------------------------------
# A campaign folder made by hand: run_000 completed, run_001 never ran,
# run_002 failed (its summary still says 'running'), run_003 stopped on a
# short circuit, run_004 has an unreadable summary.
folder = os.path.join(args.work, "collected")
os.makedirs(folder)
factors = [{"name": "carbon", "parameter": "Stack/Carbon layer/Thickness",
            "scale": "log", "unit": "um", "unit factor": 1e6,
            "label": "carbon [um]", "numeric": True, "values": None,
            "range": [1e-6, 5e-5], "levels": None}]
runs = [{"index": i, "id": f"run_00{i}", "folder": f"run_00{i}",
         "prm": f"run_00{i}/run.prm", "values": {"carbon": v}}
        for i, v in enumerate([1e-6, 2e-6, 5e-6, 1e-5, 2e-5])]
with open(os.path.join(folder, "manifest.json"), "w") as f:
    json.dump({"campaign": "hand", "factors": factors, "runs": runs,
               "constraints": [], "excluded": []}, f)


def summary(status, discharge, short=None):
    cycle = {"cycle": 1, "charge capacity [mAh/g]": 207.0,
             "discharge capacity [mAh/g]": discharge,
             "efficiency [%]": discharge / 2.07, "retention [%]": 100.0,
             "plated Li at cycle end": [
                 {"interface": "Halide layer|Carbon layer",
                  "mean thickness [m]": 1e-7, "max thickness [m]": 2e-7}],
             "stack pressure at end of charge [Pa]": 5.2e6,
             "largest separator principal stress so far [Pa]": -1.3e6}
    data = {"status": status, "cycles": [cycle],
            "solver statistics": {"wall time [s]": 1.5}}
    if short:
        data["short circuit"] = short
    return data


def make_run(name, summary_data=None, raw=None, state=None, series=None):
    path = os.path.join(folder, name)
    os.makedirs(path, exist_ok=True)
    if summary_data is not None:
        with open(os.path.join(path, "summary.json"), "w") as f:
            json.dump(summary_data, f)
    if raw is not None:
        with open(os.path.join(path, "summary.json"), "w") as f:
            f.write(raw)
    if state is not None:
        with open(os.path.join(path, "state.json"), "w") as f:
            json.dump(state, f)
    if series is not None:
        with open(os.path.join(path, "time_series.csv"), "w") as f:
            f.write(series)


make_run("run_000", summary("completed", 200.0), series=(
    "step kind,cycle,step,time [s],voltage [V],step capacity [mAh/g],"
    "plated Li Halide layer|Carbon layer [um],plated Li Carbon layer|"
    "Separator [um],stack pressure [MPa]\ninitial,1,0,0,2.5,0,0,0,5.0\n"
    "charge,1,1,10,3.6,50,12.5,0,5.6\ncharge,1,1,20,4.2,150,17.0,0.5,5.3\n"
    "discharge,1,3,30,3.5,100,3.0,0,5.1\n"
    "discharge,1,3,40,3.0,20"))  # the last row is cut short: left out
make_run("run_001")
make_run("run_002", {"status": "running", "cycles": []},
         state={"state": "failed", "runner": "local", "exit code": 3})
with open(os.path.join(folder, "run_002", "log.txt"), "w") as f:
    f.write("anodeless: the solver failed: Newton did not converge\n")
make_run("run_003", summary("short", 150.0,
                            {"criterion": "dendrite length",
                             "time [s]": 1000.0}))
make_run("run_004", raw='{"status": "compl')
rows, problems = campaign.collect_rows(folder, json.load(
    open(os.path.join(folder, "manifest.json"))))
status = {r["run"]: r["status"] for r in rows}
checker.check(status == {"run_000": "completed", "run_001": "missing",
                         "run_002": "failed", "run_003": "short",
                         "run_004": "failed"}, f"collected states: {status}")
checker.check(sorted(r["run"] for r in problems) ==
              ["run_001", "run_002", "run_004"],
              f"reported problems: {[r['run'] for r in problems]}")
by_run = {r["run"]: r for r in rows}
checker.check("Newton did not converge" in by_run["run_002"]["note"],
              f"failed run's note: {by_run['run_002']['note']}")
checker.check(by_run["run_003"]["short circuit criterion"] ==
              "dendrite length", "short-circuit criterion")
checker.check(by_run["run_000"]["short circuit criterion"] == "",
              "no short-circuit information: empty criterion")
checker.check(by_run["run_000"]["largest plated Li [um]"] == 17.0,
              "largest plated Li from the time series: "
              f"{by_run['run_000']['largest plated Li [um]']}")
checker.check(abs(by_run["run_003"]["largest plated Li [um]"] - 0.2) < 1e-12,
              "largest plated Li without a time series: from the cycle "
              f"ends: {by_run['run_003']['largest plated Li [um]']}")
checker.check(abs(by_run["run_000"]["stack pressure at end of charge [MPa]"]
                  - 5.2) < 1e-12, "stack pressure in MPa")
checker.check(by_run["run_000"]["largest stack pressure [MPa]"] == 5.6,
              "largest stack pressure from the time series: "
              f"{by_run['run_000']['largest stack pressure [MPa]']}")
checker.check(abs(by_run["run_003"]["largest stack pressure [MPa]"] - 5.2)
              < 1e-12, "largest stack pressure without a time series: from "
              "the cycle ends: "
              f"{by_run['run_003']['largest stack pressure [MPa]']}")
checker.check(math.isnan(by_run["run_001"]["first discharge capacity "
                                            "[mAh/g]"]),
              "a missing run has no outcomes")

# The command writes every run as a row and names the missing and failed.
code, out, err = run([PYTHON, script, "collect", folder], cwd=args.work)
checker.check(code == 0, f"collect: exit {code}: {err.strip()}")
with open(os.path.join(folder, "collected.csv"), newline="") as f:
    table = list(csv.DictReader(f))
checker.check([r["run"] for r in table] == [r["id"] for r in runs],
              f"collected.csv rows: {[r['run'] for r in table]}")
checker.check([r["status"] for r in table] ==
              ["completed", "missing", "failed", "short", "failed"],
              f"collected.csv statuses: {[r['status'] for r in table]}")
checker.check(all(name in out for name in ("run_001", "run_002", "run_004")),
              f"collect does not name the missing/failed runs: {out}")
checker.check("2 failed" in out and "1 missing" in out,
              f"collect counts: {out}")
for figure in ("main_effects", "voltage_curves"):
    path = os.path.join(folder, "figures", figure + ".png")
    checker.check(os.path.isfile(path) and
                  open(path, "rb").read(4) == b"\x89PNG",
                  f"{figure}.png not written")
code, out, err = run([PYTHON, script, "collect", folder, "--outcomes",
                      "bogus"], cwd=args.work)
checker.check(code == 1 and "unknown outcome" in err,
              f"an unknown outcome: exit {code}: {err.strip()}")
checker.finish()
