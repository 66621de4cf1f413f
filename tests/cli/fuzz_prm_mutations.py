"""Malformed variants of parameter files for tests/cli/test_fuzz_prm.py.

Every generator returns variants that are invalid by construction: each
mutation is checked here against the declared parameter tree (names,
patterns, the structural rules of a .prm file, and the documented
cross-checks) and dropped if the result could still be a valid input.

A variant carries the bytes of the file, what it must be rejected for (the
parameter path the message must name, or only a line number), and extra
files it refers to. The text '@DIR@' in a variant stands for the absolute
path of the folder the variant is written to.
"""
import random
import re

SEED = 20250260017
DIR = "@DIR@"

# Layers whose thickness must be positive (Stack check: the cell needs them).
REQUIRED_LAYERS = ("Anode current collector", "Separator", "Cathode",
                   "Cathode current collector")
# Parameters that are lengths, counts of cells or sizes. A value of 0 or
# less is used only where the pattern or a cross-check refuses it (a
# thickness of 0 removes an optional layer).
SIZE_NAME = re.compile(r"(Thickness|width|depth|cells|radius|shells|size|"
                       r"height)$")


class Variant:
    def __init__(self, kind, source, data, what, path=None, aux=None,
                 must_contain=(), must_not_contain=()):
        self.kind = kind            # mutation kind (summary key)
        self.source = source        # name of the shipped file it came from
        self.data = data            # bytes of the malformed file
        self.what = what            # one line: what was changed
        self.path = path            # parameter/subsection path to be named
        self.aux = aux or {}        # extra files: name -> bytes
        self.must_contain = tuple(must_contain)
        self.must_not_contain = tuple(must_not_contain)
        self.name = ""              # set by generate()
        self.set_paths = set()      # paths the file sets (set by generate())
        self.ranks = 1              # MPI ranks of the real start


# --------------------------------------------------------------------------
# The declared tree (from `anodeless --print-parameters json`)

def is_entry(node):
    return isinstance(node, dict) and isinstance(node.get("value"), str) \
        and "pattern_description" in node


def entries(tree, prefix=""):
    """(path, entry) for every declared parameter, in declaration order."""
    for key, node in tree.items():
        if is_entry(node):
            yield prefix + key, node
        elif isinstance(node, dict):
            yield from entries(node, prefix + key + "/")


def node_at(tree, path):
    node = tree
    for part in [p for p in path.split("/") if p]:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def child_names(tree, section_path, want_entries):
    node = node_at(tree, section_path)
    if not isinstance(node, dict):
        return []
    return [k for k, v in node.items()
            if isinstance(v, dict) and is_entry(v) == want_entries]


# --------------------------------------------------------------------------
# Values: what a deal.II pattern accepts, and the documented cross-checks

_DOUBLE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")


def _bound(text, default):
    text = text.strip()
    if "MAX_DOUBLE" in text or "MAX_INT" in text or "MIN_INT" in text:
        return (-1 if text.startswith("-") or "MIN" in text else 1) * default
    return float(text)


def pattern_kind(description):
    inner = description.strip().lstrip("[").rstrip("]").strip()
    return inner.split(" ", 1)[0]


def pattern_accepts(description, value):
    """Whether a deal.II pattern with this description accepts value. Numbers
    follow the C++ stream grammar: no nan, inf, hexadecimal or trailing
    text, and an overflow fails; unknown pattern kinds count as accepting,
    so that a variant built on them is dropped."""
    inner = description.strip().lstrip("[").rstrip("]").strip()
    kind, _, rest = inner.partition(" ")
    value = value.strip()
    if kind == "Anything":
        return True
    if kind == "Selection":
        return value in [o.strip() for o in rest.split("|")]
    if kind in ("Double", "Integer"):
        rest = rest.replace("range ", "").replace("(inclusive)", "").strip()
        low, _, high = rest.partition("...")
        big = float("inf")
        low = _bound(low, big) if low else -big
        high = _bound(high, big) if high else big
        if kind == "Integer":
            if not _INTEGER.fullmatch(value):
                return False
            number = int(value)
            if not -2**31 <= number < 2**31:
                return False
        else:
            if not _DOUBLE.fullmatch(value):
                return False
            number = float(value)
            if number in (float("inf"), float("-inf")):
                return False  # the stream refuses an overflow
        return low <= number <= high
    return True


