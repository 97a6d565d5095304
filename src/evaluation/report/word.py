"""The team's editable edition as a Word document (.docx), from the same document model as the HTML.

python-docx writes Word's own structures, so the team can edit the evaluation and file it
in the municipality's document system: the sections as *Heading 1* (subheadings as
*Heading 2/3*), tables as Word tables (heading row repeated on each page, numbers
right-aligned), the charts as pictures (PNG taken from the printed page by ``render.py``),
the title page, and a table of contents. Word fills a contents field in when the
document is opened (it asks to update the fields: ``w:updateFields``); the document says so
under the heading, because LibreOffice and some viewers show it empty until then. The
footer carries the page number as a Word field.
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document as new_document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from evaluation.report import model

FIGURE_WIDTH = Cm(16)  # A4 less 2.5 cm margins each side
NOTE_COLOUR = RGBColor(0x4A, 0x55, 0x61)
CONTENTS_NOTE = ("Indholdsfortegnelsen er et felt, som Word udfylder, når dokumentet åbnes (svar ja til at "
                 "opdatere felterne, eller højreklik på den og vælg Opdater felt).")


def write_docx(doc: model.Document, path: Path, pictures: dict[str, bytes] | None = None) -> Path:
    """Write ``doc`` as .docx to ``path``; charts from ``pictures`` (figure id -> PNG), else
    their description in brackets."""
    word = new_document()
    _page_setup(word)
    _styles(word)
    _title_page(word, doc)
    word.add_heading("Indhold", level=1)
    _contents_field(word)
    _note(word, CONTENTS_NOTE)
    _update_fields_on_open(word)
    for section in doc.sections:
        heading = word.add_heading(section.title, level=1)
        if section.new_page:
            heading.paragraph_format.page_break_before = True
        for block in section.blocks:
            _block(word, block, pictures or {})
    _footer(word, doc.footer)
    path = Path(path)
    word.save(str(path))
    return path


def _page_setup(word: object) -> None:
    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)


def _styles(word: object) -> None:
    """Arial 10.5 pt, Danish as the document language (spelling and hyphenation in Word)."""
    normal = word.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10.5)
    props = normal.element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "da-DK")
    props.append(lang)


def _title_page(word: object, doc: model.Document) -> None:
    word.add_paragraph(doc.title, style="Title")
    edition = word.add_paragraph(doc.edition_label)
    edition.runs[0].font.size = Pt(14)
    for line in doc.subtitle_lines:
        _note(word, line)
    word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _contents_field(word: object) -> None:
    """A TOC field over Heading 1–3 with links, which Word fills in."""
    paragraph = word.add_paragraph()
    _field(paragraph, 'TOC \\o "1-3" \\h \\z \\u', "Højreklik og vælg Opdater felt for at se indholdsfortegnelsen.")
    paragraph.add_run().add_break(WD_BREAK.PAGE)


def _field(paragraph: object, instruction: str, placeholder: str) -> None:
    """A Word field (begin, instruction, separate, shown text, end) in ``paragraph``."""
    def char(kind: str) -> object:
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        if kind == "begin":
            element.set(qn("w:dirty"), "true")
        run._r.append(element)
        return run

    char("begin")
    code = paragraph.add_run()
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = instruction
    code._r.append(text)
    char("separate")
    paragraph.add_run(placeholder)
    char("end")


def _update_fields_on_open(word: object) -> None:
    """Ask Word to update the fields (the contents) when the document is opened."""
    settings = word.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def _footer(word: object, text: str) -> None:
    paragraph = word.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(f"{text} · Side " if text else "Side ")
    run.font.size = Pt(8)
    _field(paragraph, "PAGE", "1")


def _note(word: object, text: str) -> object:
    paragraph = word.add_paragraph(text)
    for run in paragraph.runs:
        run.font.size = Pt(9)
        run.font.color.rgb = NOTE_COLOUR
    return paragraph


def _block(word: object, block: model.Block, pictures: dict[str, bytes]) -> None:
    """One block of the model as Word content."""
    if isinstance(block, model.Heading):
        word.add_heading(block.text, level=min(block.level - 1, 3))
    elif isinstance(block, model.Paragraph):
        if block.style == "note":
            _note(word, block.text)
        elif block.style == "quote":
            word.add_paragraph(block.text, style="Quote")
        elif block.style == "answer":
            paragraph = word.add_paragraph(block.text, style="Intense Quote")
            paragraph.paragraph_format.left_indent = Cm(0.5)
        else:
            word.add_paragraph(block.text)
    elif isinstance(block, model.BulletList):
        for item in block.items:
            word.add_paragraph(item, style="List Bullet")
    elif isinstance(block, model.Table):
        _table(word, block)
    elif isinstance(block, model.Figure):
        picture = pictures.get(block.figure_id)
        if picture:
            word.add_picture(io.BytesIO(picture), width=FIGURE_WIDTH)
            _note(word, block.description)
        else:
            _note(word, f"[Figur: {block.description} Se figuren i rapportens PDF- eller HTML-udgave.]")


def _table(word: object, block: model.Table) -> None:
    """A Word table: bold heading row repeated on each page, numbers right-aligned."""
    table = word.add_table(rows=1 + len(block.rows), cols=len(block.headings))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    numeric = set(block.numeric)
    for row_no, values in enumerate([block.headings, *block.rows]):
        row = table.rows[row_no]
        for col_no, value in enumerate(values):
            cell = row.cells[col_no]
            cell.text = str(value)
            paragraph = cell.paragraphs[0]
            if col_no in numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            for run in paragraph.runs:
                run.font.size = Pt(9)
                run.bold = row_no == 0 or (block.row_headings and col_no == 0)
        if row_no == 0:  # repeat the heading row on every page
            header = OxmlElement("w:tblHeader")
            header.set(qn("w:val"), "true")
            row._tr.get_or_add_trPr().append(header)
        no_split = OxmlElement("w:cantSplit")  # a row never breaks across pages
        row._tr.get_or_add_trPr().append(no_split)
    word.add_paragraph()


__all__ = ["write_docx", "CONTENTS_NOTE"]
