"""Key-learning callouts: Python-Markdown's admonitions, as labelled asides.

    !!! lesson "Key learning point"
        Most customers are honest.

becomes `<aside class="callout callout-lesson"><p class="callout-label">Key
learning point</p><p>Most customers are honest.</p></aside>`. Without a quoted
label, `lesson` and `action` get the labels a reader expects; an empty label
(`""`) shows none. Any other type (`note`, `tip`) gets the generic style.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown import Markdown
from markdown.extensions import Extension
from markdown.extensions.admonition import AdmonitionProcessor
from markdown.treeprocessors import Treeprocessor

DEFAULT_LABELS = {"lesson": "Key learning", "action": "Action steps"}


class LabelledAdmonitions(AdmonitionProcessor):
    """Admonitions whose default label fits a story blog, not just the capitalized type."""

    def get_class_and_title(self, match: re.Match[str]) -> tuple[str, str | None]:
        kind, label = super().get_class_and_title(match)
        if match.group(2) is None:
            first = kind.split(" ", 1)[0]
            label = DEFAULT_LABELS.get(first, first.capitalize())
        return kind, label


class AdmonitionsToAsides(Treeprocessor):
    """Turns each admonition `div` into an `aside` with `callout-*` classes."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter("div"):
            classes = element.get("class", "").split()
            if not classes or classes[0] != AdmonitionProcessor.CLASSNAME:
                continue
            element.tag = "aside"
            element.set("class", " ".join(["callout", *(f"callout-{c}" for c in classes[1:])]))
            label = element.find("p")
            if label is not None and label.get("class") == AdmonitionProcessor.CLASSNAME_TITLE:
                label.set("class", "callout-label")


class CalloutExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.registerExtension(self)
        md.parser.blockprocessors.register(LabelledAdmonitions(md.parser), "admonition", 105)
        md.treeprocessors.register(AdmonitionsToAsides(md), "callouts", 25)
