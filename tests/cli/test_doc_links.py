#!/usr/bin/python3
"""The links of the documentation (README.md and doc/**/*.md) lead somewhere.

Every relative Markdown link, [text](path) or ![image](path), with or without
a #anchor, must name an existing file or folder of the repository (not one
that git ignores, such as build/ or output/); an anchor must match a heading
of the target Markdown file (GitHub's rule for heading ids). Links to
http(s) addresses are not fetched (no network) but must be well-formed.
Links inside code blocks and code spans are not links and are skipped.

The check must be able to fail: it is also run on a copy of the
documentation with planted broken links, and must report each of them."""
import os
import re
import shutil
import subprocess
import urllib.parse

from cli_common import Checker, arguments

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# [text](target) and ![alt](target); the text may hold one level of brackets
# (a badge: [![alt](image)](target)). The target is <...> or runs to the first
# space or closing parenthesis, and may be followed by a "title".
INLINE_LINK = re.compile(
    r"!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]"
    r"\(\s*(<[^>]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
# [label]: target
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
HTML_ANCHOR = re.compile(r"<a\s+[^>]*(?:name|id)\s*=\s*\"([^\"]+)\"", re.I)
HOSTNAME = re.compile(
    r"^(localhost|(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}|\d{1,3}(?:\.\d{1,3}){3})$")


def markdown_files(root):
    """README.md and every .md file under doc/, relative to root."""
    files = []
    if os.path.isfile(os.path.join(root, "README.md")):
        files.append("README.md")
    for folder, _, names in os.walk(os.path.join(root, "doc")):
        for name in sorted(names):
            if name.endswith(".md"):
                files.append(os.path.relpath(os.path.join(folder, name), root))
    return sorted(files)


def strip_code_spans(line):
    """The line with `code spans` blanked (their text is not Markdown)."""
    return re.sub(r"(`+)(.+?)\1", lambda m: " " * len(m.group(0)), line)


def prose_lines(text):
    """(line number, text) of the lines outside fenced code blocks."""
    fence = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)
                continue
            if line.startswith("    ") and line.strip():
                continue  # an indented code block (or a continuation line)
            yield number, line
        elif match and match.group(1)[0] == fence[0] and \
                len(match.group(1)) >= len(fence) and \
                line.strip() == match.group(1):
            fence = None


def links(text):
    """(line number, target) of every link outside code."""
    for number, line in prose_lines(text):
        visible = strip_code_spans(line)
        definition = REFERENCE_DEFINITION.match(visible)
        if definition:
            yield number, definition.group(1).strip("<>")
            continue
        for target in inline_targets(visible):
            yield number, target


def inline_targets(text):
    """Targets of the inline links in text, an image inside a link's text
    (a badge) first."""
    for match in INLINE_LINK.finditer(text):
        yield from inline_targets(match.group(1))
        yield match.group(2).strip("<>")


def heading_anchors(text):
    """The ids GitHub gives the headings of a Markdown text (and explicit
    <a name="..."> anchors)."""
    anchors, seen = set(), {}
    for _, line in prose_lines(text):
        for name in HTML_ANCHOR.findall(line):
            anchors.add(name)
        match = HEADING.match(line)
        if not match:
            continue
        title = match.group(2)
        title = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", title)  # links
        title = re.sub(r"<[^>]+>", "", title)                      # html
        title = title.replace("`", "")
        slug = re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def check_external(target):
    """None if an http(s) address is well-formed, else what is wrong."""
    if re.search(r"\s", target):
        return "contains white space"
    try:
        parts = urllib.parse.urlsplit(target)
        port = parts.port  # raises ValueError for a bad port
    except ValueError as e:
        return str(e)
    if parts.scheme not in ("http", "https"):
        return f"scheme '{parts.scheme}' is not http or https"
    if not parts.netloc or not parts.hostname:
        return "has no host"
    if not HOSTNAME.match(parts.hostname):
        return f"host '{parts.hostname}' is not a valid host name"
    if port is not None and not 0 < port < 65536:
        return f"port {port} is out of range"
    return None


