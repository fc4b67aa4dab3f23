"""Footnotes and endnotes of a .docx (``footnotes.xml``, ``endnotes.xml``), numbered as Word shows them.

A note's text lives in its own part; the body holds only a ``w:footnoteReference`` /
``w:endnoteReference`` with the note's id. The loader puts each cited note on a line of its own
right after the paragraph that cites it ("注1：城镇新增就业人数是指…"), so the definition is
findable and cited with that paragraph's section, and the sentence that cites it stays whole
(its reference mark is not written into the sentence, where "21846" + "1" would read as 218461).
"""

from __future__ import annotations

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import qn

# Word's separator notes (the rule above the notes), not notes a writer wrote.
_SEPARATORS = {"separator", "continuationSeparator", "continuationNotice"}
KINDS = {"footnote": ("注", RT.FOOTNOTES), "endnote": ("尾注", RT.ENDNOTES)}


def _note_texts(part_blob: bytes, kind: str) -> dict[str, str]:
    """Note id → its text (paragraphs joined by a space), separator notes left out."""
    root = parse_xml(part_blob)
    notes = {}
    for note in root.iterfind(qn(f"w:{kind}")):
        if note.get(qn("w:type")) in _SEPARATORS:
            continue
        paragraphs = []
        for paragraph in note.iter(qn("w:p")):
            text = "".join(t.text or "" for t in paragraph.iter(qn("w:t")))
            if text.strip():
                paragraphs.append(text.strip())
        if paragraphs:
            notes[note.get(qn("w:id"), "")] = " ".join(paragraphs)
    return notes


class Notes:
    """A document's footnotes and endnotes, handed out in the order the body cites them.

    ``Notes(document_part)`` reads the parts related to the main document part (none: no notes);
    ``cited(paragraph)`` returns the lines of the notes a ``w:p`` cites, each labelled by its kind
    and its number in citing order ("注1：…", "尾注1：…"); a note cited twice is given once.
    """

    def __init__(self, document_part) -> None:
        self._texts: dict[str, dict[str, str]] = {}
        for kind, (_, reltype) in KINDS.items():
            part = next((rel.target_part for rel in document_part.rels.values() if rel.reltype == reltype), None)
            self._texts[kind] = _note_texts(part.blob, kind) if part is not None else {}
        self._numbers: dict[tuple[str, str], int] = {}

    def cited(self, paragraph) -> list[str]:
        """Lines of the notes cited in ``paragraph`` (a ``w:p``), in order, each the first time it is cited."""
        if not any(self._texts.values()):
            return []
        lines = []
        for reference in paragraph.iter(qn("w:footnoteReference"), qn("w:endnoteReference")):
            kind = "footnote" if reference.tag == qn("w:footnoteReference") else "endnote"
            note_id = reference.get(qn("w:id"), "")
            text = self._texts[kind].get(note_id)
            if text is None or (kind, note_id) in self._numbers:
                continue
            number = 1 + sum(1 for k, _ in self._numbers if k == kind)
            self._numbers[(kind, note_id)] = number
            lines.append(f"{KINDS[kind][0]}{number}：{text}")
        return lines
