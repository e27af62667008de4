"""What the benchmark reports share: reading the files a run leaves.

Every reader is forgiving: a run that failed half-way leaves a missing or
cut file, and the report still prints what there is."""
import json


def read_text(path):
    """The file's text ("" when it cannot be read), undecodable bytes replaced."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def load_json(path, default=None):
    """The JSON object on the file's last line, or default."""
    try:
        return json.loads(read_text(path).strip().splitlines()[-1])
    except (ValueError, IndexError):
        return default


def load_rows(path):
    """One JSON object per line; lines that are not one are skipped."""
    rows = []
    for line in read_text(path).splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            pass
    return rows
