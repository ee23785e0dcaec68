"""The few WordprocessingML elements python-docx has no API for, in one place.

python-docx sets a font's Latin names only; Word and WPS pick a Chinese glyph's font from
``w:rFonts/@w:eastAsia`` (and the language from ``w:lang/@w:eastAsia``), so without them a
document falls back to whatever the reader's default East Asian font is. Fields (page numbers,
a table of contents) and a table's repeating header row are plain elements too.
"""

from __future__ import annotations

from docx.oxml import OxmlElement
from docx.oxml.ns import qn


def east_asian_font(rpr_owner, name: str, *, lang: str = "zh-CN") -> None:
    """Set the East Asian font ``name`` and language on a style's or run's run properties.

    ``rpr_owner`` is the ``w:style`` or ``w:r`` element. Theme font attributes are removed:
    they win over a named font in Word.
    """
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:eastAsia"), name)
    language = rpr.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        rpr.append(language)
    language.set(qn("w:eastAsia"), lang)


def field(paragraph, instruction: str, placeholder: str = "") -> None:
    """Append a field (``PAGE``, ``NUMPAGES``, ``TOC \\o "1-3" \\h \\z \\u``, ...) to
    ``paragraph`` as begin/instruction/separate/result/end runs; ``placeholder`` is the
    result shown until the reader updates fields."""
    def run_with(child) -> None:
        r = OxmlElement("w:r")
        r.append(child)
        paragraph._p.append(r)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    begin.set(qn("w:dirty"), "true")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    text = OxmlElement("w:t")
    text.text = placeholder
    run_with(text)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def repeat_header(row) -> None:
    """Mark a table row as a header row, repeated at the top of every page the table spans,
    and keep it on one page."""
    _row_flags(row, ("w:cantSplit", "w:tblHeader"))


def keep_row_together(row) -> None:
    """Keep a table row on one page (a town's line is not cut by a page break)."""
    _row_flags(row, ("w:cantSplit",))


def _row_flags(row, tags: tuple[str, ...]) -> None:
    trpr = row._tr.get_or_add_trPr()
    for tag in tags:
        if trpr.find(qn(tag)) is None:
            el = OxmlElement(tag)
            el.set(qn("w:val"), "true")
            trpr.append(el)


def is_repeated_header(row) -> bool:
    """Whether ``row`` is marked as a repeating header row (see :func:`repeat_header`)."""
    trpr = row._tr.trPr
    if trpr is None:
        return False
    el = trpr.find(qn("w:tblHeader"))
    return el is not None and el.get(qn("w:val"), "true") in ("true", "1", "on")


def east_asian_font_of(rpr_owner) -> str | None:
    """The East Asian font named on a style's or run's run properties, if any."""
    rpr = rpr_owner.rPr
    fonts = None if rpr is None else rpr.find(qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


#: Elements that follow ``w:updateFields`` in ``w:settings`` (CT_Settings is a sequence; Word
#: refuses a file with its children out of order).
_AFTER_UPDATE_FIELDS = ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars",
                        "rsids", "mathPr", "attachedSchema", "themeFontLang", "clrSchemeMapping",
                        "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures", "forceUpgrade",
                        "captions", "readModeInkLockDown", "smartTagType", "schemaLibrary",
                        "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol", "listSeparator")


def update_fields_on_open(document) -> None:
    """Ask Word to update the fields (the table of contents, page counts) when it opens the
    file; WPS and LibreOffice update them on their own."""
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is not None:
        return
    el = OxmlElement("w:updateFields")
    el.set(qn("w:val"), "true")
    for child in settings:
        if child.tag.rsplit("}", 1)[-1] in _AFTER_UPDATE_FIELDS:
            child.addprevious(el)
            return
    settings.append(el)


def remove_borders(style) -> None:
    """Remove a paragraph style's borders (the template's Title has a blue rule under it)."""
    ppr = style.element.pPr
    if ppr is not None:
        for el in ppr.findall(qn("w:pBdr")):
            ppr.remove(el)