def known_invalid(path, value):
    """Values the patterns allow but the documented cross-checks refuse."""
    try:
        number = float(value)
    except ValueError:
        return False
    if path.startswith("Stack/") and path.endswith("/Thickness"):
        layer = path.split("/")[1]
        if 0 < number < 1e-9:
            return True  # thinner than a nanometre
        if number == 0 and layer in REQUIRED_LAYERS:
            return True
    return False


def value_is_invalid(tree, path, value):
    entry = node_at(tree, path)
    assert is_entry(entry), path
    return (not pattern_accepts(entry["pattern_description"], value)) or \
        known_invalid(path, value)


# --------------------------------------------------------------------------
# A small scanner of the .prm structure (the rules of core/prm_file.cc)

class Line:
    def __init__(self, index, text, kind, path, key=None, value=None):
        self.index = index      # 0-based line index
        self.text = text        # the raw line
        self.kind = kind        # 'subsection', 'end', 'set', 'other'
        self.path = path        # full path of the subsection or parameter
        self.key = key
        self.value = value


def strip_comment(line):
    for i, c in enumerate(line):
        if c == "#" and (i == 0 or line[i - 1] != "\\"):
            return line[:i]
    return line


def scan(text):
    """(lines, error): the classified lines, and the first structural error
    the executable must report (None if the structure is sound)."""
    lines, stack, seen, error = [], [], set(), None
    for index, raw in enumerate(text.split("\n")):
        body = strip_comment(raw).strip(" \t\r")
        if any((ord(c) < 32 and c not in "\t\r") or ord(c) == 127
               for c in raw):
            error = error or f"control character on line {index + 1}"
        if not body:
            lines.append(Line(index, raw, "other", None))
        elif re.match(r"subsection([ \t]|$)", body):
            name = body[10:].strip(" \t\r")
            if not name:
                error = error or f"nameless subsection, line {index + 1}"
            stack.append(name)
            lines.append(Line(index, raw, "subsection", "/".join(stack)))
        elif body == "end":
            if not stack:
                error = error or f"unmatched end, line {index + 1}"
                lines.append(Line(index, raw, "end", None))
            else:
                lines.append(Line(index, raw, "end", "/".join(stack)))
                stack.pop()
        elif re.match(r"set([ \t]|$)", body):
            key, eq, value = body[3:].partition("=")
            key, value = key.strip(" \t\r"), value.strip(" \t\r")
            if not eq or not key:
                error = error or f"malformed set, line {index + 1}"
            path = "/".join(stack + [key])
            if path in seen:
                error = error or f"{path} set twice"
            seen.add(path)
            lines.append(Line(index, raw, "set", path, key, value))
        else:
            error = error or f"line {index + 1} not understood"
            lines.append(Line(index, raw, "other", None))
    if stack:
        error = error or "subsection never closed"
    return lines, error


def set_paths(text):
    lines, _ = scan(text)
    return {line.path for line in lines if line.kind == "set"}


def replace_value(raw, value):
    """The set line raw with its value replaced, keeping indentation and a
    trailing comment."""
    head, _, tail = raw.partition("=")
    comment = tail[len(strip_comment(tail)):]
    return f"{head}= {value}     {comment}" if comment else f"{head}= {value}"


