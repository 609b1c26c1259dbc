#!/usr/bin/env python3
"""Checks that every code block marked `<!-- snippet: PATH -->` in a Markdown
page appears verbatim in PATH (relative to the repository root)."""
import re
import sys
from pathlib import Path

root, page = Path(sys.argv[1]), Path(sys.argv[2])
text = page.read_text()
pattern = re.compile(r"<!-- snippet: (\S+) -->\n```[a-z]*\n(.*?)```", re.S)
failures, count = 0, 0
for path, block in pattern.findall(text):
    count += 1
    if block not in (root / path).read_text():
        failures += 1
        print(f"{page.name}: snippet from {path} no longer matches:\n{block}")
print(f"{count} snippets checked, {failures} stale")
sys.exit(1 if failures or count == 0 else 0)
