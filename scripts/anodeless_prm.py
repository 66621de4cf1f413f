"""Editing anodeless parameter files as text, for the scripts and tests.

set_parameters(text, {"Protocol/Number of cycles": "1", ...}) returns the
text with each parameter set: the existing 'set' line in its subsection is
replaced (keeping the file's comments and layout), and keys the file does not
set are added in their subsections at the end. The executable refuses a key
set twice, so appending overrides to a file is not an option.
"""


def set_parameters(text, values):
    lines = text.splitlines()
    missing = {path: str(value) for path, value in values.items()}
    stack = []
    for i, line in enumerate(lines):
        content = line.split("#")[0].strip()
        if content.startswith("subsection "):
            stack.append(content[len("subsection "):].strip())
        elif content == "end":
            if stack:
                stack.pop()
        elif content.startswith("set ") and "=" in content:
            key = content[4:].split("=", 1)[0].strip()
            path = "/".join(stack + [key])
            if path in missing:
                indent = line[:len(line) - len(line.lstrip())]
                comment = line[line.index("#"):] if "#" in line else ""
                lines[i] = f"{indent}set {key} = {missing.pop(path)}" + \
                    (f"  {comment}" if comment else "")
    for path, value in missing.items():
        parts = path.split("/")
        for depth, part in enumerate(parts[:-1]):
            lines.append("  " * depth + f"subsection {part}")
        lines.append("  " * (len(parts) - 1) + f"set {parts[-1]} = {value}")
        for depth in reversed(range(len(parts) - 1)):
            lines.append("  " * depth + "end")
    return "\n".join(lines) + "\n"


def get_parameter(text, path):
    """The value the text sets for a parameter path, or None."""
    stack = []
    for line in text.splitlines():
        content = line.split("#")[0].strip()
        if content.startswith("subsection "):
            stack.append(content[len("subsection "):].strip())
        elif content == "end":
            if stack:
                stack.pop()
        elif content.startswith("set ") and "=" in content:
            key, value = content[4:].split("=", 1)
            if "/".join(stack + [key.strip()]) == path:
                return value.strip()
    return None