def block(path, lines):
    """Nested subsection blocks holding lines, for a parameter path."""
    sections = path.split("/")[:-1]
    out = []
    for depth, name in enumerate(sections):
        out.append("  " * depth + f"subsection {name}")
    for line in lines:
        out.append("  " * len(sections) + line)
    for depth in reversed(range(len(sections))):
        out.append("  " * depth + "end")
    return "\n".join(out) + "\n"


def with_value(text, path, value):
    """The file with parameter path set to value: in place if the file sets
    it, else in a block appended at the end."""
    lines, _ = scan(text)
    rows = text.split("\n")
    for line in lines:
        if line.kind == "set" and line.path == path:
            rows[line.index] = replace_value(line.text, value)
            return "\n".join(rows)
    if not text.endswith("\n"):
        text += "\n"
    return text + block(path, [f"set {path.split('/')[-1]} = {value}"])


# --------------------------------------------------------------------------
# Typos

def levenshtein(a, b):
    """Case-insensitive edit distance, as the executable computes it."""
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            same = a[i - 1].lower() == b[j - 1].lower()
            current[j] = min(previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + (0 if same else 1))
        previous = current
    return previous[len(b)]


def suggestion(names, name):
    """The name the executable suggests for a misspelt one, or ''."""
    best, best_distance = "", 4
    for candidate in names:
        d = levenshtein(name, candidate)
        if d < best_distance:
            best, best_distance = candidate, d
    return best


def typo(name, rng, forbidden):
    """A misspelling of name (one letter swapped, dropped, doubled or
    replaced) that is none of the forbidden names."""
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    for _ in range(100):
        i = rng.choice(letters)
        op = rng.choice(("swap", "drop", "double", "replace"))
        if op == "swap" and i + 1 < len(name) and name[i + 1].isalpha():
            out = name[:i] + name[i + 1] + name[i] + name[i + 2:]
        elif op == "drop" and len(name) > 2:
            out = name[:i] + name[i + 1:]
        elif op == "double":
            out = name[:i] + name[i] + name[i:]
        elif op == "replace":
            pool = "abcdefghijklmnopqrstuvwxyz"
            c = rng.choice([p for p in pool if p != name[i].lower()])
            out = name[:i] + (c.upper() if name[i].isupper() else c) + \
                name[i + 1:]
        else:
            continue
        if out != name and out not in forbidden and out.strip() == out:
            return out
    raise RuntimeError(f"no typo found for {name!r}")


# --------------------------------------------------------------------------
# The generators; each takes (text, source name, tree, rng, slot) where slot
# counts the variants of this kind made for this file so far.

def _settable(tree):
    """Parameters whose value the patterns constrain (not free text)."""
    return [(p, e) for p, e in entries(tree)
            if pattern_kind(e["pattern_description"]) != "Anything"]


def _target(text, tree, rng, slot, chooser=None):
    """A parameter to mutate: every other one is a parameter the file sets,
    the others come from the whole declared tree (a top-level group first,
    so that the many material entries do not crowd out the rest)."""
    candidates = _settable(tree)
    if chooser:
        candidates = [(p, e) for p, e in candidates if chooser(p, e)]
    in_file = [c for c in candidates if c[0] in set_paths(text)]
    if slot % 2 == 0 and in_file:
        return rng.choice(in_file)
    groups = sorted({p.split("/")[0] for p, _ in candidates})
    group = rng.choice(groups)
    return rng.choice([c for c in candidates if c[0].split("/")[0] == group])


def delete_structure(word):
    def generate(text, source, tree, rng, slot):
        lines, _ = scan(text)
        targets = [line for line in lines if line.kind == word]
        # a fixed random order, so that the slots delete different lines
        order = random.Random(f"{SEED}:{source}:{word}").sample(
            targets, len(targets))
        line = order[slot % len(order)]
        rows = text.split("\n")
        del rows[line.index]
        out = "\n".join(rows)
        assert scan(out)[1], "deleting a structural line unbalances the file"
        return Variant(f"delete_{word}_line", source, out.encode(),
                       f"deleted line {line.index + 1} {line.text.strip()!r}")
    return generate


