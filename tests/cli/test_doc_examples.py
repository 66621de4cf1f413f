#!/usr/bin/python3
"""What doc/user_guide.md shows works, and what it documents exists.

- Every ```prm block is a valid input: appended to a copy of
  parameter_files/patent_example.prm when it sets no parameter the Example
  sets, else read as a complete file; `anodeless --validate` must accept it.
- Every command line of a ```bash block that runs anodeless (directly, under
  mpirun/mpiexec/srun, or through scripts/run) is accepted with the same
  options (with --validate added, so that nothing runs); every scripts/plot
  line draws the figures of a real run. Every ```python block runs on that
  run's folder.
- The tables after a '<!-- check: ... -->' marker agree with a real run of
  the Example (two cycles, mechanics on): every file, time_series.csv
  column, summary.json key and VTU array they name exists, and everything the
  run writes is named (<placeholder> in a name stands for any text). The
  protocol steps listed as forms are accepted, those listed as refused are
  refused.
- Every table of the guide has as many cells in each row as in its header
  (an unescaped '|' in a cell breaks a table).
"""
import glob
import json
import os
import re
import shlex
import shutil

from cli_common import Checker, arguments, run

PYTHON = "/usr/bin/python3"
GUIDE = os.path.join("doc", "user_guide.md")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)")
MARKER = re.compile(r"^<!--\s*check:\s*(.*?)\s*-->\s*$")
REQUIRED_MARKERS = {
    "protocol steps", "protocol steps refused", "run files",
    "time_series.csv columns", "vtu arrays of fields",
    "vtu arrays of mechanics", "vtu arrays of mesh",
    "summary.json keys at top level",
}
# The protocol of the real run: the patent's first cycle, then its cycling.
REFERENCE_PROTOCOL = (
    "subsection Protocol\n"
    "  set Number of cycles = 2\n"
    "  set Cycle steps = Charge at 0.33C until 4.25 V; Hold at 4.25 V until "
    "0.1C; Discharge at 0.33C until 3.0 V\n"
    "end\n")

args = arguments()
checker = Checker()
guide_path = os.path.join(args.source, GUIDE)
guide = open(guide_path, encoding="utf-8").read()
example_path = os.path.join(args.source, "parameter_files",
                            "patent_example.prm")
example = open(example_path).read()


# ---------------------------------------------------------------------------
# Reading the guide


def code_blocks(text):
    """(language, first line number, text) of every fenced code block."""
    blocks, fence, language, start, body = [], None, "", 0, []
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if fence is None:
            if match:
                fence, language, start, body = match.group(1), \
                    match.group(2).lower(), number + 1, []
        elif match and line.strip() == match.group(1) and \
                match.group(1)[0] == fence[0] and \
                len(match.group(1)) >= len(fence):
            blocks.append((language, start, "\n".join(body) + "\n"))
            fence = None
        else:
            body.append(line)
    checker.check(fence is None, f"{GUIDE}: a code block opened on line "
                  f"{start - 1} is never closed")
    return blocks


def prose(text):
    """(line number, line) outside fenced code blocks."""
    fence = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)
                continue
            yield number, line
        elif match and line.strip() == match.group(1) and \
                match.group(1)[0] == fence[0]:
            fence = None


def cells(row):
    """The cells of a Markdown table row; '\\|' does not split."""
    parts = re.split(r"(?<!\\)\|", row.strip())
    if parts and parts[0].strip() == "":
        parts = parts[1:]
    if parts and parts[-1].strip() == "":
        parts = parts[:-1]
    return [p.strip() for p in parts]


def tables(text):
    """(first line number, [rows as cell lists]) of every table."""
    found, current, start = [], [], 0
    for number, line in list(prose(text)) + [(0, "")]:
        if line.lstrip().startswith("|"):
            if not current:
                start = number
            current.append(cells(line))
        elif current:
            found.append((start, current))
            current = []
    return found


