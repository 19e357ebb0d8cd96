"""The case file as a PDF: the same text the chat showed, with an embedded CJK font.

fpdf2 embeds the subset of the font the text uses (Debian's Noto Sans CJK, installed by
``make install-system``), so the PDF reads the same on any device. Section heads (a line
in the case file's heading brackets) are set larger; long lines wrap by character, as
Chinese does. Made on request from the stored chat message, never stored itself.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

FONT_NAME = "case-file-cjk"
BODY_SIZE, HEAD_SIZE, TITLE_SIZE = 10.5, 12.5, 15
LINE_HEIGHT = 6.0
HEAD_OPEN = "\u3010"  # a section head opens with the heading bracket


class CaseFileFontMissing(RuntimeError):
    """The CJK font for the PDF is not installed (``make install-system``)."""


def case_file_pdf(text: str, font: Path, font_index: int = 0) -> bytes:
    """The case file text as PDF bytes: the first line as the title, heads larger."""
    if not Path(font).is_file():
        raise CaseFileFontMissing(f"no font at {font}; run make install-system or set "
                                  "CASE_FILE_FONT")
    pdf = FPDF(format="A4")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font(FONT_NAME, fname=str(font), collection_font_number=font_index)
    pdf.add_page()
    lines = text.strip().split("\n")
    for number, line in enumerate(lines):
        size = TITLE_SIZE if number == 0 else HEAD_SIZE if line.startswith(HEAD_OPEN) \
            else BODY_SIZE
        pdf.set_font(FONT_NAME, size=size)
        if number and line.startswith(HEAD_OPEN):
            pdf.ln(2)
        pdf.multi_cell(0, LINE_HEIGHT * size / BODY_SIZE, line or " ", wrapmode=WrapMode.CHAR,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
