#!/usr/bin/env python3
"""doc_links.py — every relative link of the given Markdown files resolves.

A link `[text](target)` (an image's too) whose target is not a URL must
name a file or folder that exists, relative to the file that holds it,
and its `#anchor`, if any, must be a heading of the target (or of the same
file, for a bare `#anchor`), slugged as GitHub slugs headings. Links in
code (fenced blocks and `inline code`) are text, not links. Prints one
line per broken link (FILE:LINE: what) and exits 1 if there is any.
"""
import os
import re
import sys

LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^()\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"`+[^`]*`+")


def prose_lines(path):
    """(line number, text) of the lines outside fenced code, inline code cut."""
    fenced = False
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if FENCE.match(line):
                fenced = not fenced
                continue
            if not fenced and not line.startswith("    "):
                yield n, INLINE_CODE.sub("", line)


def slug(heading):
    """GitHub's anchor: lower case, markup and punctuation out, spaces to '-'."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip())
    text = text.lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path, cache={}):
    if path not in cache:
        seen, found = {}, set()
        fenced = False
        with open(path, encoding="utf-8") as f:
            for line in f:
                if FENCE.match(line):
                    fenced = not fenced
                m = None if fenced else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
                if m:
                    s = slug(m.group(1))
                    n = seen.get(s, 0)
                    seen[s] = n + 1
                    found.add(s if n == 0 else "%s-%d" % (s, n))
        cache[path] = found
    return cache[path]


def check(path):
    errors = []
    base = os.path.dirname(path)
    for n, line in prose_lines(path):
        for target in LINK.findall(line):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
                continue            # http:, https:, mailto:
            file_part, _, anchor = target.partition("#")
            dest = os.path.normpath(os.path.join(base, file_part)) if file_part else path
            if not os.path.exists(dest):
                errors.append("%s:%d: %s: no such file" % (path, n, target))
            elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                errors.append("%s:%d: %s: no heading with anchor #%s in %s"
                              % (path, n, target, anchor, dest))
    return errors


def main(paths):
    errors = [e for p in paths for e in check(p)]
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