def ignored_by_git(root, paths):
    """The subset of paths (relative to root) that git ignores; empty when
    root is not a git work tree."""
    if not paths or not os.path.isdir(os.path.join(root, ".git")):
        return set()
    try:
        result = subprocess.run(["git", "-C", root, "check-ignore", "--stdin"],
                                input="\n".join(sorted(paths)) + "\n",
                                capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return set()
    return {line.strip() for line in result.stdout.splitlines() if line.strip()}


def check_tree(root):
    """Problems of the links in README.md and doc/ under root, as
    'file:line: target: why' strings, and the number of links checked."""
    problems, checked, resolved = [], 0, []
    texts = {}

    def text_of(path):
        if path not in texts:
            with open(path, encoding="utf-8", errors="replace") as f:
                texts[path] = f.read()
        return texts[path]

    for name in markdown_files(root):
        source = os.path.join(root, name)
        for line, target in links(text_of(source)):
            checked += 1
            where = f"{name}:{line}: '{target}'"
            if not target:
                problems.append(f"{where}: empty link")
                continue
            scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", target)
            if scheme and scheme.group(1).lower() in ("http", "https"):
                why = check_external(target)
                if why:
                    problems.append(f"{where}: malformed address: {why}")
                continue
            if scheme and scheme.group(1).lower() == "mailto":
                if not re.match(r"^mailto:[^@\s]+@[^@\s]+\.[^@\s]+$", target,
                                re.I):
                    problems.append(f"{where}: malformed mail address")
                continue
            if not scheme and re.match(r"^(https?\b|www\.)", target, re.I):
                problems.append(f"{where}: malformed address: it looks like a "
                                "web address but does not start with "
                                "http:// or https://")
                continue
            if scheme or target.startswith("//"):
                problems.append(f"{where}: neither a relative path nor an "
                                "http(s) address")
                continue
            path, _, anchor = target.partition("#")
            path = urllib.parse.unquote(path.split("?")[0])
            if path:
                base = root if path.startswith("/") else os.path.dirname(source)
                full = os.path.normpath(os.path.join(base, path.lstrip("/")))
            else:
                full = source  # #anchor in the same file
            inside = os.path.relpath(full, root)
            if inside == ".." or inside.startswith(".." + os.sep):
                problems.append(f"{where}: points outside the repository")
                continue
            if not os.path.exists(full):
                problems.append(f"{where}: no such file or folder "
                                f"'{inside}'")
                continue
            if path:
                resolved.append((where, inside))
            if anchor:
                if not full.endswith(".md") or os.path.isdir(full):
                    problems.append(f"{where}: an anchor needs a Markdown "
                                    "file")
                elif urllib.parse.unquote(anchor).lower() not in \
                        heading_anchors(text_of(full)):
                    problems.append(f"{where}: no heading with the anchor "
                                    f"'#{anchor}' in '{inside}'")
    ignored = ignored_by_git(root, {inside for _, inside in resolved})
    for where, inside in resolved:
        if inside in ignored:
            problems.append(f"{where}: '{inside}' is ignored by git, so it is "
                            "not in the repository")
    return problems, checked


args = arguments()
checker = Checker()

# The documentation as it is.
problems, checked = check_tree(args.source)
for problem in problems:
    checker.check(False, problem)
checker.check(checked >= 10, f"only {checked} links found in README.md and "
              "doc/: is the link extraction broken?")
checker.check("doc/user_guide.md" in markdown_files(args.source),
              "doc/user_guide.md is not among the files checked")
print(f"{checked} links checked in {len(markdown_files(args.source))} files")

# Known cases of the pieces.
checker.check(check_external("https://www.dealii.org") is None,
              "a good address is refused")
for bad in ("https//www.dealii.org", "https://", "https://www dealii.org",
            "http://dealii", "https://example.com:99999/x"):
    checker.check(check_external(bad) is not None, f"'{bad}' is accepted")
sample = "\n".join([
    "# Title", "## A `code` heading", "## Same", "## Same",
    "[a](x.md) ![b](img/y.png) [c](z.md#part \"title\") `[d](not.md)`",
    "[![badge](badge.svg)](https://example.com)",
    "```", "[e](inside_fence.md)", "```",
    "[ref]: refs.md",
])
found = [target for _, target in links(sample)]
checker.check(found == ["x.md", "img/y.png", "z.md#part", "badge.svg",
                        "https://example.com", "refs.md"],
              f"link extraction: {found}")
anchors = heading_anchors(sample)
checker.check({"title", "a-code-heading", "same", "same-1"} <= anchors,
              f"heading anchors: {sorted(anchors)}")

# Planted breakage in a copy: the check must report every planted link and
# nothing else. The copy holds README.md and doc/ as files and the rest of
# the repository as symbolic links.
copy = os.path.join(args.work, "planted")
os.makedirs(copy)
for entry in os.listdir(args.source):
    if entry in ("README.md", "doc", ".git"):
        continue
    os.symlink(os.path.join(args.source, entry), os.path.join(copy, entry))
shutil.copy(os.path.join(args.source, "README.md"), copy)
shutil.copytree(os.path.join(args.source, "doc"), os.path.join(copy, "doc"))
clean, _ = check_tree(copy)
checker.check(clean == [], f"the unchanged copy has problems: {clean}")
planted = {
    "missing_file.md": "[broken](missing_file.md)",
    "../parameter_files/no_such_case.prm":
        "[broken](../parameter_files/no_such_case.prm)",
    "figures/missing.png": "![missing figure](figures/missing.png)",
    "model.md#no-such-section": "[bad anchor](model.md#no-such-section)",
    "#nowhere": "[bad local anchor](#nowhere)",
    "https//www.dealii.org": "[malformed](https//www.dealii.org)",
    "ftp://example.com/x": "[other scheme](ftp://example.com/x)",
    "https://www deal.org": "[malformed](<https://www deal.org>)",
    "../../outside.md": "[outside](../../outside.md)",
}
with open(os.path.join(copy, "doc", "user_guide.md"), "a") as f:
    f.write("\n## Planted\n\n" + "\n".join(f"- {link}" for link in
                                           planted.values()) + "\n")
    f.write("\n```bash\n[not a link](missing_in_code.md)\n```\n")
problems, _ = check_tree(copy)
for target in planted:
    checker.check(any(f"'{target}'" in problem for problem in problems),
                  f"the planted link '{target}' is not reported: {problems}")
checker.check(len(problems) == len(planted),
              f"{len(problems)} problems for {len(planted)} planted links: "
              f"{problems}")
checker.check(not any("missing_in_code.md" in p for p in problems),
              "a link inside a code block is reported")
checker.finish()
