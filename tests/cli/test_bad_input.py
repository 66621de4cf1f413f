"""Bad inputs: each must exit 1 with one message on one rank that names the
parameter (or the file), and must leave no output folder behind."""
import os

from cli_common import Checker, arguments, mpirun, run

args = arguments()
checker = Checker()
example = open(os.path.join(args.source, "parameter_files",
                            "patent_example.prm")).read()


def replace(old, new):
    assert old in example, old
    return example.replace(old, new, 1)


# (name, file text or None for a missing file, extra options, what the
# message must contain)
cases = [
    ("unknown_parameter", example + "set Dimensions = 2\n", [],
     "'Dimensions'"),
    ("subsection_typo", replace("subsection Separator", "subsection Seperator"),
     [], "Did you mean 'Separator'"),
    ("negative_thickness", replace("set Thickness = 50e-6", "set Thickness = -50e-6"),
     [], "Stack/Separator/Thickness"),
    ("absurd_thickness", replace("set Thickness = 50e-6", "set Thickness = 2e-3"),
     [], "Stack/Separator/Thickness"),
    ("unknown_material", replace("set Material  = SUS304", "set Material  = Steel"),
     [], "Stack/Anode current collector/Material"),
    ("missing_file", None, [], "cannot open the parameter file"),
    ("non_numeric", replace("set Thickness = 10e-6     # [P] [0132]",
                            "set Thickness = ten microns"),
     [], "Stack/Carbon layer/Thickness"),
    ("nan_value", replace("set Lateral width = 20e-6", "set Lateral width = nan"),
     [], "Stack/Lateral width"),
    ("no_cathode", replace("set Thickness = 66e-6", "set Thickness = 0"),
     [], "Stack/Cathode/Thickness"),
    ("no_separator", replace("set Thickness = 50e-6", "set Thickness = 0"),
     [], "Stack/Separator/Thickness"),
    ("duplicate_key", replace("set Thickness = 66e-6",
                              "set Thickness = 66e-6\n    set Thickness = 70e-6"),
     [], "set twice"),
    ("unclosed_subsection", example[: example.rfind("\nend") + 1], [],
     "never closed"),
    ("binary_junk", example + "\x00\x01\x02garbage\n", [], "binary"),
    ("statement_garbage", example + "this is not a statement\n", [],
     "not understood"),
    ("dimension_out_of_range", replace("set Dimension = 1", "set Dimension = 4"),
     [], "'Dimension'"),
    ("degenerate_lateral_cells",
     replace("set Lateral width = 20e-6", "set Lateral width = 5e-3"),
     ["--dim", "2"], "Stack/Lateral cells"),
    ("zero_minimum_cells",
     replace("set Thickness = 66e-6", "set Thickness = 66e-6\n    set Minimum cells = 0"),
     [], "Stack/Cathode/Minimum cells"),
    ("empty_file", "", [], "empty"),
    ("poisson_ratio", example + "subsection Materials\n subsection Al\n"
     "  set Poisson's ratio = 0.7\n end\nend\n", [], "Poisson's ratio"),
    ("too_many_global_refinements", example + "subsection Mesh refinement\n"
     "  set Global refinements = 8\nend\n", ["--dim", "3"],
     "Mesh refinement/Global refinements"),
    ("adaptive_level_below_global", example + "subsection Mesh refinement\n"
     "  set Adaptive = true\n  set Global refinements = 2\n"
     "  set Maximum level = 1\nend\nsubsection Mechanics\n"
     "  set Enabled = false\nend\n", ["--dim", "2"],
     "Mesh refinement/Maximum level"),
]

for index, (name, text, options, expected) in enumerate(cases):
    folder = os.path.join(args.work, name)
    os.makedirs(folder)
    prm = os.path.join(folder, "input.prm")
    if text is not None:
        with open(prm, "w", encoding="latin-1") as f:
            f.write(text)
    output = os.path.join(folder, "out")
    # Alternate serial and two-rank runs: the message must appear once.
    ranks = 1 + index % 2
    code, out, err = run(mpirun(ranks, [args.anodeless] + options +
                                ["--output", output, prm]), cwd=folder)
    message = err.strip()
    checker.check(code == 1, f"{name}: exit code {code}, expected 1")
    checker.check(expected in message,
                  f"{name}: message does not contain {expected!r}: {message!r}")
    checker.check(message.count("anodeless: error") == 1,
                  f"{name}: expected one message, got: {message!r}")
    checker.check("input.prm" in message,
                  f"{name}: message does not name the file: {message!r}")
    checker.check(not os.path.exists(output),
                  f"{name}: an output folder was written")
    checker.check("Stacktrace" not in err and "signal" not in err.lower(),
                  f"{name}: crashed: {err!r}")
    print(f"{name} ({ranks} rank(s)): {message}")

# Usage errors also exit 1.
for options in (["--dim", "5", "x.prm"], ["--bogus"], [],
                ["--print-parameters", "yaml"]):
    code, out, err = run([args.anodeless] + options, cwd=args.work)
    checker.check(code == 1, f"usage {options}: exit code {code}, expected 1")
    checker.check("usage:" in err, f"usage {options}: no usage text")

checker.check(len(cases) >= 15, "at least 15 bad-input cases")
checker.finish()