def marked_tables(text):
    """{marker: (line, [names per data row])} for the tables after a
    '<!-- check: marker -->' line; names are the code spans of the first
    cell, with '\\|' read as '|'."""
    lines = text.splitlines()
    result = {}
    for number, line in prose(text):
        match = MARKER.match(line.strip())
        if not match:
            continue
        marker = match.group(1)
        if marker.startswith("copy of "):
            continue  # a code block follows, not a table
        checker.check(marker not in result,
                      f"{GUIDE}:{number}: marker '{marker}' used twice")
        k = number  # index of the next line
        while k < len(lines) and not lines[k].strip():
            k += 1
        rows = []
        while k < len(lines) and lines[k].lstrip().startswith("|"):
            rows.append(cells(lines[k]))
            k += 1
        checker.check(len(rows) >= 3, f"{GUIDE}:{number}: no table after the "
                      f"marker '{marker}'")
        names = []
        for row in rows[2:]:  # header, separator, then data
            spans = re.findall(r"`([^`]+)`", row[0] if row else "")
            checker.check(spans, f"{GUIDE}:{number}: a row of '{marker}' "
                          f"names nothing in code: {row}")
            names.append([s.replace("\\|", "|") for s in spans])
        result[marker] = (number, names)
    return result


def pattern(name):
    """A documented name as a regular expression: <...> is any text."""
    parts = re.split(r"(<[^<>]+>)", name)
    return re.compile("".join(".+" if p.startswith("<") and p.endswith(">")
                              else re.escape(p) for p in parts) + r"\Z")


def compare(label, documented, actual):
    """Every documented name (or pattern) matches something actual, and
    every actual name matches something documented."""
    patterns = [(name, pattern(name)) for name in documented]
    for name, regex in patterns:
        checker.check(any(regex.match(a) for a in actual),
                      f"{label}: the guide documents '{name}', which the run "
                      f"does not have (it has: {sorted(actual)})")
    for a in actual:
        checker.check(any(regex.match(a) for _, regex in patterns),
                      f"{label}: the run has '{a}', which the guide does not "
                      "document")


# ---------------------------------------------------------------------------
# Parameter files


