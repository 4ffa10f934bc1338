# SPDX-License-Identifier: GPL-3.0-or-later
"""A small reader for gettext .po/.pot files (what the i18n tests need, nothing more)."""
import re

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r", "a": "\a", "b": "\b",
            "f": "\f", "v": "\v"}


def _unquote(text):
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"not a quoted string: {text!r}")
    return re.sub(r'\\(.)', lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


class Entry:
    def __init__(self):
        self.msgctxt = None
        self.msgid = None
        self.msgid_plural = None
        self.msgstr = None          # a string, or a list of strings for plural entries
        self.flags = set()
        self.comments = []          # "#." lines
        self.references = []        # "#:" lines
        self.line = 0

    @property
    def key(self):
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def fuzzy(self):
        return "fuzzy" in self.flags

    def translated(self):
        strs = self.msgstr if isinstance(self.msgstr, list) else [self.msgstr]
        return all(s for s in strs) and not self.fuzzy


def read(path):
    """Returns (header Entry, [Entry]) of the active (non-obsolete) entries."""
    entries = []
    cur = None
    field = None

    def finish():
        nonlocal cur
        if cur is not None and cur.msgid is not None:
            entries.append(cur)
        cur = None

    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip():
                finish()
                field = None
                continue
            if line.startswith("#~"):
                continue
            if cur is None:
                cur = Entry()
                cur.line = n
            if line.startswith("#,"):
                cur.flags.update(x.strip() for x in line[2:].split(",") if x.strip())
            elif line.startswith("#."):
                cur.comments.append(line[2:].strip())
            elif line.startswith("#:"):
                cur.references += line[2:].split()
            elif line.startswith("#"):
                pass
            elif line.startswith('"'):
                value = _unquote(line)
                if field == "msgstr_plural":
                    cur.msgstr[-1] += value
                else:
                    setattr(cur, field, getattr(cur, field) + value)
            else:
                m = re.match(r'(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$', line)
                if not m:
                    raise ValueError(f"{path}:{n}: cannot read {line!r}")
                name, index, value = m.group(1), m.group(2), _unquote(m.group(3))
                if name == "msgstr" and index is not None:
                    if not isinstance(cur.msgstr, list):
                        cur.msgstr = []
                    if int(index) != len(cur.msgstr):
                        raise ValueError(f"{path}:{n}: msgstr[{index}] out of order")
                    cur.msgstr.append(value)
                    field = "msgstr_plural"
                else:
                    setattr(cur, name, value)
                    field = name
    finish()
    if not entries or entries[0].msgid != "" or entries[0].msgctxt is not None:
        raise ValueError(f"{path}: no header entry")
    return entries[0], entries[1:]


def header_fields(header):
    fields = {}
    for line in header.msgstr.split("\n"):
        if ":" in line:
            k, v = line.split(":", 1)
            fields[k.strip()] = v.strip()
    return fields


def catalog(path):
    """{(msgctxt, msgid): msgstr or [msgstr…]} of the translated, non-fuzzy entries."""
    _, entries = read(path)
    return {(e.msgctxt, e.msgid): e.msgstr for e in entries if e.translated()}