def duplicate_key(text, source, tree, rng, slot):
    lines, _ = scan(text)
    sets = [line for line in lines if line.kind == "set"]
    line = rng.choice(sets)
    rows = text.split("\n")
    form = slot % 3
    if form == 0:    # the same line twice
        rows.insert(line.index + 1, line.text)
        out = "\n".join(rows)
        what = "the line repeated"
    elif form == 1:  # set again with the default value, spaced differently
        default = node_at(tree, line.path)["default_value"]
        indent = line.text[:len(line.text) - len(line.text.lstrip())]
        rows.insert(line.index + 1,
                    f"{indent}set   {line.key}\t=  {default}")
        out = "\n".join(rows)
        what = f"set again to the default {default!r}"
    else:            # set again in a second block at the end of the file
        out = text + block(line.path, [f"set {line.key} = {line.value}"])
        what = "set again in a block at the end"
    assert scan(out)[1] == f"{line.path} set twice"
    return Variant("duplicate_key", source, out.encode(),
                   f"{line.path}: {what}", path=line.path,
                   must_contain=["set twice"])


def typo_parameter(text, source, tree, rng, slot):
    lines, _ = scan(text)
    sets = [line for line in lines if line.kind == "set"]
    if slot % 2 == 0:
        line = rng.choice(sets)
        section = line.path.rpartition("/")[0]
        siblings = child_names(tree, section, True)
        wrong = typo(line.key, rng, siblings)
        rows = text.split("\n")
        head, eq, tail = line.text.partition("=")
        rows[line.index] = head.replace(line.key, wrong, 1) + eq + tail
        out = "\n".join(rows)
        original, path = line.key, (section + "/" if section else "") + wrong
    else:
        full, entry = rng.choice(list(entries(tree)))
        section, _, original = full.rpartition("/")
        siblings = child_names(tree, section, True)
        wrong = typo(original, rng, siblings)
        path = (section + "/" if section else "") + wrong
        out = text + block(path, [f"set {wrong} = {entry['default_value']}"])
    must = []
    if suggestion(child_names(tree, section, True), wrong) == original:
        must.append(f"Did you mean '{original}'")
    return Variant("typo_parameter", source, out.encode(),
                   f"parameter {original!r} misspelt {wrong!r}",
                   path=path, must_contain=must)


def typo_subsection(text, source, tree, rng, slot):
    lines, _ = scan(text)
    if slot % 3 != 2:
        line = rng.choice([x for x in lines if x.kind == "subsection"])
        parent, _, original = line.path.rpartition("/")
        siblings = child_names(tree, parent, False)
        wrong = typo(original, rng, siblings)
        rows = text.split("\n")
        rows[line.index] = line.text.replace(original, wrong, 1)
        out = "\n".join(rows)
    else:
        full, entry = rng.choice(list(entries(tree)))
        sections = full.split("/")[:-1]
        if not sections:
            full, entry = next((p, e) for p, e in entries(tree) if "/" in p)
            sections = full.split("/")[:-1]
        depth = rng.randrange(len(sections))
        parent = "/".join(sections[:depth])
        original = sections[depth]
        wrong = typo(original, rng, child_names(tree, parent, False))
        sections[depth] = wrong
        bad = "/".join(sections + [full.split("/")[-1]])
        out = text + block(bad, [f"set {full.split('/')[-1]} = "
                                 f"{entry['default_value']}"])
    path = (parent + "/" if parent else "") + wrong
    must = []
    if suggestion(child_names(tree, parent, False), wrong) == original:
        must.append(f"Did you mean '{original}'")
    return Variant("typo_subsection", source, out.encode(),
                   f"subsection {original!r} misspelt {wrong!r}",
                   path=path, must_contain=must)


