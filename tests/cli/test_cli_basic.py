"""The command line: help, version, the parameter reference, the parameter
echo of a run, and the files a run writes on 1 and 2 ranks in 1D/2D/3D."""
import json
import os

from cli_common import Checker, arguments, mpirun, run, set_parameters

args = arguments()
checker = Checker()

for option in ("--help", "--version"):
    code, out, _ = run([args.anodeless, option], cwd=args.work)
    checker.check(code == 0 and "anodeless" in out, f"{option}: exit {code}")

code, prm_text, _ = run([args.anodeless, "--print-parameters"], cwd=args.work)
checker.check(code == 0 and "subsection Stack" in prm_text, "--print-parameters")
code, json_text, _ = run([args.anodeless, "--print-parameters", "json"],
                         cwd=args.work)
tree = json.loads(json_text)
checker.check("Stack" in tree and "Materials" in tree, "json has subsections")
code, md_text, _ = run([args.anodeless, "--print-parameters", "markdown"],
                       cwd=args.work)
checker.check(code == 0 and "| parameter | default |" in md_text, "markdown")

# Every documented parameter states a unit or says it has none, and every
# material value carries a source tag.
def entries(node, path=""):
    for key, value in node.items():
        if isinstance(value, dict) and "documentation" in value:
            yield path + key, value
        elif isinstance(value, dict):
            yield from entries(value, path + key + "/")

for path, entry in entries(tree):
    doc = entry["documentation"]
    checker.check(len(doc) > 10, f"{path}: no documentation")
    if path.startswith("Materials/"):
        checker.check(any(tag in doc for tag in ("[V]", "[R]", "[D]", "[A]", "[P]")),
                      f"{path}: no source tag in {doc!r}")

# Round trip through a run: the defaults, run as a file, are echoed unchanged.
defaults = os.path.join(args.work, "defaults.prm")
open(defaults, "w").write(prm_text)
out = os.path.join(args.work, "defaults_run")
code, _, err = run([args.anodeless, "--output", out, defaults], cwd=args.work)
checker.check(code == 0, f"defaults run: {err}")
echoed = open(os.path.join(out, "parameters.prm")).read()
checker.check(echoed == prm_text, "parameters.prm echoes the defaults exactly")
checker.check(open(os.path.join(out, "original.prm")).read() == prm_text,
              "original.prm is the input")

# A run writes the mesh, its record and the summary; layer volumes agree.
# (No cycles: the mesh and its bookkeeping only.)
example = os.path.join(args.work, "mesh_only.prm")
with open(example, "w") as f:
    f.write(set_parameters(open(os.path.join(args.source, "parameter_files",
                                             "patent_example.prm")).read(),
                           {"Protocol/Number of cycles": 0}))
for dim in (1, 2, 3):
    totals = {}
    for ranks in (1, 2):
        out = os.path.join(args.work, f"example_{dim}d_np{ranks}")
        code, stdout, err = run(mpirun(ranks, [args.anodeless, "--dim", str(dim),
                                               "--output", out, example]),
                                cwd=args.work)
        checker.check(code == 0, f"{dim}D np={ranks}: exit {code}: {err}")
        for name in ("mesh.pvd", "summary.json", "parameters.json",
                     "original.prm", "parameters.prm"):
            checker.check(os.path.exists(os.path.join(out, name)),
                          f"{dim}D np={ranks}: {name} missing")
        pvtu = [f for f in os.listdir(out)
                if f.startswith("mesh") and f.endswith(".pvtu")]
        vtu = [f for f in os.listdir(out)
               if f.startswith("mesh") and f.endswith(".vtu")]
        checker.check(len(pvtu) == 1, f"{dim}D np={ranks}: one pvtu record")
        expected_pieces = ranks if dim > 1 else 1
        checker.check(len(vtu) == expected_pieces,
                      f"{dim}D np={ranks}: {len(vtu)} vtu pieces, "
                      f"expected {expected_pieces}")
        summary = json.load(open(os.path.join(out, "summary.json")))
        checker.check(summary["status"] == "completed", "status")
        area = summary["lateral area [m^(dim-1)]"]
        for layer in summary["stack"]:
            volume = layer["mesh volume [m^dim]"]
            expected = layer["thickness [m]"] * area
            checker.check(abs(volume - expected) <= 1e-12 * expected,
                          f"{dim}D np={ranks} {layer['layer']}: volume {volume} "
                          f"vs {expected}")
        totals[ranks] = [l["mesh volume [m^dim]"] for l in summary["stack"]]
        checker.check("Halide layer" in stdout, f"{dim}D: stack table printed")
    checker.check(all(abs(a - b) <= 1e-12 * abs(a)
                      for a, b in zip(totals[1], totals[2])),
                  f"{dim}D: layer volumes equal on 1 and 2 ranks")
checker.finish()
