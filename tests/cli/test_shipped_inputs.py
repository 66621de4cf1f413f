"""Every shipped parameter file validates in 1D, 2D and 3D, and the
comparative examples differ from the Example only where the patent says."""
import glob
import json
import os

from cli_common import Checker, arguments, run, set_parameters

args = arguments()
checker = Checker()
files = sorted(glob.glob(os.path.join(args.source, "parameter_files", "**",
                                      "*.prm"), recursive=True))
checker.check(len(files) >= 4, f"found {len(files)} shipped inputs")
for prm in files:
    for dim in ("1", "2", "3"):
        code, out, err = run([args.anodeless, "--validate", "--dim", dim, prm],
                             cwd=args.work)
        checker.check(code == 0, f"{prm} --dim {dim}: exit {code}: {err.strip()}")


def parsed(name):
    """The full parameter set of a shipped file, via a validated mesh-only
    run's parameters.json, flattened to {path: value}."""
    out = os.path.join(args.work, name)
    prm = os.path.join(args.work, name + ".prm")
    text = open(os.path.join(args.source, "parameter_files", name + ".prm")).read()
    with open(prm, "w") as f:
        f.write(set_parameters(text, {"Protocol/Number of cycles": 0}))
    code, _, err = run([args.anodeless, "--output", out, prm], cwd=args.work)
    checker.check(code == 0, f"{name}: run failed: {err}")
    tree = json.load(open(os.path.join(out, "parameters.json")))
    flat = {}

    def walk(node, path):
        for key, value in node.items():
            if isinstance(value, dict) and "value" in value and \
                    "documentation" in value:
                flat[path + key] = value["value"]
            elif isinstance(value, dict):
                walk(value, path + key + "/")
    walk(tree, "")
    return flat


example = parsed("patent_example")
# (Number of cycles is set to 0 for these mesh-only runs in all four.)
expected_differences = {
    "comparative_1_no_halide": {"Stack/Halide layer/Thickness"},
    "comparative_2_no_carbon": {"Stack/Carbon layer/Thickness"},
    "comparative_3_slurry_halide": {"Stack/Halide layer/Thickness",
                                    "Stack/Halide layer/Material"},
}
for name, expected in expected_differences.items():
    other = parsed(name)
    differing = {k for k in example if example[k] != other.get(k)}
    checker.check(differing == expected,
                  f"{name} differs from the Example in {sorted(differing)}, "
                  f"expected {sorted(expected)}")
checker.finish()