def _value_mutation(kind, values, chooser=None):
    """A generator that sets a parameter to one of values(path, entry) that
    is invalid for it; the value cycles through the list across slots and
    files so that every listed form is used."""
    def generate(text, source, tree, rng, slot):
        for _ in range(200):
            path, entry = _target(text, tree, rng, slot, chooser)
            options = [v for v in values(path, entry)
                       if value_is_invalid(tree, path, v)]
            if options:
                value = options[(slot + 7 * _file_index(source)) %
                                len(options)]
                out = with_value(text, path, value)
                return Variant(kind, source, out.encode("utf-8"),
                               f"{path} = {value!r}", path=path)
        raise RuntimeError(f"no invalid value found for {kind}")
    return generate


def _numeric(path, entry):
    return pattern_kind(entry["pattern_description"]) in ("Double", "Integer")


garbage_value = _value_mutation(
    "garbage_value",
    lambda p, e: ["1e", "--3", "", "ten microns", "1,5", "0.5.5", "yes",
                  "sus304", "two", "= 3"])

extreme_value = _value_mutation(
    "extreme_value",
    lambda p, e: (["1e-320"] if SIZE_NAME.search(p) and
                  pattern_kind(e["pattern_description"]) == "Double"
                  else []) +
    ["1e308", "-1e308", "1.8e308", "99999999999999999999"],
    chooser=lambda p, e: _numeric(p, e))

nan_inf = _value_mutation(
    "nan_inf",
    lambda p, e: ["nan", "NaN", "inf", "-inf", "Infinity", "+inf", "-nan"],
    chooser=lambda p, e: _numeric(p, e))

nonpositive_size = _value_mutation(
    "nonpositive_size",
    lambda p, e: ["0", "-" + e["value"].lstrip("+-"), "-1", "-1e-6"],
    chooser=lambda p, e: bool(SIZE_NAME.search(p)) and _numeric(p, e))


def _units(path, entry):
    if pattern_kind(entry["pattern_description"]) == "Integer":
        return [f"{entry['value']} cells", "1D", "20 cells", "3 layers"]
    return [f"{entry['value']} um", "0.1C", "10 um", "50e-6 m", "318 K",
            "3.8 \u00b5m", "4 mAh/cm2"]


unit_in_number = _value_mutation("unit_in_number", _units,
                                 chooser=_numeric)


def truncated(text, source, tree, rng, slot):
    data = text.encode()
    first = data.index(b"subsection")
    last = data.rindex(b"end")
    for _ in range(100):
        if slot % 4 == 3:  # at a line boundary
            cuts = [i + 1 for i in range(first, last)
                    if data[i:i + 1] == b"\n"]
            cut = rng.choice(cuts)
        else:              # anywhere, mostly mid-line
            cut = rng.randrange(first + 1, last + 3)
        out = data[:cut]
        if scan(out.decode())[1]:
            mid = "mid-line" if out and out[-1:] != b"\n" else "line end"
            return Variant("truncated", source, out,
                           f"cut at byte {cut} of {len(data)} ({mid})")
    raise RuntimeError("no truncation found")


def _junk_forms(text, rng):
    data = text.encode()
    at = rng.randrange(len(data))
    noise = bytearray(rng.randrange(256) for _ in range(rng.randrange(4, 24)))
    if not any((b < 32 and b not in (9, 10, 13)) or b == 127 for b in noise):
        noise[rng.randrange(len(noise))] = rng.choice([0, 1, 27, 127])
    comment = data.index(b"#")
    eq = data.index(b"=")
    return [
        ("a NUL byte at byte %d" % at, data[:at] + b"\0" + data[at:]),
        ("random bytes at byte %d" % at, data[:at] + bytes(noise) + data[at:]),
        ("UTF-16 byte order mark before the text", b"\xff\xfe" + data),
        ("the whole file in UTF-16 with byte order mark",
         text.encode("utf-16")),
        ("the whole file in UTF-16 big-endian", b"\xfe\xff" +
         text.encode("utf-16-be")),
        ("bytes that are not UTF-8 in the first comment",
         data[:comment + 1] + b" \xff\xfe\x80\xc3(" + data[comment + 1:]),
        ("random bytes appended", data + bytes(noise)),
        ("a DEL byte in a value", data[:eq + 2] + b"\x7f" + data[eq + 2:]),
        ("an escape sequence in a value",
         data[:eq + 2] + b"\x1b[31m" + data[eq + 2:]),
        ("a run of NUL bytes at the end", data + b"\0" * 64),
    ]


