"""scripts/plot: the figures of a real (short) run are valid, non-blank PNG
files, optional figures appear exactly when their columns do, a run without
time steps is plotted without error, and bad run folders exit 1 with one
message."""
import csv
import json
import os
import shutil
import struct

from cli_common import Checker, arguments, run, set_parameters

PYTHON = "/usr/bin/python3"  # has matplotlib; the script needs it
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ALWAYS = ("voltage_vs_capacity", "current_voltage_vs_time",
          "capacity_efficiency_vs_cycle", "plated_li_vs_time")
OPTIONAL = {"stack_pressure_vs_time": "stack pressure",
            "short_circuit_margins_vs_time": "margin "}

args = arguments()
checker = Checker()
plot = os.path.join(args.source, "scripts", "plot")
example = open(os.path.join(args.source, "parameter_files",
                            "patent_example.prm")).read()


def simulate(name, protocol):
    """Run the Example with the Protocol parameters of the dict protocol."""
    prm = os.path.join(args.work, name + ".prm")
    with open(prm, "w") as f:
        f.write(set_parameters(example, {"Protocol/" + key: value
                                         for key, value in protocol.items()}))
    out = os.path.join(args.work, name)
    code, _, err = run([args.anodeless, "--output", out, prm], cwd=args.work)
    checker.check(code == 0, f"{name}: anodeless exit {code}: {err.strip()}")
    return out


def plot_run(folder, *options):
    return run([PYTHON, plot, folder] + list(options), cwd=args.work)


def written(stdout):
    return [line[len("wrote "):] for line in stdout.splitlines()
            if line.startswith("wrote ")]


def png_size(path):
    """(width, height) of a PNG file, or None if it is not one."""
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != PNG_MAGIC or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def check_png(path, label):
    if not os.path.isfile(path):
        checker.check(False, f"{label}: {path} missing")
        return
    size = png_size(path)
    checker.check(size is not None, f"{label}: {path} is not a PNG file")
    checker.check(os.path.getsize(path) > 10000,
                  f"{label}: {path} has only {os.path.getsize(path)} bytes")
    if size:
        checker.check(size[0] >= 600 and size[1] >= 400,
                      f"{label}: {path} is {size[0]} x {size[1]} pixels")


