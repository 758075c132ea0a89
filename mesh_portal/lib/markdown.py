"""Markdown to safe HTML, for READMEs and every other user-written Markdown we show.

Two layers, because either alone has failed somewhere: markdown-it-py's "js-default" preset
(raw HTML off, `javascript:`/`vbscript:`/`file:`/most `data:` links refused) and nh3, which
removes whatever markup, attribute or URL scheme is not on its allow-list from the result.
`style` attributes are not on it, and `<a>` always gets `rel="noopener noreferrer"`.
"""

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Beyond this a README is cut rather than rendered: rendering is linear, but a page should not be.
MAX_SOURCE_CHARS = 512 * 1024

_markdown = MarkdownIt("js-default")


def markdown_to_html(source: str | None) -> SafeString:
    """Render untrusted Markdown as sanitized HTML (safe to put in a template as is)."""
    if not source:
        return mark_safe("")  # noqa: S308 - an empty string
    truncated = len(source) > MAX_SOURCE_CHARS
    html = _markdown.render(source[:MAX_SOURCE_CHARS])
    clean = nh3.clean(html, url_schemes=set(URL_SCHEMES), link_rel="noopener noreferrer")
    if truncated:
        clean += '<p class="muted">(Truncated: the rest is too long to show here.)</p>'
    return mark_safe(clean)  # noqa: S308 - sanitized by nh3 just above