def binary_junk(text, source, tree, rng, slot):
    forms = _junk_forms(text, rng)
    what, out = forms[(slot + 5 * _file_index(source)) % len(forms)]
    control = any((b < 32 and b not in (9, 10, 13)) or b == 127 for b in out)
    try:
        out.decode("utf-8")
        utf8 = True
    except UnicodeDecodeError:
        utf8 = False
    assert control or not utf8, what
    return Variant("binary_junk", source, out, what)


BAD_STEPS = [
    "Charge at 0.1X until 4.25 V",
    "Jump at 3 V",
    "Charge at 0.1C",
    "Hold at 99 V until 0.05C",
    "Charge at 0.1C until 4.25 V; Hold at 4.25 V until 0.05C; "
    "Discharge at 0.1C",
    "Discharge at -0.1C until 3.0 V",
    "Rest for 0 s",
    "Rest until 3.0 V",
    "Charge at 0.1C until 0.05C",
    "Hold at 4.25 V until 4.2 V",
    "Charge at 0.1C for 2 fortnights",
    "Charge at 1e999C until 4.25 V",
    "Hold at 1e-400 V until 0.05C",
    "Rest for 1e999 h",
    "Charge at 0.1C until 4.25 V or for",
    "Charge at C/0 until 4.25 V",
    "Charge at 0.1C until nan V",
    "Discharge at 0.1C until 0 V",
    "Hold at 4.25 V",
    "Charge at 0.1C until 4.25 V;; Hold at 4.25 until 0.05C",
]


def protocol_step(text, source, tree, rng, slot):
    step = BAD_STEPS[(5 * _file_index(source) + slot) % len(BAD_STEPS)]
    if slot % 2 == 0:
        path = "Protocol/First cycle steps"
        out = with_value(text, path, step)
    else:
        path = "Protocol/Cycle steps"
        out = with_value(with_value(text, "Protocol/Number of cycles", "2"),
                         path, step)
    return Variant("protocol_step", source, out.encode(),
                   f"{path.split('/')[-1]} = {step!r}", path=path)


SPOTS = "Electrochemistry/Halide layer/Spot positions"
# Spot centre lists that are wrong in every dimension: not numbers, or three
# coordinates (a 2D window needs one, a 3D window two).
BAD_SPOTS = ["abc", "1e999", "nan; 5e-6", "5e-6,5e-6,5e-6"]


def garbage_text(text, source, tree, rng, slot):
    value = BAD_SPOTS[(slot + _file_index(source)) % len(BAD_SPOTS)]
    out = with_value(text, SPOTS, value)
    return Variant("garbage_text", source, out.encode(),
                   f"{SPOTS} = {value!r}", path=SPOTS)


OCP = "Electrochemistry/Cathode/Open-circuit potential file"