def prm_keys(text):
    """Full paths of the parameters a .prm text sets, in the file format's
    rules (comments, '\\' continuations, subsection/end)."""
    keys, stack, pending = [], [], ""
    for raw in text.splitlines():
        line = re.sub(r"(?<!\\)#.*", "", raw)
        if line.strip().endswith("\\"):
            pending += line.strip()[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line.startswith("subsection "):
            stack.append(line[len("subsection "):].strip())
        elif line == "end":
            if stack:
                stack.pop()
        elif line.startswith("set ") and "=" in line:
            keys.append("/".join(stack + [line[4:].split("=")[0].strip()]))
    return keys


def without_keys(text, keys):
    """text with the 'set' lines (and their continuations) of the given
    parameter paths removed, so that a block setting them can be appended."""
    kept, stack, skipping = [], [], False
    for raw in text.splitlines(keepends=True):
        line = re.sub(r"(?<!\\)#.*", "", raw).strip()
        if skipping:
            skipping = line.endswith("\\")
            continue
        if line.startswith("subsection "):
            stack.append(line[len("subsection "):].strip())
        elif line == "end" and stack:
            stack.pop()
        elif line.startswith("set ") and "=" in line:
            path = "/".join(stack + [line[4:].split("=")[0].strip()])
            if path in keys:
                skipping = line.endswith("\\")
                continue
        kept.append(raw)
    return "".join(kept)


def overridden(snippet):
    """The Example with the parameters of snippet set as snippet says."""
    return without_keys(example, set(prm_keys(snippet))) + "\n" + snippet


def validate(text, name):
    """Run --validate on a parameter text; return (exit code, output)."""
    path = os.path.join(args.work, "prm", name + ".prm")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    code, out, err = run([args.anodeless, "--validate", path], cwd=args.work)
    return code, out + err


def with_first_cycle(step):
    return overridden("subsection Protocol\n  set First cycle steps = " +
                      step + "\nend\n")


example_keys = set(prm_keys(example))
checker.check("Stack/Cathode/Thickness" in example_keys and
              "Dimension" in example_keys,
              f"prm_keys does not read the Example: {sorted(example_keys)}")
checker.check(prm_keys(without_keys(example, {"Stack/Cathode/Thickness"})) ==
              [k for k in prm_keys(example) if k != "Stack/Cathode/Thickness"],
              "without_keys removes the wrong lines")

blocks = code_blocks(guide)
prm_blocks = [(line, text) for language, line, text in blocks
              if language == "prm"]
checker.check(len(prm_blocks) >= 5, f"only {len(prm_blocks)} prm blocks in "
              f"{GUIDE}: is the extraction broken?")
for line, text in prm_blocks:
    keys = prm_keys(text)
    overlap = sorted(set(keys) & example_keys)
    if overlap:
        code, output = validate(text, f"line{line}_alone")
        how = "as a complete file"
    else:
        code, output = validate(example + "\n" + text, f"line{line}_appended")
        how = "appended to patent_example.prm"
    checker.check(code == 0 and "valid" in output,
                  f"{GUIDE}:{line}: the prm block ({how}) is refused: "
                  f"{output.strip()}")
    checker.check(len(keys) == len(set(keys)),
                  f"{GUIDE}:{line}: the prm block sets a parameter twice")

# A block marked as a copy of a file must be that file, word for word.
copies = 0
for number, line in prose(guide):
    match = MARKER.match(line.strip())
    if not match or not match.group(1).startswith("copy of "):
        continue
    copies += 1
    name = match.group(1)[len("copy of "):]
    following = [(start, text) for _, start, text in blocks if start > number]
    original = os.path.join(args.source, name)
    checker.check(os.path.isfile(original), f"{GUIDE}:{number}: '{name}' "
                  "does not exist")
    if following and os.path.isfile(original):
        start, text = following[0]
        checker.check(text == open(original).read(),
                      f"{GUIDE}:{start}: the block is no longer a copy of "
                      f"{name}: update the guide (and what it says of the "
                      "file)")
checker.check(copies >= 1, f"{GUIDE}: no block marked as a copy of a file")

# ---------------------------------------------------------------------------
# The real run


reference = os.path.join(args.work, "reference")
reference_prm = os.path.join(args.work, "reference.prm")
with open(reference_prm, "w") as f:
    f.write(overridden(REFERENCE_PROTOCOL))
code, _, err = run([args.anodeless, "--output", reference, reference_prm],
                   cwd=args.work, timeout=600)
checker.check(code == 0, f"reference run: exit {code}: {err.strip()}")
if code != 0:
    checker.finish()
run_files = sorted(os.listdir(reference))  # before scripts/plot adds figures/

# ---------------------------------------------------------------------------
# Command lines


def logical_lines(text):
    """(offset, line) with '\\' continuations joined."""
    result, pending, first = [], "", 0
    for offset, line in enumerate(text.splitlines()):
        if not pending:
            first = offset
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        result.append((first, pending + line))
        pending = ""
    return result


def simple_commands(line):
    """The words of each simple command of a shell line (split at ;, &&,
    ||, |, redirections and parentheses; comments dropped)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    commands, current, skip_next = [], [], False
    for token in lexer:
        if skip_next:
            skip_next = False
            continue
        if token and all(c in "();<>|&" for c in token):
            if token in (">", ">>", "<", ">&", "&>"):
                skip_next = True  # the redirection's file
                continue
            if current:
                commands.append(current)
            current = []
            continue
        current.append(token)
    if current:
        commands.append(current)
    return commands


def anodeless_arguments(words):
    """('anodeless' | 'run' | 'plot', arguments) if the command runs
    anodeless or scripts/plot, else None."""
    while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
        words = words[1:]
    if not words:
        return None
    command = words[0]
    if os.path.basename(command) == "anodeless":
        return "anodeless", words[1:]
    if command.endswith("scripts/run"):
        rest, k = [], 1
        while k < len(words):
            if words[k] == "--np":
                k += 2
                continue
            if not words[k].startswith("--np="):
                rest.append(words[k])
            k += 1
        return "run", rest
    if command.endswith("scripts/plot"):
        return "plot", words[1:]
    if os.path.basename(command) in ("mpirun", "mpiexec", "srun"):
        for k, word in enumerate(words[1:], start=1):
            if os.path.basename(word) == "anodeless":
                return "anodeless", words[k + 1:]
    return None


commands_dir = os.path.join(args.work, "commands")
os.makedirs(commands_dir)
checked_commands = 0
plot_outputs = 0
for language, start, text in blocks:
    if language not in ("bash", "sh", "shell", "console"):
        continue
    for offset, line in logical_lines(text):
        for words in simple_commands(line):
            found = anodeless_arguments(words)
            if found is None:
                continue
            kind, options = found
            where = f"{GUIDE}:{start + offset}: '{line.strip()}'"
            checked_commands += 1
            if any("$" in word or "`" in word for word in options):
                checker.check(False, f"{where}: cannot be checked (it uses a "
                              "shell variable); write it out")
                continue
            if kind == "plot":
                command, positional = [PYTHON, os.path.join(
                    args.source, "scripts", "plot")], False
                k = 0
                while k < len(options):
                    word = options[k]
                    if word == "--output" and k + 1 < len(options):
                        plot_outputs += 1
                        command += [word, os.path.join(
                            args.work, f"plot_{plot_outputs}")]
                        k += 2
                        continue
                    if not word.startswith("-") and not positional and \
                            (k == 0 or options[k - 1] not in
                             ("--format", "--dpi")):
                        command.append(reference)  # the run folder
                        positional = True
                    else:
                        command.append(word)
                    k += 1
                code, out, err = run(command, cwd=commands_dir)
                checker.check(code == 0 and "wrote " in out,
                              f"{where}: exit {code}: {err.strip()}")
                continue
            command = [args.anodeless]
            for word in options:
                if word.endswith(".prm"):
                    shipped = os.path.join(args.source, word)
                    if os.path.isfile(shipped):
                        word = shipped
                    elif "/" not in word:
                        # A placeholder name such as cell.prm: the Example.
                        word = os.path.join(commands_dir, word)
                        shutil.copy(example_path, word)
                    else:
                        checker.check(False, f"{where}: '{word}' does not "
                                      "exist in the repository")
                command.append(word)
            informative = {"--help", "-h", "--version", "--print-parameters"}
            if not informative & set(options) and "--validate" not in options:
                command.append("--validate")
            code, out, err = run(command, cwd=commands_dir)
            checker.check(code == 0, f"{where}: exit {code}: {err.strip()}")
            if code == 0 and "--validate" in command:
                checker.check("valid" in out, f"{where}: no 'valid' in {out!r}")
checker.check(checked_commands >= 5, f"only {checked_commands} command lines "
              "found: is the extraction broken?")

for language, start, text in blocks:
    if language != "python":
        continue
    script = text.replace("output/patent_example", reference)
    code, out, err = run([PYTHON, "-c", script], cwd=commands_dir)
    checker.check(code == 0, f"{GUIDE}:{start}: the python block fails: "
                  f"{err.strip()[-2000:]}")

# ---------------------------------------------------------------------------
# Documented names against the real run

marked = marked_tables(guide)
for marker in REQUIRED_MARKERS:
    checker.check(marker in marked, f"{GUIDE}: no table marked "
                  f"'<!-- check: {marker} -->'")


def names_of(marker):
    return [name for row in marked.get(marker, (0, []))[1] for name in row]


def summary_objects(summary, path):
    """The objects found at a path such as ['cycles[]', 'plated Li at cycle
    end[]'] ([] = every entry of an array)."""
    objects = [summary]
    for segment in path:
        key, is_array = (segment[:-2], True) if segment.endswith("[]") \
            else (segment, False)
        found = []
        for o in objects:
            if isinstance(o, dict) and key in o:
                value = o[key]
                if is_array and isinstance(value, list):
                    found += [v for v in value if isinstance(v, dict)]
                elif not is_array and isinstance(value, dict):
                    found.append(value)
        objects = found
    return objects


summary = json.load(open(os.path.join(reference, "summary.json")))
with open(os.path.join(reference, "time_series.csv")) as f:
    header = f.readline().rstrip("\n").split(",")


def pvtu_arrays(stem):
    files = sorted(glob.glob(os.path.join(reference, stem + "_*.pvtu")))
    checker.check(files, f"the run wrote no {stem}_*.pvtu")
    if not files:
        return []
    return re.findall(r'<PDataArray[^>]*\bName="([^"]+)"', open(files[0]).read())


handled = set()
for marker, (line, rows) in marked.items():
    names = [name for row in rows for name in row]
    label = f"{GUIDE}:{line} ({marker})"
    if marker == "protocol steps":
        handled.add(marker)
        for step in names:
            code, output = validate(with_first_cycle(step), "step_accepted")
            checker.check(code == 0, f"{label}: '{step}' is refused: "
                          f"{output.strip()}")
    elif marker == "protocol steps refused":
        handled.add(marker)
        for step in names:
            code, output = validate(with_first_cycle(step), "step_refused")
            checker.check(code == 1 and "Protocol/First cycle steps" in output,
                          f"{label}: '{step}' is not refused as expected: "
                          f"exit {code}: {output.strip()}")
    elif marker == "run files":
        handled.add(marker)
        compare(label, names, run_files)
    elif marker == "time_series.csv columns":
        handled.add(marker)
        compare(label, names, header)
    elif marker.startswith("vtu arrays of "):
        handled.add(marker)
        stem = marker[len("vtu arrays of "):]
        compare(label, names, pvtu_arrays(stem))
        if stem == "mechanics":
            compare(label + " (press.pvd)", names, pvtu_arrays("press"))
    elif marker.startswith("copy of "):
        handled.add(marker)  # checked above
    elif marker.startswith("summary.json keys at "):
        handled.add(marker)
        where = marker[len("summary.json keys at "):]
        path = [] if where == "top level" else \
            [s.strip() for s in where.split(">")]
        objects = summary_objects(summary, path)
        checker.check(objects, f"{label}: the run's summary.json has nothing "
                      f"at '{where}'")
        keys = sorted({k for o in objects for k in o})
        compare(label, names, keys)
        # Nested objects need tables of their own.
        children = set()
        for o in objects:
            for key, value in o.items():
                if isinstance(value, dict):
                    children.add(key)
                elif isinstance(value, list) and value and \
                        all(isinstance(v, dict) for v in value):
                    children.add(key + "[]")
        for child in sorted(children):
            wanted = "summary.json keys at " + " > ".join(path + [child])
            checker.check(wanted in marked, f"{label}: '{child}' holds "
                          f"objects, but no table is marked "
                          f"'<!-- check: {wanted} -->'")
    else:
        checker.check(False, f"{label}: unknown marker '{marker}'")

# Every summary.json object of the run has a table (the loop above checks
# the children of documented objects; this catches a missing top level).
checker.check("summary.json keys at top level" in handled,
              "the top level of summary.json is not documented")

# ---------------------------------------------------------------------------
# Tables are well-formed

for start, rows in tables(guide):
    width = len(rows[0])
    for k, row in enumerate(rows):
        checker.check(len(row) == width,
                      f"{GUIDE}:{start + k}: {len(row)} cells where the "
                      f"header has {width} (an unescaped '|'?)")
checker.finish()