def pixels_near(path, rgb, tolerance=0.06):
    """How many pixels of a PNG have about the colour rgb (0..255)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.image
    import numpy
    image = matplotlib.image.imread(path)[..., :3]
    target = numpy.array(rgb) / 255.0
    return int((numpy.abs(image - target).max(axis=-1) < tolerance).sum())


def header_of(folder):
    with open(os.path.join(folder, "time_series.csv"), newline="") as f:
        return next(csv.reader(f))


# A short real run of two cycles: a partial first charge that fills the carbon
# layer and plates Li, then a cycle with a rest step.
short = simulate("short", {
    "First cycle steps": "Charge at 0.1C for 2 hours; Discharge at 0.1C "
                         "until 3.0 V",
    "Number of cycles": "2",
    "Cycle steps": "Charge at 1C for 15 minutes; Rest for 10 minutes; "
                   "Discharge at 1C until 3.0 V"})
columns = header_of(short)

code, out, err = plot_run(short)
checker.check(code == 0, f"plot of the run: exit {code}: {err.strip()}")
checker.check("Traceback" not in err, f"plot of the run: {err.strip()}")
figures = os.path.join(short, "figures")
files = written(out)
for stem in ALWAYS:
    path = os.path.join(figures, stem + ".png")
    checker.check(path in files, f"{stem}.png not in the printed list: {out}")
    check_png(path, "default output")
for stem, prefix in OPTIONAL.items():
    path = os.path.join(figures, stem + ".png")
    if any(name.startswith(prefix) for name in columns):
        checker.check(path in files, f"{stem}.png not written although "
                      f"columns '{prefix}...' exist")
        check_png(path, "default output")
    else:
        checker.check(not os.path.exists(path), f"{path} written without data")
        checker.check(any(line.startswith("skipped " + stem)
                          for line in out.splitlines()),
                      f"{stem}: skip not reported in {out!r}")
for path in files:
    checker.check(os.path.isfile(path), f"printed {path} does not exist")

# The voltage curves are drawn, one colour per cycle (tab10 blue, orange).
voltage_png = os.path.join(figures, "voltage_vs_capacity.png")
if os.path.isfile(voltage_png):
    for cycle, rgb in ((1, (31, 119, 180)), (2, (255, 127, 14))):
        count = pixels_near(voltage_png, rgb)
        checker.check(count > 500, f"cycle {cycle} curve: {count} pixels "
                      "of its colour in voltage_vs_capacity.png")

# --output puts the figures elsewhere; pdf is accepted.
elsewhere = os.path.join(args.work, "elsewhere")
code, out, err = plot_run(short, "--output", elsewhere)
checker.check(code == 0, f"--output: exit {code}: {err.strip()}")
for stem in ALWAYS:
    check_png(os.path.join(elsewhere, stem + ".png"), "--output")
code, out, err = plot_run(short, "--output", elsewhere, "--format", "pdf")
checker.check(code == 0, f"--format pdf: exit {code}: {err.strip()}")
for stem in ALWAYS:
    path = os.path.join(elsewhere, stem + ".pdf")
    checker.check(os.path.isfile(path) and
                  open(path, "rb").read(5) == b"%PDF-", f"{path} is no PDF")

# Optional columns (mechanics, short circuits) give their figures; a row cut
# short at the end of the file (a run still writing) is left out.
extended = os.path.join(args.work, "extended")
shutil.copytree(short, extended, ignore=shutil.ignore_patterns("figures"))
with open(os.path.join(short, "time_series.csv"), newline="") as f:
    rows = list(csv.reader(f))
# The run writes the stack pressure itself when the mechanics is on; margin
# columns are added here.
extra = [name for name in ("stack pressure [MPa]", "margin dendrite length [-]",
                           "margin separator strain [-]")
         if name not in rows[0]]
values = {"stack pressure [MPa]": lambda k: f"{5 + 1e-3 * k:.6e}",
          "margin dendrite length [-]": lambda k: f"{1 - 1e-3 * k:.6e}",
          "margin separator strain [-]": lambda k: "0.5"}
with open(os.path.join(extended, "time_series.csv"), "w", newline="") as f:
    writer = csv.writer(f, lineterminator="\n")
    writer.writerow(rows[0] + extra)
    for k, row in enumerate(rows[1:]):
        writer.writerow(row + [values[name](k) for name in extra])
    f.write(rows[1][0] + "," + rows[1][1])
# Nucleation events of the summary are marked (in tab:red, a colour the
# figure uses for nothing else).
summary_path = os.path.join(extended, "summary.json")
summary = json.load(open(summary_path))
summary["events"] = [{"kind": "nucleation", "time [s]": 1800.0 * k,
                      "cycle": 1, "step": 1, "interfaces": []}
                     for k in (1, 2, 3)]
json.dump(summary, open(summary_path, "w"))
code, out, err = plot_run(extended)
checker.check(code == 0, f"extended columns: exit {code}: {err.strip()}")
for stem in ALWAYS + tuple(OPTIONAL):
    check_png(os.path.join(extended, "figures", stem + ".png"),
              "extended columns")
checker.check("incomplete row" in err, f"cut row not reported: {err!r}")
plated_png = os.path.join(extended, "figures", "plated_li_vs_time.png")
if os.path.isfile(plated_png):
    count = pixels_near(plated_png, (214, 39, 40))
    checker.check(count > 200, f"nucleation events: {count} marker pixels")

# A run without time steps: nothing to draw, no error.
empty_run = simulate("no_steps", {"Number of cycles": "0"})
code, out, err = plot_run(empty_run)
checker.check(code == 0, f"run without time steps: exit {code}: {err.strip()}")
checker.check("Traceback" not in err, f"run without time steps: {err}")
checker.check(written(out) == [], f"run without time steps wrote {out!r}")
checker.check("skipped voltage_vs_capacity" in out,
              f"run without time steps: skips not reported: {out!r}")

# Bad run folders: exit 1, one line on stderr naming the problem.
def bad_folder(name, keep, csv_text=None):
    folder = os.path.join(args.work, name)
    os.makedirs(folder)
    for file in keep:
        shutil.copy(os.path.join(short, file), folder)
    if csv_text is not None:
        with open(os.path.join(folder, "time_series.csv"), "w") as f:
            f.write(csv_text)
    return folder


cases = [
    ("missing_folder", os.path.join(args.work, "does_not_exist"),
     "does not exist"),
    ("no_time_series", bad_folder("no_time_series", ["summary.json"]),
     "time_series.csv"),
    ("no_summary", bad_folder("no_summary", ["time_series.csv"]),
     "summary.json"),
    ("empty_csv", bad_folder("empty_csv", ["summary.json"], ""), "empty"),
    ("blank_csv", bad_folder("blank_csv", ["summary.json"], "\n\n"), "empty"),
    ("bad_format", short, "--format"),
]
for name, folder, expected in cases:
    options = ["--format", "gif"] if name == "bad_format" else []
    code, out, err = plot_run(folder, *options)
    lines = [line for line in err.splitlines() if line.strip()]
    checker.check(code == 1, f"{name}: exit {code}, expected 1")
    checker.check(lines and "error" in lines[-1] and expected in lines[-1],
                  f"{name}: message {err!r} does not mention {expected!r}")
    checker.check("Traceback" not in err, f"{name}: traceback: {err}")
    if name != "bad_format":
        checker.check(len(lines) == 1, f"{name}: {len(lines)} lines: {err!r}")
        checker.check(not os.path.exists(os.path.join(folder, "figures")),
                      f"{name}: a figures folder was created")
checker.finish()