def _ocp_forms(text):
    noise = bytes(random.Random(SEED).randrange(256) for _ in range(200))
    return [
        ("a path that does not exist", "/nonexistent/anodeless/ocp.csv",
         {}, ()),
        ("a relative path that does not exist", "no_such_ocp_table.csv",
         {}, ()),
        ("a folder", DIR, {}, ("does not exist",)),
        ("an empty file", DIR + "/ocp.csv", {"ocp.csv": b""}, ()),
        ("a header without rows", DIR + "/ocp.csv", {"ocp.csv": b"x,U\n"},
         ()),
        ("a single row", DIR + "/ocp.csv",
         {"ocp.csv": b"x,U\n0.5,3.9\n"}, ()),
        ("x values that decrease", DIR + "/ocp.csv",
         {"ocp.csv": b"x,U\n0.2,4.2\n0.6,3.9\n0.4,3.7\n"}, ()),
        ("a repeated x value", DIR + "/ocp.csv",
         {"ocp.csv": b"0.2,4.2\n0.5,3.9\n0.5,3.8\n0.9,3.5\n"}, ()),
        ("words instead of numbers", DIR + "/ocp.csv",
         {"ocp.csv": b"lithium fraction,potential\nlow,high\nmid,low\n"},
         ()),
        ("random binary bytes", DIR + "/ocp.bin", {"ocp.bin": noise}, ()),
        ("a NaN in a row", DIR + "/ocp.csv",
         {"ocp.csv": b"x,U\n0.2,4.2\n0.5,nan\n0.9,3.5\n"}, ()),
        ("the parameter file itself", DIR + "/table.prm",
         {"table.prm": text.encode()}, ()),
        ("a table in UTF-16", DIR + "/ocp.csv",
         {"ocp.csv": "x,U\n0.2,4.2\n0.9,3.5\n".encode("utf-16")}, ()),
        ("semicolon-separated rows", DIR + "/ocp.csv",
         {"ocp.csv": b"0.2;4.2\n0.5;3.9\n0.9;3.5\n"}, ()),
        ("a single column", DIR + "/ocp.csv",
         {"ocp.csv": b"0.2\n0.5\n0.9\n"}, ()),
        ("an infinite potential", DIR + "/ocp.csv",
         {"ocp.csv": b"0.2,4.2\n0.5,inf\n0.9,3.5\n"}, ()),
    ]


def missing_data_file(text, source, tree, rng, slot):
    forms = _ocp_forms(text)
    what, value, aux, forbid = forms[(4 * _file_index(source) + slot) %
                                     len(forms)]
    out = with_value(text, OCP, value)
    return Variant("missing_data_file", source, out.encode(),
                   f"{OCP} names {what}", path=OCP, aux=aux,
                   must_not_contain=forbid)


_FILE_ORDER = []


def _file_index(source):
    return _FILE_ORDER.index(source) if source in _FILE_ORDER else 0


# kind -> (generator, variants per shipped file)
GENERATORS = [
    ("delete_subsection_line", delete_structure("subsection"), 3),
    ("delete_end_line", delete_structure("end"), 3),
    ("duplicate_key", duplicate_key, 3),
    ("typo_parameter", typo_parameter, 4),
    ("typo_subsection", typo_subsection, 3),
    ("garbage_value", garbage_value, 6),
    ("extreme_value", extreme_value, 5),
    ("nan_inf", nan_inf, 4),
    ("nonpositive_size", nonpositive_size, 5),
    ("unit_in_number", unit_in_number, 4),
    ("truncated", truncated, 5),
    ("binary_junk", binary_junk, 5),
    ("garbage_text", garbage_text, 1),
    ("protocol_step", protocol_step, 5),
    ("missing_data_file", missing_data_file, 4),
]


def generate(sources, tree):
    """All variants of the shipped files sources ({name: text}), in a fixed
    order and with fixed random choices."""
    _FILE_ORDER[:] = sorted(sources)
    variants = []
    for name in sorted(sources):
        text = sources[name]
        assert scan(text)[1] is None, f"{name} does not scan cleanly"
        stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        for kind, generator, count in GENERATORS:
            rng = random.Random(f"{SEED}:{name}:{kind}")
            for slot in range(count):
                variant = generator(text, name, tree, rng, slot)
                variant.kind = kind
                variant.name = f"{kind}.{stem}.{slot}"
                variant.set_paths = set_paths(
                    variant.data.decode("utf-8", "replace"))
                variants.append(variant)
    return variants
