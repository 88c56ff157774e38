"""Just enough HTML parsing to read a page the way a browser would: elements, text, attributes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join(" ".join(parts).split())

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def walk(self) -> Iterator[Element]:
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.walk()

    def find_all(self, tag: str, predicate: Callable[[Element], bool] = lambda e: True) -> list[Element]:
        return [e for e in self.walk() if e.tag == tag and predicate(e)]

    def find(self, tag: str, predicate: Callable[[Element], bool] = lambda e: True) -> Element | None:
        found = self.find_all(tag, predicate)
        return found[0] if found else None


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(html: str | bytes) -> Element:
    builder = _TreeBuilder()
    builder.feed(html.decode() if isinstance(html, bytes) else html)
    builder.close()
    return builder.root


def windows(document: Element) -> list[Element]:
    """The window cards of a slot grid, in page order."""
    return document.find_all("li", lambda e: "window" in e.classes)


def window_titled(document: Element, day_heading_id: str, time_range: str) -> Element:
    day = document.find("section", lambda e: e.attrs.get("aria-labelledby") == day_heading_id)
    assert day is not None, f"no day section {day_heading_id}"
    for card in day.find_all("li", lambda e: "window" in e.classes):
        if time_range in card.text:
            return card
    raise AssertionError(f"no window {time_range} on {day_heading_id}")


def quote_of(card: Element) -> str:
    field_ = card.find("input", lambda e: e.attrs.get("name") == "quote")
    assert field_ is not None, "the window has no quote to post"
    return field_.attrs["value"]


def alert_text(document: Element) -> str:
    alert = document.find("div", lambda e: e.attrs.get("role") == "alert")
    return alert.text if alert else ""
