"""E-mail HTML made safe to show inside the application's pages (nh3).

Kept: text formatting, lists, tables, links to http(s)/mailto/tel (opening in a new tab,
without a referrer). Removed: scripts and styles with their content, every event handler and
style attribute, forms, frames, and every remote or relative image — an image stays only when
it points into the message itself (`cid:`) or is an inline PNG/JPEG/GIF/WebP `data:` URL,
so opening an e-mail never tells its sender that it was read.
"""

import re

import nh3

TAGS = (nh3.ALLOWED_TAGS | {"font", "tfoot"}) - {"area", "map"}
ATTRIBUTES = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
ATTRIBUTES["font"] = {"color", "size"}
ATTRIBUTES["td"] = ATTRIBUTES.get("td", set()) | {"valign", "width"}
ATTRIBUTES["th"] = ATTRIBUTES.get("th", set()) | {"valign", "width"}
ATTRIBUTES["table"] = ATTRIBUTES.get("table", set()) | {"border", "cellpadding", "cellspacing"}
for _tag in ("blockquote", "q", "del", "ins"):
    ATTRIBUTES[_tag] = ATTRIBUTES.get(_tag, set()) - {"cite"}
LINK_SCHEMES = ("http://", "https://", "mailto:", "tel:")
INLINE_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[a-z0-9+/=\s]+$", re.I)
CLEAN_CONTENT_TAGS = {"script", "style", "title", "head", "noscript", "template", "xml"}


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "src":
        keep = value.lower().startswith("cid:") or INLINE_IMAGE.match(value)
        return value if tag == "img" and keep else None
    if attribute == "href":
        return value if value.strip().lower().startswith(LINK_SCHEMES) else None
    return value


def sanitise_html(html: str) -> str:
    """`html` from an e-mail, with nothing left that runs, styles the page or loads from afar."""
    if not html or not html.strip():
        return ""
    return nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags=CLEAN_CONTENT_TAGS,
        attributes=ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=set(nh3.ALLOWED_URL_SCHEMES) | {"cid", "data"},
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        strip_comments=True,
    ).strip()
