"""Parts of a template that are the same in every recipient's message, rendered and
CSS-inlined once per run instead of once per message.

A mail template draws a section with `{{ render_part(template_name, section) }}`, which
reads as `{% include %}` would. A section the plan made read-only (a MappingProxyType: the
weekly summary's posts, mentions, goals and trend, the same object in every manager's
message) cannot change, so its text is kept: later messages reuse it without even looking
the template up, and it sees only `section`, never a recipient's name. The next run plans
new sections, so an edited template shows in the next run.

Inlining the CSS of the HTML (css_inline, the largest cost of a summary after its charts)
is shared the same way. The first message that carries a kept part is inlined whole, the
part between two comments; its inlined text is taken from between them. Later messages
carry a one-comment stand-in instead, which the inliner leaves alone, and get the inlined
text back in its place:

    message 1:  <!--chorus-part 7-->PART<!--/chorus-part 7-->  ─inline─▶  PART′ kept
    message 2:  <!--chorus-part-inlined 7-->                    ─inline─▶  PART′ put back

Comments sit anywhere an element may, even between table rows, and change no other node,
so the result is the text inlining the whole message gives, as long as no CSS rule
depends on an element's place among siblings outside its part (`p + h2`, `:nth-child`
across sections): the layout's rules do not, and a test compares both ways.
"""

from __future__ import annotations

import itertools
import re
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

#: parts kept, the oldest forgotten first (a run of one job uses a handful)
KEPT = 64


@dataclass
class Kept:
    """A read-only part rendered once: its text, and its text with CSS inlined in each
    template it was seen in (the stylesheet is the template's).

    The environment and the part are held so neither id can be reused while it is kept."""

    env: Environment
    part: object
    text: Markup
    token: str
    inlined: dict[str, str] = field(default_factory=dict)


_KEPT: OrderedDict[tuple[int, str, int], Kept] = OrderedDict()
_BY_TOKEN: dict[str, Kept] = {}
_TOKENS = itertools.count(1)
#: while render() renders HTML it will inline: that template's name (kept parts are marked)
_MARKING: ContextVar[str] = ContextVar("chorus_marking_parts", default="")
_MARKED = re.compile(r"<!--chorus-part (\d+)-->(.*?)<!--/chorus-part \1-->", re.DOTALL)
_STAND_IN = re.compile(r"<!--chorus-part-inlined (\d+)-->")
_STRAY = re.compile(r"<!--/?chorus-part \d+-->")


@pass_context
def render_part(context: Context, name: str, part: Mapping[str, Any]) -> Markup:
    """`{{ render_part(template_name, section) }}`: the template with `section` bound to the
    part, as `{% include %}` would render it; a read-only part is rendered only once."""
    env = context.environment
    if not isinstance(part, MappingProxyType):
        template = env.get_template(name)
        return Markup(template.render({**context.get_all(), "section": part}))
    kept = _KEPT.get((id(env), name, id(part)))
    if kept is None:
        marking = _MARKING.set("")  # a part inside a kept part is plain text of it
        try:
            text = Markup(env.get_template(name).render(section=part))
        finally:
            _MARKING.reset(marking)
        kept = Kept(env, part, text, str(next(_TOKENS)))
        _KEPT[id(env), name, id(part)] = kept
        _BY_TOKEN[kept.token] = kept
    document = _MARKING.get()
    if not document:
        return kept.text
    if document not in kept.inlined:
        return Markup(f"<!--chorus-part {kept.token}-->{kept.text}<!--/chorus-part {kept.token}-->")
    return Markup(f"<!--chorus-part-inlined {kept.token}-->")


@contextmanager
def marking(document: str) -> Iterator[None]:
    """Around rendering the HTML template `document`, which is inlined next and then given
    to `restore`."""
    while len(_KEPT) > KEPT:  # only here: a stand-in never outlives its part within a message
        _, old = _KEPT.popitem(last=False)
        _BY_TOKEN.pop(old.token, None)
    token = _MARKING.set(document)
    try:
        yield
    finally:
        _MARKING.reset(token)


def restore(inlined: str, document: str) -> str:
    """The inlined HTML of `document` with each marked part kept (its markers dropped) and
    each stand-in replaced by its part's kept text."""
    if "<!--chorus-part" not in inlined:
        return inlined

    def marked(found: re.Match[str]) -> str:
        _BY_TOKEN[found[1]].inlined[document] = found[2]
        return found[2]

    html = _MARKED.sub(marked, inlined)
    html = _STAND_IN.sub(lambda found: _BY_TOKEN[found[1]].inlined[document], html)
    # a marker the inliner moved away from its part (it never does in a body) is only dropped
    return _STRAY.sub("", html)
