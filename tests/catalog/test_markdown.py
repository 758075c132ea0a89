"""READMEs are untrusted Markdown: whatever they contain, nothing in them runs in a reader's browser."""

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesh_portal.lib.markdown import markdown_to_html

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="javascript:alert(1)">',
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](data:text/html,<script>alert(1)</script>)",
    "![x](javascript:alert(1))",
    '![x](https://ok.example/a.png "title" onerror="alert(1)")',
    '[x](https://ok.example/" onmouseover="alert(1))',
    '<div style="background:url(javascript:alert(1))">styled</div>',
    '<p style="position:fixed;top:0">overlay</p>',
    "<style>body{display:none}</style>",
    '<body onload="alert(1)">',
    '<input autofocus onfocus="alert(1)">',
    '<details open ontoggle="alert(1)">',
    "<object data=javascript:alert(1)></object>",
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<base href=javascript:alert(1)//>",
    '<link rel=stylesheet href="javascript:alert(1)">',
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    "`<script>alert(1)</script>` and ```\n<script>alert(1)</script>\n```",
    "[a]: javascript:alert(1)\n\n[link][a]",
    "<https://ok.example/?q=<script>alert(1)</script>>",
    "<javascript:alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<a href="https://ok.example" target="_blank">tab-nabbing</a>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
]

DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k.lower(): (v or "") for k, v in attrs}))

    handle_startendtag = handle_starttag


def _elements(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def assert_inert(html: str) -> None:
    """No script element, no event handler, no style, no dangerous URL; links get rel=noopener."""
    assert "<script" not in html.lower()
    # Event handlers and styles as real attributes of real elements (escaped text is harmless).
    assert not re.search(r"<[a-z][^>]*\s(on\w+|style)\s*=", html, re.IGNORECASE)
    for tag, attrs in _elements(html):
        assert tag not in {
            "script",
            "style",
            "iframe",
            "object",
            "embed",
            "form",
            "input",
            "meta",
            "base",
            "link",
            "svg",
            "math",
        }
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name != "style", tag
            compact = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            assert not compact.startswith(DANGEROUS_SCHEMES), (tag, name, value)
        if tag == "a" and "href" in attrs:
            assert set(attrs.get("rel", "").split()) >= {"noopener", "noreferrer"}, attrs


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_readme_payload_renders_inert(payload):
    html = markdown_to_html(f"# Orders\n\nSome text.\n\n{payload}\n\nMore text.")

    assert_inert(html)


def test_the_corpus_has_more_than_twenty_different_payloads():
    assert len(set(XSS_PAYLOADS)) >= 20


def test_all_payloads_in_one_readme_render_inert():
    assert_inert(markdown_to_html("\n\n".join(XSS_PAYLOADS)))


def test_ordinary_markdown_keeps_its_formatting_and_safe_links():
    html = markdown_to_html(
        "# Title\n\n**bold** and `code`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "[docs](https://docs.example/x) [mail](mailto:team@example.com)\n\n```sql\nSELECT 1\n```"
    )

    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<table>" in html
    assert 'href="https://docs.example/x"' in html
    assert 'href="mailto:team@example.com"' in html
    assert "<pre><code>SELECT 1\n</code></pre>" in html
    assert_inert(html)


def test_an_empty_readme_renders_nothing():
    assert markdown_to_html("") == ""
    assert markdown_to_html(None) == ""


def test_a_huge_readme_is_cut_not_rendered_whole():
    html = markdown_to_html("word " * 300_000)

    assert "Truncated" in html
    assert len(html) < 600_000


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("<>\"'=/:;&#() []!`*_-\nabcjvsrtpqnolemx0123456789")), max_size=200)
)
def test_random_markup_never_produces_an_active_element(text):
    html = markdown_to_html(text)

    assert_inert(html)
    # Sanitizing the sanitized output changes nothing (nh3 is idempotent on its own output).
    import nh3

    assert nh3.clean(str(html), url_schemes={"http", "https", "mailto"}) == str(html)
