"""Side widgets of the coding screen.  They only render what the screen pushes down and post
messages up; none of them touches the project or the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.style import Style
from rich.text import Text
from textual.content import Content
from textual.message import Message
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from fieldcode.safe import clean
from fieldcode.tui.textmap import Span

CODER_COLOURS = ["#5fd7ff", "#ffaf00", "#d787ff", "#87d75f", "#ff875f", "#ffd7af"]


def coder_colour(coders: Sequence[str], coder: str) -> str:
    """A stable colour per coder (by sorted position among the project's coders)."""
    ordered = sorted(set(coders) | {coder})
    return CODER_COLOURS[ordered.index(coder) % len(CODER_COLOURS)]


@dataclass
class InterviewItem:
    id: int
    name: str
    attributes: dict[str, str]
    n_codings: int
    coded_share: float   # share of analysed words coded with any code (fieldcode.analysis.progress)


@dataclass
class CodeItem:
    id: int
    key: str
    name: str
    parent_id: int | None
    colour: str
    hotkey: str | None
    definition: str = ""
    use_when: str = ""
    not_when: str = ""
    example: str = ""
    keywords: list[str] = field(default_factory=list)


def when(dt) -> str:  # noqa: ANN001
    """A coding's time as shown (UTC, to the minute)."""
    if dt is None or dt == "":
        return ""
    if isinstance(dt, str):
        return dt[:16]
    return dt.strftime("%Y-%m-%d %H:%M")


def progress_bar(share: float, width: int = 5) -> str:
    filled = round(max(0.0, min(1.0, share)) * width)
    return "▰" * filled + "▱" * (width - filled)


def fit(head: Text, tail: Text, width: int) -> Text:
    """``head`` + ``tail`` in ``width`` cells: the head (a name) is shortened with an ellipsis,
    the tail (counts, an arm) always stays whole, so a cut number never reads as another."""
    room = width - tail.cell_len
    if head.cell_len > room:
        head = head[:max(1, room - 1)]
        head.append("…")
    out = head.copy()
    out.append_text(tail)
    return out


def highlight(matcher, text: str) -> Content:  # noqa: ANN001 - a textual.fuzzy.Matcher
    """``matcher.highlight(text)`` without reading ``text`` as markup: a command palette entry
    names an interview or a code, which is data ('[/] retracing' would crash the palette,
    '[Laughs]' would vanish).  Terminal controls are removed."""
    text = clean(text)
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if score:
        for o in offsets:
            if not text[o].isspace():
                content = content.stylize(matcher.match_style, o, o + 1)
    return content


def data(text: object) -> Content:
    """``text`` (a name, a definition, a memo) as Textual content that is never parsed as markup."""
    return Content(clean(text))


def short_name(name: str) -> str:
    return name.rsplit(".", 1)[0] if name.endswith((".md", ".txt", ".docx", ".odt", ".vtt", ".srt")) else name


def group_interviews(items: Sequence[InterviewItem], arms: Sequence[str]):
    """pair -> [(neighbourhood, arm, interviews)], pairs by name, the focal arm first."""
    arm_rank = {a: i for i, a in enumerate(arms)}
    groups: dict[str, dict[tuple[int, str, str], list[InterviewItem]]] = {}
    for it in items:
        pair = it.attributes.get("pair", "(no pair)")
        hood = it.attributes.get("neighbourhood", "(no neighbourhood)")
        arm = it.attributes.get("arm", "")
        groups.setdefault(pair, {}).setdefault((arm_rank.get(arm, 99), hood, arm), []).append(it)
    return [
        (pair, [(hood, arm, sorted(groups[pair][(r, hood, arm)], key=lambda i: i.name))
                for (r, hood, arm) in sorted(groups[pair])])
        for pair in sorted(groups)
    ]


def navigator_order(items: Sequence[InterviewItem], arms: Sequence[str]) -> list[int]:
    """Interview ids in the order the navigator lists them (next/previous interview)."""
    return [it.id for _, hoods in group_interviews(items, arms) for _, _, members in hoods for it in members]


class Navigator(Tree[int]):
    """Interviews grouped pair → neighbourhood (arm) → interview, with coding progress."""

    DEFAULT_CSS = """
    Navigator { height: 1fr; min-height: 4; scrollbar-size-vertical: 1; }
    """

    class InterviewChosen(Message):
        def __init__(self, interview_id: int) -> None:
            super().__init__()
            self.interview_id = interview_id

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__("Interviews", id=id)
        self.show_root = False
        self.guide_depth = 2
        self._by_id: dict[int, TreeNode[int]] = {}
        self.order: list[int] = []

    def show(self, items: Sequence[InterviewItem], arms: Sequence[str], current: int | None) -> None:
        width = (self.size.width or 30) - 1      # a scrollbar may appear
        groups = group_interviews(items, arms)
        shape = [(pair, [(hood, arm, [it.id for it in members]) for hood, arm, members in hoods])
                 for pair, hoods in groups]
        if shape == getattr(self, "_shape", None) and width == getattr(self, "_width", None):
            # The same interviews in the same places (counts changed): relabel in place, so the
            # cursor and scroll stay where they are instead of jumping while the tree is rebuilt.
            self._last = (items, arms, current)
            g = self.guide_depth
            for pair, hoods in groups:
                for hood, arm, members in hoods:
                    flat = hood == "(no neighbourhood)" and not arm
                    for it in members:
                        label = self._label(it, it.id == current, width - (2 if flat else 3) * g - 1)
                        node = self._by_id[it.id]
                        if node.label != label:
                            node.set_label(label)
            if current in self._by_id and self.cursor_node is not self._by_id[current]:
                self.mark_current(current)
            return
        self._shape, self._width = shape, width
        expanded_before = {str(n.label): n.is_expanded for n in self._walk() if n.children}
        self.clear()
        self._by_id.clear()
        arm_rank = {a: i for i, a in enumerate(arms)}
        self.order = []
        self._last = (items, arms, current)
        g = self.guide_depth
        for pair, hoods in groups:
            pnode = self.root.add(Text(clean(pair), style="bold"), expand=True)
            for hood, arm, members in hoods:
                tail = Text()
                if arm:
                    tail.append(f" ({arm})", style="italic #87d787" if arm_rank.get(arm) == 0 else "italic #d7875f")
                label = fit(Text(clean(hood)), tail, width - 2 * g - 2)
                # Without neighbourhood or arm, interviews sit right under their pair.
                flat = hood == "(no neighbourhood)" and not arm
                hnode = pnode if flat else pnode.add(label, expand=True)
                for it in members:
                    node = hnode.add_leaf(self._label(it, it.id == current, width - (2 if flat else 3) * g - 1),
                                          data=it.id)
                    self._by_id[it.id] = node
                    self.order.append(it.id)
        for n in self._walk():
            key = str(n.label)
            if key in expanded_before and not expanded_before[key]:
                n.collapse()
        if current in self._by_id:
            node = self._by_id[current]
            self.select_node(node)
            # Line numbers exist only after the rebuilt tree is laid out: then keep it in view.
            self.call_after_refresh(lambda: node.tree is self and self.move_cursor(node, animate=False))

    def mark_current(self, current: int) -> None:
        """Move the ▶ mark and the cursor to ``current`` at once, without rebuilding the tree:
        switching interviews shows where you are before the counts refresh (``show``)."""
        node = self._by_id.get(current)
        if node is None:
            return
        for other in self._by_id.values():
            label = other.label
            if isinstance(label, Text) and label.plain.startswith("▶ ") and other is not node:
                other.set_label(Text("  ") + label[2:])
        if isinstance(node.label, Text) and not node.label.plain.startswith("▶ "):
            node.set_label(Text("▶ ", style="bold #ffd75f") + node.label[2:])
        if getattr(self, "_last", None) is not None:
            self._last = (self._last[0], self._last[1], current)
        self.select_node(node)
        self.move_cursor(node, animate=False)

    def _walk(self):
        stack = list(self.root.children)
        while stack:
            n = stack.pop()
            yield n
            stack.extend(n.children)

    def on_resize(self) -> None:
        if getattr(self, "_last", None) is not None and self._last[0]:
            self.show(*self._last)

    @staticmethod
    def _label(it: InterviewItem, current: bool, width: int = 200) -> Text:
        name = short_name(it.name)
        # Under its pair and neighbourhood an interview needs no "leeds-improving-" prefix.
        parts = name.split("-")
        drop = {v.casefold() for k, v in it.attributes.items() if k in ("pair", "arm", "neighbourhood")}
        while len(parts) > 1 and parts[0].casefold() in drop:
            parts.pop(0)
        name = "-".join(parts)
        role = it.attributes.get("role")
        t = Text("▶ " if current else "  ", style="bold #ffd75f")
        t.append(clean(name), style="bold" if current else "")
        if role and role not in name:
            t.append(f" {clean(role)}", style="dim italic")
        tail = Text(f" {progress_bar(it.coded_share)}" if width >= 30 else "", style="#5fafff")
        tail.append(f" {it.coded_share:.0%} {it.n_codings}c", style="dim")
        return fit(t, tail, width)

    def on_tree_node_selected(self, event: Tree.NodeSelected[int]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.InterviewChosen(event.node.data))


class CodebookTree(Tree[int]):
    """The codebook: colour swatch, hotkey, name, and counts (this interview / whole study)."""

    DEFAULT_CSS = """
    CodebookTree { height: 1fr; min-height: 4; scrollbar-size-vertical: 1; }
    """

    class CodeChosen(Message):
        def __init__(self, code_id: int) -> None:
            super().__init__()
            self.code_id = code_id

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__("Codebook", id=id)
        self.show_root = False
        self.auto_expand = False     # Enter applies the code; it does not fold the branch
        self.guide_depth = 2
        self._by_id: dict[int, TreeNode[int]] = {}

    def show(self, codes: Sequence[CodeItem], here: dict[int, int], study: dict[int, int],
             hidden: set[int] | None = None) -> None:
        """``hidden``: codes not shown in the transcript (f), drawn dim."""
        self._last = (codes, here, study, hidden)
        ids = {c.id for c in codes}
        by_id = {c.id: c for c in codes}

        def depth(c: CodeItem) -> int:
            d, seen = 0, {c.id}
            while c.parent_id in ids and c.parent_id not in seen:
                c = by_id[c.parent_id]
                seen.add(c.id)
                d += 1
            return d

        has_kids = {c.parent_id for c in codes}
        width = (self.size.width or 30) - 1      # a scrollbar may appear

        def label(c: CodeItem) -> Text:
            room = width - self.guide_depth * depth(c) - (2 if c.id in has_kids else 0) - 1
            return self.label_for(c, here.get(c.id, 0), study.get(c.id, 0), room, dim=bool(hidden and c.id in hidden))

        shape = [(c.id, c.parent_id, c.name, c.colour, c.hotkey) for c in codes]
        if shape == getattr(self, "_shape", None):
            # Same codebook: relabel in place (keeps the cursor and folding).
            for c in codes:
                self._by_id[c.id].set_label(label(c))
            return
        self._shape = shape
        keep = self.cursor_node.data if self.cursor_node is not None else None
        self.clear()
        self._by_id.clear()
        children: dict[int | None, list[CodeItem]] = {}
        for c in codes:
            children.setdefault(c.parent_id if c.parent_id in ids else None, []).append(c)

        def add(parent: TreeNode[int], c: CodeItem) -> None:
            kids = children.get(c.id, [])
            node = parent.add(label(c), data=c.id, expand=True, allow_expand=bool(kids))
            self._by_id[c.id] = node
            for k in kids:
                add(node, k)

        for c in children.get(None, []):
            add(self.root, c)
        if keep in self._by_id:
            self.move_cursor(self._by_id[keep])

    def on_resize(self) -> None:
        if getattr(self, "_last", None) is not None:
            self.show(*self._last)

    @staticmethod
    def label_for(c: CodeItem, here: int, study: int, width: int = 200, *, dim: bool = False) -> Text:
        t = Text("■ ", style=Style(color=c.colour))
        t.append(f"{c.hotkey} " if c.hotkey else "  ", style="bold")
        t.append(clean(c.name), style="dim strike" if dim else "")
        return fit(t, Text(f" {here}/{study}", style="dim"), width)

    async def _on_click(self, event) -> None:  # noqa: ANN001 - events.Click
        """A single click only highlights a code (so a stray click never codes text); a double
        click, like Enter, applies it.  Clicking the fold arrow folds."""
        meta = event.style.meta
        if "line" not in meta or event.chain >= 2:
            return  # the Tree's own handler: select (apply)
        event.prevent_default()
        if meta.get("toggle", False):
            node = self.get_node_at_line(meta["line"])
            if node is not None:
                node.toggle()
        else:
            self.cursor_line = meta["line"]

    def select_code(self, code_id: int) -> None:
        if code_id in self._by_id:
            self.move_cursor(self._by_id[code_id])
            self.scroll_to_node(self._by_id[code_id])

    @property
    def current_code(self) -> int | None:
        return self.cursor_node.data if self.cursor_node is not None else None

    def on_tree_node_selected(self, event: Tree.NodeSelected[int]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.CodeChosen(event.node.data))


class LineCodes(Static):
    """The side list: which codes cover the line the cursor is on."""

    DEFAULT_CSS = """
    LineCodes { height: 1; padding: 0 1; background: $boost; }
    """

    def show(self, spans: Sequence[Span], codes: dict[int, CodeItem], coders: Sequence[str], me: str | None,
             memos: int = 0, marked: Span | None = None) -> None:
        """``marked``: the ▶ coding (the one x, e, [, ], = and m act on), named first, so it is
        in view even when the details panel is too short to reach it."""
        note = Text(f"  ✎ {memos} memo{'s' if memos != 1 else ''} (M)", style="bold #ffd75f") if memos else Text()
        head = Text()
        if marked is not None:
            c = codes.get(marked.code_id)
            head.append("▶ ", style="bold")
            head.append("■", style=Style(color=c.colour if c else "#888888"))
            head.append(clean(c.name) if c else f"code {marked.code_id}", style="bold")
            head.append(f" #{marked.id} ", style="dim")
            head.append(clean(marked.coder), style=Style(color=coder_colour(coders, marked.coder), bold=True))
            head.append(" │ ", style="dim")
        if not spans:
            t = head + Text("line: no codes", style="dim")
            t.append_text(note)
            self.update(t, layout=False)
            return
        t = head + Text("line: ", style="dim")
        if memos:
            t.append_text(note)
            t.append("  ")
        seen: set[tuple[int, str]] = set()
        for s in spans:
            if (s.code_id, s.coder) in seen:
                continue
            seen.add((s.code_id, s.coder))
            c = codes.get(s.code_id)
            if c is None:
                continue
            t.append("■", style=Style(color=c.colour))
            t.append(clean(c.name))
            if s.coder != me:
                t.append(f"·{clean(s.coder)}", style=Style(color=coder_colour(coders, s.coder), italic=True))
            t.append("  ")
        t.no_wrap = True
        t.overflow = "ellipsis"
        self.update(t, layout=False)


class DetailsPanel(Static):
    """The coding(s) under the cursor: code, coder, time, memo, quoted text."""

    DEFAULT_CSS = """
    DetailsPanel { height: 7; padding: 0 1; border-top: solid $primary-darken-2; overflow-y: auto; }
    """

    def show(self, spans: Sequence[Span], current: int | None, codes: dict[int, CodeItem],
             text: str, coders: Sequence[str], me: str | None, selection: tuple[int, int] | None = None) -> None:
        if not spans:
            t = Text("No coding under the cursor.", style="dim")
            if selection and selection[1] > selection[0]:
                a, b = selection
                words = len(text[a:b].split())
                t = Text(f"Selected {words} word{'s' if words != 1 else ''} [{a}, {b}): ", style="dim")
                t.append("press a code's hotkey, c to pick a code, v to code in vivo", style="italic dim")
            self.update(t, layout=False)
            return
        t = Text()
        # The ▶ coding first: the panel may be too short to show every coding here.
        spans = sorted(spans, key=lambda s: s.id != current)
        for s in spans:
            c = codes.get(s.code_id)
            colour = c.colour if c else "#888888"
            t.append("▶ " if s.id == current else "  ", style="bold")
            t.append("■ ", style=Style(color=colour))
            t.append(clean(c.name) if c else f"code {s.code_id}", style="bold")
            t.append(f"  #{s.id}  ", style="dim")
            t.append(clean(s.coder), style=Style(color=coder_colour(coders, s.coder), bold=s.coder == me))
            created, updated = when(s.created_at), when(s.updated_at)
            t.append(f"  {created}", style="dim")
            if updated and updated != created:
                t.append(f" (edited {updated})", style="dim")
            t.append("\n")
            quote = " ".join(text[s.start:s.end].split())
            if len(quote) > 160:
                quote = quote[:157] + "…"
            t.append(f"    “{quote}”\n", style="italic")
            if s.memo:
                t.append("    memo: ", style="bold #ffd75f")
                t.append(clean(s.memo).replace("\n", " ") + "\n")
        t.rstrip()
        self.update(t, layout=False)
