"""Text in the report's charts: an estimate of its width in the charts' font (which errs wide),
wrapping and fitting it to a width, and the titles wrapped above a chart. So that no label runs
over another or out of its chart, without a browser to measure it."""

from __future__ import annotations

from markupsafe import Markup

#: the charts' font size in px (style.css.j2: ``svg.plot { font: 11px ... }``)
FONT_SIZE = 11
#: a line of a wrapped title, in px
TITLE_LINE = 14
#: the width in em of each printable ASCII character in DejaVu Sans (the sans-serif of Linux
#: browsers; the other system fonts are narrower), rounded up to 0.01 em
_EM = {
    char: em
    for em, chars in (
        (0.28, "ijl'"), (0.30, "IJ"), (0.32, ",. "), (0.34, "/:;\\|"), (0.36, "f"),
        (0.37, "-"), (0.40, "t()[]"), (0.41, "!"), (0.42, "r"), (0.46, '"'), (0.50, "*_`"),
        (0.53, "sz"), (0.54, "?"), (0.55, "c"), (0.56, "L"), (0.58, "kF"), (0.60, "vxy"),
        (0.61, "P"), (0.62, "aeoTY"), (0.64, "0123456789bdghnpquES${}"), (0.66, "K"),
        (0.69, "ABVXZ"), (0.70, "CR"), (0.74, "U"), (0.75, "N"), (0.76, "H"), (0.77, "D"),
        (0.78, "G&"), (0.79, "OQ"), (0.82, "w"), (0.84, "#+<=>^~"), (0.87, "M"), (0.96, "%"),
        (0.98, "m"), (0.99, "W"), (1.00, "@"),
    )
    for char in chars
}  # fmt: skip
#: any other character (λ, β, arrows, ≤, ±: at most 0.84 em; … 1 em)
_OTHER_EM = 0.84
#: bold (the titles) is wider by at most this much on a label's mix of characters
BOLD = 1.15


def text_width(text: str, bold: bool = False, size: float = FONT_SIZE) -> float:
    """An estimate of the width in px of ``text`` in the charts' font that errs wide: each
    character's width in DejaVu Sans rounded up (:data:`_EM`), 0.84 em for any other (1 em
    for an ellipsis)."""
    em = sum(_EM.get(char, 1.0 if char == "…" else _OTHER_EM) for char in text)
    return em * size * (BOLD if bold else 1.0)


def wrap_text(text: str, width: float, bold: bool = False) -> list[str]:
    """``text`` in lines no wider than ``width`` (by :func:`text_width`), broken at spaces (a
    word wider than a line is broken inside)."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, bold) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while text_width(word, bold) > width and len(word) > 1:
            cut = max(1, len(fit_text(word, width, bold, ellipsis="")))
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    lines.append(line)
    return lines


def fit_text(text: str, width: float, bold: bool = False, ellipsis: str = "…") -> str:
    """``text``, or its longest start that fits ``width`` with ``ellipsis`` after it."""
    if text_width(text, bold) <= width:
        return text
    for end in range(len(text) - 1, 0, -1):
        start = text[:end].rstrip()
        if text_width(start + ellipsis, bold) <= width:
            return start + ellipsis
    return ""


def fitted_label(text: str, width: float) -> Markup:
    """``text`` fitted to ``width``; when shortened, the whole text as its tooltip."""
    shown = fit_text(text, width)
    if shown == text:
        return Markup("{}").format(text)
    return Markup("{}<title>{}</title>").format(shown, text)


def title_space(title: str, width: float) -> float:
    """The height a chart of ``width`` adds above its content for a title of more than one
    line (:func:`svg` wraps it)."""
    return TITLE_LINE * (len(title_lines(title, width)) - 1)


def title_lines(title: str, width: float) -> list[str]:
    """The lines of a chart's ``title`` wrapped to the chart's ``width`` (bold, 8 px each side)."""
    return wrap_text(title, width - 16, bold=True)


__all__ = [
    "BOLD",
    "FONT_SIZE",
    "TITLE_LINE",
    "fit_text",
    "fitted_label",
    "text_width",
    "title_lines",
    "title_space",
    "wrap_text",
]
